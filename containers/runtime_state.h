/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The state directories of OCI runtimes: runc's <root>/<id>/state.json and
 * crun's <root>/<id>/status (with the copy of config.json beside it), as
 * docker, containerd, cri-o and podman leave them under their own roots.
 */
#ifndef __DG_RUNTIME_STATE_H
#define __DG_RUNTIME_STATE_H

#include <stdbool.h>

#include "containers/identity.h"

/* Where runc and crun keep their state unless told otherwise (--root). */
#define DG_RUNC_STATE_ROOT "/run/runc"
#define DG_CRUN_STATE_ROOT "/run/crun"

/*
 * State directories read when given none (NULL-terminated). One that ends
 * in a component "*" stands for each of its subdirectories, containerd's runc roots of
 * its namespaces (see inventory.h).
 */
extern const char *const dg_default_state_roots[];

/*
 * Container `id` of the state directory `state_root`: init pid, bundle,
 * cgroup, names and pod. Names and pod come from the OCI annotations (runc
 * keeps them among its labels; else the bundle's config.json). The init
 * pid is the container's only while its start time is the one the runtime
 * wrote down (pids are reused): a stopped container is found too, with
 * init_pid 0. cgroup_root is the cgroup2 mount used to turn runc's
 * absolute cgroup paths into cgroup paths and to find the cgroup id; ""
 * when there is none, NULL to look it up.
 *
 * -ENOENT if the directory holds no such container (no state file),
 * -EINVAL for an id runc would refuse or a state file that cannot be read.
 */
int dg_runtime_state_read(const char *state_root, const char *id, const char *cgroup_root,
			  struct dg_identity *out);

/*
 * Whether container `id`'s process is still held back: runc and crun keep
 * <state_root>/<id>/exec.fifo from `create` until `start` has released the
 * process, which blocks on it before its exec (and, with noNewPrivileges,
 * before its seccomp filter).
 */
bool dg_runtime_state_held(const char *state_root, const char *id);

#endif /* __DG_RUNTIME_STATE_H */
