// SPDX-License-Identifier: GPL-2.0-only
/*
 * hello_dyn: a dynamically linked program, so that tests exercise ld.so:
 * loading libc from the image, `ld.so /path/to/copy`, and LD_PRELOAD.
 */
#include <stdio.h>

int main(void)
{
	printf("hello\n");
	return 0;
}
