// SPDX-License-Identifier: GPL-2.0-only
/* Pid files held with flock(2) (pidfile.h). */
#include "common/pidfile.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/errors.h"

/* The pid written in fd's file, 0 when there is none (yet). */
static pid_t read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	int pid;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%d", &pid) != 1 || pid <= 0)
		return 0;
	return pid;
}

/* The directory of path, for a daemon's first start (/run/driftguard). */
static void make_parent(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0755) && errno != EEXIST)
		dg_debug("cannot create %s: %s", dir, strerror(errno));
}

/* Whether fd is still the file at path (not one a releasing holder has just unlinked). */
static bool still_there(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat(path, &b) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* path opened and locked: -EBUSY when another holds it, -EAGAIN when it was just removed. */
static int open_locked(const char *path, int *out)
{
	_cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0)
		return dg_err(errno, "cannot open the pid file %s: %s (use --pidfile)", path,
			      strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		pid_t holder = read_pid(fd);

		if (errno != EWOULDBLOCK)
			return dg_err(errno, "cannot lock the pid file %s: %s", path,
				      strerror(errno));
		return dg_err(EBUSY,
			      "another driftguard enforce (pid %d) holds %s: stop it first "
			      "(`driftguard stop`), or give this one another --pidfile",
			      (int)holder, path);
	}
	if (!still_there(fd, path))
		return -EAGAIN;
	*out = TAKE_FD(fd);
	return 0;
}

int dg_pidfile_acquire(const char *path, struct dg_pidfile *out)
{
	_cleanup_close_ int fd = -1;
	char line[32];
	int len, rc = -EAGAIN;

	out->fd = -1;
	make_parent(path);
	for (int tries = 0; rc == -EAGAIN && tries < 10; tries++)
		rc = open_locked(path, &fd);
	if (rc == -EAGAIN)
		return dg_err(EAGAIN, "the pid file %s keeps being removed under us", path);
	if (rc)
		return rc;
	len = snprintf(line, sizeof(line), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) || pwrite(fd, line, len, 0) != len)
		return dg_err(errno, "cannot write the pid file %s: %s", path, strerror(errno));
	snprintf(out->path, sizeof(out->path), "%s", path);
	out->fd = TAKE_FD(fd);
	return 0;
}

void dg_pidfile_release(struct dg_pidfile *p)
{
	if (p->fd < 0)
		return;
	/* Unlinked while still locked: a reader never sees our file unlocked. */
	unlink(p->path);
	close(p->fd);
	p->fd = -1;
}

int dg_pidfile_holder(const char *path, pid_t *pid)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	pid_t in_file;

	if (fd < 0 && errno == ENOENT)
		return dg_err(ENOENT, "no driftguard enforce runs: there is no pid file %s", path);
	if (fd < 0)
		return dg_err(errno, "cannot open the pid file %s: %s", path, strerror(errno));
	in_file = read_pid(fd);
	if (!flock(fd, LOCK_SH | LOCK_NB)) {
		if (in_file)
			return dg_err(
				ESRCH,
				"no driftguard enforce runs: %s is stale (pid %d wrote it and "
				"is gone; that pid was not signalled)",
				path, (int)in_file);
		return dg_err(ESRCH, "no driftguard enforce runs: nobody holds %s", path);
	}
	if (errno != EWOULDBLOCK)
		return dg_err(errno, "cannot check the lock of %s: %s", path, strerror(errno));
	/* Read again: the holder may have written it since. */
	in_file = read_pid(fd);
	if (!in_file)
		return dg_err(EAGAIN, "driftguard enforce is starting (%s has no pid yet): retry",
			      path);
	*pid = in_file;
	return 0;
}
