/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What /proc says about a process and about mounts: its start time and
 * parent (/proc/PID/stat), its cgroup v2 (/proc/PID/cgroup), its mount
 * namespace, and the lines of /proc/self/mountinfo.
 */
#ifndef __DG_PROCFS_H
#define __DG_PROCFS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct dg_proc_stat {
	char state; /* 'R', 'S', ...; 'Z' a zombie: it exited, its parent has not reaped it */
	pid_t ppid;
	unsigned long long start_time; /* clock ticks after boot (field 22) */
};

/* /proc/PID/stat. -ENOENT (no message) when the process is gone. */
int dg_proc_stat(pid_t pid, struct dg_proc_stat *out);

/* The cgroup v2 path of a process (the "0::" line of /proc/PID/cgroup). */
int dg_proc_cgroup(pid_t pid, char *buf, size_t len);

/* Inode of the process's mount namespace; 0 when it cannot be read. */
uint64_t dg_proc_mntns(pid_t pid);

/* Inode of the process's pid namespace; 0 when it cannot be read. */
uint64_t dg_proc_pidns(pid_t pid);

/* A line of mountinfo, octal escapes ("\040" for a space) undone. */
struct dg_mount {
	char root[PATH_MAX];	    /* what of the filesystem is mounted: "/" unless a bind mount */
	char mount_point[PATH_MAX]; /* where */
	char fstype[64];
};

/* Parses one line of mountinfo; -EINVAL (no message) if it is not one. */
int dg_mountinfo_parse(const char *line, struct dg_mount *out);

/*
 * The first mount of /proc/self/mountinfo for which match() is true:
 * 0, -ENOENT (no message) when none, or the error of reading it.
 */
int dg_mountinfo_find(bool (*match)(const struct dg_mount *m, void *ctx), void *ctx,
		      struct dg_mount *out);

#endif /* __DG_PROCFS_H */
