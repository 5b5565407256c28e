// SPDX-License-Identifier: GPL-2.0-only
/* /proc readers (see procfs.h). */
#include "containers/procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/errors.h"

int dg_proc_stat(pid_t pid, struct dg_proc_stat *out)
{
	char file[64], buf[1024];
	_cleanup_close_ int fd = -1;
	int ppid = 0;
	ssize_t n;
	char *p;

	memset(out, 0, sizeof(*out));
	snprintf(file, sizeof(file), "/proc/%d/stat", pid);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == ESRCH))
		return -ENOENT;
	if (fd < 0)
		return dg_err(errno, "cannot read %s: %s", file, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -ENOENT; /* exited between open and read */
	buf[n] = '\0';
	/* "pid (comm) state ppid ...": comm may hold spaces and parentheses,
	 * the fields resume after the last ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1,
			 " %c %d %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
			 "%*s %llu",
			 &out->state, &ppid, &out->start_time) != 3)
		return dg_err(EINVAL, "%s: unexpected format", file);
	out->ppid = ppid;
	return 0;
}

int dg_proc_cgroup(pid_t pid, char *buf, size_t len)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	char file[64];
	size_t cap = 0;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", pid);
	f = fopen(file, "re");
	if (!f)
		return dg_err(errno, "cannot read %s: %s", file, strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		if ((size_t)snprintf(buf, len, "%s", line + 3) >= len)
			return dg_err(ENAMETOOLONG, "cgroup path of pid %d is too long", pid);
		return 0;
	}
	return dg_err(ENOENT,
		      "pid %d has no cgroup v2 membership in %s; driftguard needs the "
		      "unified (v2) hierarchy, which runc uses in hybrid mode too",
		      pid, file);
}

static uint64_t proc_ns(pid_t pid, const char *ns)
{
	char file[64];
	struct stat st;

	snprintf(file, sizeof(file), "/proc/%d/ns/%s", pid, ns);
	return stat(file, &st) ? 0 : st.st_ino;
}

uint64_t dg_proc_mntns(pid_t pid)
{
	return proc_ns(pid, "mnt");
}

uint64_t dg_proc_pidns(pid_t pid)
{
	return proc_ns(pid, "pid");
}

/* Copies the next space-separated field of *s into buf, undoing octal escapes. */
static bool next_field(const char **s, char *buf, size_t len)
{
	const char *p = *s;
	size_t w = 0;

	while (*p == ' ')
		p++;
	if (!*p || *p == '\n')
		return false;
	for (; *p && *p != ' ' && *p != '\n'; p++) {
		char c = *p;

		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
		    p[3] >= '0' && p[3] <= '7') {
			c = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
		}
		if (w + 1 >= len)
			return false;
		buf[w++] = c;
	}
	buf[w] = '\0';
	*s = p;
	return true;
}

int dg_mountinfo_parse(const char *line, struct dg_mount *out)
{
	const char *p = line, *sep = strstr(line, " - ");
	char skip[PATH_MAX];

	memset(out, 0, sizeof(*out));
	/* mount id, parent id, major:minor, root, mount point; after " - " the type */
	for (int i = 0; i < 3; i++)
		if (!next_field(&p, skip, sizeof(skip)))
			return -EINVAL;
	if (!sep || !next_field(&p, out->root, sizeof(out->root)) ||
	    !next_field(&p, out->mount_point, sizeof(out->mount_point)) || p > sep)
		return -EINVAL;
	p = sep + 3;
	if (!next_field(&p, out->fstype, sizeof(out->fstype)))
		return -EINVAL;
	return 0;
}

int dg_mountinfo_find(bool (*match)(const struct dg_mount *m, void *ctx), void *ctx,
		      struct dg_mount *out)
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return dg_err(errno, "cannot read /proc/self/mountinfo: %s", strerror(errno));
	while (getline(&line, &cap, f) > 0)
		if (!dg_mountinfo_parse(line, out) && match(out, ctx))
			return 0;
	return -ENOENT;
}
