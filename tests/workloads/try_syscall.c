// SPDX-License-Identifier: GPL-2.0-only
/*
 * try_syscall NAME: make one syscall that a learned workload never made and
 * print how it ended, so a test can assert the profile's errno. "none" makes
 * no extra syscall. Only the few syscalls the tests use are known.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	unsigned int cpu;
	long rc;

	if (argc != 2)
		return 2;
	if (!strcmp(argv[1], "none")) {
		printf("none: ok\n");
		return 0;
	}
	if (!strcmp(argv[1], "getcpu"))
		rc = syscall(SYS_getcpu, &cpu, NULL, NULL);
	else if (!strcmp(argv[1], "sysinfo"))
		rc = syscall(SYS_sysinfo, NULL);
	else
		return 2;
	if (rc < 0)
		printf("%s: errno %d\n", argv[1], errno);
	else
		printf("%s: ok\n", argv[1]);
	return 0;
}
