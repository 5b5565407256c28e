// SPDX-License-Identifier: GPL-2.0-only
/*
 * syscall_loop [N]: N getppid syscalls in a tight loop (default 1000000), the
 * bare-syscall workload of bench/host_overhead.sh, which times it with
 * enforce running and not. getppid does no work of its own, so what enforce
 * adds to it is what it adds to every syscall of the host.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;

	if (n < 1) {
		fprintf(stderr, "usage: syscall_loop [N>=1]\n");
		return 2;
	}
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	return 0;
}
