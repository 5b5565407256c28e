// SPDX-License-Identifier: GPL-2.0-only
/*
 * A known tail of syscalls for the flight recorder tests (driftguard dump):
 * getppid, sysinfo, getcpu, then the marker getpid, then read on a pipe
 * that never gets data, so the process blocks with exactly that tail.
 *
 *   known_sequence [GO_FILE]
 *
 * With GO_FILE, it first waits (polling) until GO_FILE exists, so that a
 * recorder can attach to a running container before the sequence starts.
 * Raw syscall() calls: libc adds nothing in between.
 */
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec tick = {.tv_sec = 0, .tv_nsec = 50 * 1000 * 1000};
	unsigned int cpu, node;
	char sysinfo_buf[256]; /* struct sysinfo is 112 bytes on x86-64 */
	int fds[2];
	char c;

	if (pipe(fds))
		return 1;
	if (argc > 1)
		while (access(argv[1], F_OK))
			nanosleep(&tick, NULL);
	syscall(SYS_getppid);
	syscall(SYS_sysinfo, sysinfo_buf);
	syscall(SYS_getcpu, &cpu, &node, NULL);
	syscall(SYS_getpid);
	/* The write end stays open: this never returns. */
	return syscall(SYS_read, fds[0], &c, 1) == 1 ? 0 : 2;
}
