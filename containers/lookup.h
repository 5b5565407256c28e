/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Questions of commands, answered from the inventory: the running
 * container `learn --container` records, the processes from a container's
 * init up to pid 1 that `dump` looks for a learn session in, and whose
 * task a kernel event came from (enforce).
 */
#ifndef __DG_LOOKUP_H
#define __DG_LOOKUP_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "containers/identity.h"

/* What to record of a running container: what its init runs in. */
struct dg_container_to_record {
	struct dg_identity ident;
	char init_cgroup[DG_IDENTITY_PATH_MAX]; /* cgroup v2 path of its init */
	uint64_t init_cgroup_id;
};

/*
 * The running container `id` of state directory `state_root` (runc's
 * /run/runc, crun's /run/crun, ...). -ENOENT when there is none, -ESRCH
 * when it is not running; the message says what to do.
 */
int dg_container_to_record(const char *state_root, const char *id,
			   struct dg_container_to_record *out);

/*
 * The cgroup v2 path and id of process `pid`, its id looked up below
 * cgroup_root (the cgroup2 mount; NULL or "": none is mounted, as on some
 * hybrid hosts, so it is looked at privately). The message names the cgroup.
 */
int dg_process_cgroup(pid_t pid, const char *cgroup_root, char *path, size_t len, uint64_t *id);

/*
 * The pids from the init of the running container whose id or name is
 * `what` (in the default state directories) up to pid 1, 0-terminated, in
 * an array the caller free()s. -ENOENT (no message) when no container runs
 * by that name.
 */
int dg_container_ancestry(const char *what, pid_t **out);

struct dg_inventory;

/*
 * The container of a task the kernel saw in cgroup `cgroup_id`: as
 * dg_inventory_resolve_id() finds it; else (not found, or the lookup
 * failed), when the kernel programs judged the task a container's
 * (`in_container`: a pid namespace below the host's or a container cgroup,
 * bpf/lib/policy.bpf.h), a container all the same: DG_RUNTIME_UNKNOWN with
 * its cgroup, never the host. 0 = container, -ENOENT = host.
 */
int dg_container_of_task(struct dg_inventory *inv, uint64_t cgroup_id, bool in_container,
			 struct dg_identity *out);

#endif /* __DG_LOOKUP_H */
