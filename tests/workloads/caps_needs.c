// SPDX-License-Identifier: GPL-2.0-only
/*
 * caps_needs [--drop-chown] [FILE]
 *
 * A workload that needs exactly CAP_CHOWN and CAP_NET_BIND_SERVICE (run as
 * root): it gives FILE (default /caps-needs.tmp) to another user and binds
 * TCP port 80. Exit 1 when the chown is refused, 2 when the bind is, 3 on
 * other errors; prints "caps ok" when both worked.
 *
 * --drop-chown first drops CAP_CHOWN from its own effective set (which needs
 * no capability), so the chown is a denied check: it then prints
 * "chown denied, bind ok" and exits 0 if the bind still works.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static int drop_chown(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[0].effective &= ~(1u << CAP_CHOWN);
	return (int)syscall(SYS_capset, &h, d);
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_port = htons(80),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	const char *file = "/caps-needs.tmp";
	int fd, s, drop = 0, chown_ok;

	if (argc > 1 && !strcmp(argv[1], "--drop-chown")) {
		drop = 1;
		argc--;
		argv++;
	}
	if (argc > 1)
		file = argv[1];
	if (drop && drop_chown()) {
		perror("capset");
		return 3;
	}
	fd = open(file, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		perror(file);
		return 3;
	}
	chown_ok = fchown(fd, 1000, 1000) == 0; /* CAP_CHOWN */
	if (!chown_ok)
		perror("fchown");
	close(fd);
	unlink(file);
	if (!chown_ok && !drop)
		return 1;
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		perror("socket");
		return 3;
	}
	if (bind(s, (struct sockaddr *)&a, sizeof(a))) { /* CAP_NET_BIND_SERVICE */
		perror("bind port 80");
		return 2;
	}
	close(s);
	if (drop && chown_ok) {
		fprintf(stderr, "chown worked without CAP_CHOWN\n");
		return 3;
	}
	puts(drop ? "chown denied, bind ok" : "caps ok");
	return 0;
}
