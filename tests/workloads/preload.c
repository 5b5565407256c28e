// SPDX-License-Identifier: GPL-2.0-only
/*
 * preload.so: an LD_PRELOAD library that says when it was loaded, so a test
 * can tell a refused executable mapping from one that went through.
 */
#include <unistd.h>

__attribute__((constructor)) static void preload_loaded(void)
{
	static const char msg[] = "preload loaded\n";

	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		return;
}
