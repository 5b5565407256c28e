// SPDX-License-Identifier: GPL-2.0-only
/*
 * mprotect_exec [-w] [-p] [-m] FILE: maps FILE without PROT_EXEC (which no
 * rule judges: it cannot run), makes the mapping executable with mprotect
 * and calls into it: the drift that an mmap(PROT_EXEC) check alone misses.
 *   -w  first write the code into FILE (mov eax, 42; ret): a drifted file
 *   -p  pkey_mprotect(..., -1) instead of mprotect
 *   -m  map a memfd holding FILE's bytes instead of FILE
 * Prints "code ran: 42" and exits 0 when the code ran; exits 126 with
 * "Operation not permitted" when mprotect is refused with EPERM, 1 on any
 * other failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static const unsigned char code[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3};

static int fail(const char *what)
{
	fprintf(stderr, "mprotect_exec: %s: %s\n", what, strerror(errno));
	return errno == EPERM ? 126 : 1;
}

int main(int argc, char **argv)
{
	int opt, fd, write_it = 0, pkey = 0, memfd = 0;
	unsigned char buf[sizeof(code)];
	int (*fn)(void);
	void *p;

	while ((opt = getopt(argc, argv, "wpm")) != -1) {
		write_it |= opt == 'w';
		pkey |= opt == 'p';
		memfd |= opt == 'm';
		if (opt == '?')
			return 2;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: mprotect_exec [-w] [-p] [-m] FILE\n");
		return 2;
	}
	if (write_it) {
		fd = open(argv[optind], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, code, sizeof(code)) != (ssize_t)sizeof(code) || close(fd))
			return fail("write");
	}
	fd = open(argv[optind], O_RDONLY);
	if (fd < 0)
		return fail("open");
	if (memfd) {
		int m = memfd_create("mprotect_exec", 0);

		if (m < 0 || read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
		    write(m, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return fail("memfd");
		close(fd);
		fd = m;
	}
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return fail("mmap");
	if (pkey ? syscall(SYS_pkey_mprotect, p, 4096, PROT_READ | PROT_EXEC, -1)
		 : mprotect(p, 4096, PROT_READ | PROT_EXEC))
		return fail(pkey ? "pkey_mprotect" : "mprotect");
	fn = (int (*)(void))p;
	printf("code ran: %d\n", fn());
	return 0;
}
