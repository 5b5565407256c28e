// SPDX-License-Identifier: GPL-2.0-only
/*
 * fd_exec FILE [ARG...]: execveat(fd, "", AT_EMPTY_PATH) of FILE opened
 * without O_CLOEXEC (a script needs its fd after exec: its interpreter gets
 * /dev/fd/N), so the exec names no path of the file. Exits 126 with
 * "Operation not permitted" when the exec is refused with EPERM, 127 on any
 * other failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	int fd;

	if (argc < 2) {
		fprintf(stderr, "usage: fd_exec FILE [ARG...]\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "fd_exec: %s: %s\n", argv[1], strerror(errno));
		return 127;
	}
	syscall(SYS_execveat, fd, "", argv + 1, environ, AT_EMPTY_PATH);
	fprintf(stderr, "fd_exec: execveat: %s\n", strerror(errno));
	return errno == EPERM ? 126 : 127;
}
