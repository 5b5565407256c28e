// SPDX-License-Identifier: GPL-2.0-only
/*
 * memfd_exec FILE [ARG...]: fileless execution, as droppers do it: copy FILE
 * into a memfd and execveat(fd, "", AT_EMPTY_PATH) it, so no path on disk
 * names what runs. Exits 126 with "Operation not permitted" when the exec is
 * refused with EPERM (what the tests assert), 127 on any other failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	char buf[65536];
	ssize_t n;
	int in, fd;

	if (argc < 2) {
		fprintf(stderr, "usage: memfd_exec FILE [ARG...]\n");
		return 2;
	}
	in = open(argv[1], O_RDONLY | O_CLOEXEC);
	/* No MFD_CLOEXEC: a script in a memfd would need the fd after exec. */
	fd = memfd_create("dg-test", 0);
	if (in < 0 || fd < 0) {
		fprintf(stderr, "memfd_exec: %s: %s\n", argv[1], strerror(errno));
		return 127;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, (size_t)n) != n) {
			fprintf(stderr, "memfd_exec: write: %s\n", strerror(errno));
			return 127;
		}
	/* The raw syscall: glibc's fexecve could fall back to /proc/self/fd. */
	syscall(SYS_execveat, fd, "", argv + 1, environ, AT_EMPTY_PATH);
	fprintf(stderr, "memfd_exec: execveat: %s\n", strerror(errno));
	return errno == EPERM ? 126 : 127;
}
