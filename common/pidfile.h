/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pid file of a daemon (driftguard enforce), locked with flock(2) for as
 * long as the daemon runs. The lock, not the number in the file, says that
 * the daemon is alive: a file left behind by a killed daemon is unlocked, so
 * `driftguard reload` and `driftguard stop` never signal a process that
 * later got the same pid. The kernel drops the lock when the daemon dies,
 * however it dies.
 */
#ifndef __DG_PIDFILE_H
#define __DG_PIDFILE_H

#include <limits.h>
#include <sys/types.h>

struct dg_pidfile {
	int fd; /* -1 when not held */
	char path[PATH_MAX];
};

/*
 * Create or open path, lock it (without waiting) and write our pid into it.
 * The parent directory is created (0755) when it is missing. -EBUSY with a
 * message naming the holder's pid when another process holds the lock.
 */
int dg_pidfile_acquire(const char *path, struct dg_pidfile *out);

/* Remove the file and drop the lock; nothing when it is not held. */
void dg_pidfile_release(struct dg_pidfile *p);

/*
 * The pid of the process holding path's lock. -ENOENT when there is no
 * such file, -ESRCH when nobody holds its lock (a stale file: its pid,
 * if any, is not signalled), -EAGAIN when the holder has not written its
 * pid yet; each with a message.
 */
int dg_pidfile_holder(const char *path, pid_t *pid);

#endif /* __DG_PIDFILE_H */
