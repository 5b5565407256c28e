/* SPDX-License-Identifier: GPL-2.0-only */
/* Finding a running OCI container (runc-style state directories) and its cgroup. */
#ifndef __DG_CONTAINER_H
#define __DG_CONTAINER_H

#include <stdint.h>
#include <sys/types.h>

#define DG_RUNC_ROOT "/run/runc"

struct dg_container {
	char id[256];
	pid_t init_pid;
	char bundle[4096];
	char cgroup_path[4096]; /* cgroup v2 path of the init process, "/t1" */
	uint64_t cgroup_id;     /* cgroup v2 id (inode of the cgroup directory) */
};

/*
 * Look up container `id` in the state directory `root` (runc: /run/runc,
 * crun: /run/crun) and resolve its init process and cgroup v2 id.
 */
int dg_container_find(const char *root, const char *id, struct dg_container *out);

/* cgroup v2 path ("0::" line of /proc/PID/cgroup) of a process. */
int dg_cgroup_path_of_pid(pid_t pid, char *buf, size_t len);

/* cgroup v2 id of a path such as "/t1"; mounts cgroup2 privately if unmounted. */
int dg_cgroup_id_of_path(const char *path, uint64_t *id);

#endif /* __DG_CONTAINER_H */
