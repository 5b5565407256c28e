/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The inventory: one live list of the containers of the runtimes' state
 * directories (runc, crun, docker, containerd, podman), kept up to date by inotify
 * (state_watch.h) and a scan once a second (a container's init can exit
 * without its state changing), with change notifications, and the
 * resolution of a cgroup id or path to the container it belongs to.
 *
 * A container is seen as soon as its runtime writes its state, which is
 * before its process is released to run the container's command. Stopped
 * containers whose state is still there are listed with init_pid 0.
 *
 * Not thread-safe. Subscribers are called from dg_inventory_refresh() and
 * from lookups that found the list stale; they must not free the inventory
 * or (un)subscribe.
 */
#ifndef __DG_INVENTORY_H
#define __DG_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/cleanup.h"
#include "containers/identity.h"

struct dg_inventory_opts {
	const char *cgroup_root; /* the cgroup2 mount; NULL: dg_cgroup2_root() */
	/* NULL-terminated; NULL: dg_default_state_roots, with containerd's
	 * namespaces as they appear and the roots of the running shims (see
	 * shim_roots.h) */
	const char *const *state_roots;
	bool cgroup2_optional; /* no cgroup2 mounted: go on without cgroup ids */
};

struct dg_inventory;

int dg_inventory_new(const struct dg_inventory_opts *o, struct dg_inventory **out);
void dg_inventory_free(struct dg_inventory *inv);
DG_DEFINE_CLEANUP(struct dg_inventory *, dg_inventory_free);

/* The cgroup2 mount the cgroup paths are relative to; "" when there is none. */
const char *dg_inventory_cgroup_root(const struct dg_inventory *inv);

/* Readable (poll(2)) when a state directory changed: call dg_inventory_refresh() then. */
int dg_inventory_fd(const struct dg_inventory *inv);

/*
 * Reads the state directories again when inotify says they changed or a
 * second has passed, and tells the subscribers what changed. Cheap to call
 * often. A state directory or a container that cannot be read keeps what
 * was known of it: a failed read proves nothing gone.
 */
void dg_inventory_refresh(struct dg_inventory *inv);

enum dg_inventory_change {
	DG_CONTAINER_APPEARED, /* new in a state directory */
	DG_CONTAINER_CHANGED,  /* its state changed: stopped, restarted, its cgroup found */
	DG_CONTAINER_GONE,     /* its state is gone (deleted) */
};

/*
 * c: the container now (GONE: as last seen); before: what it was (CHANGED
 * only, else NULL).
 */
typedef void (*dg_inventory_cb)(void *ctx, enum dg_inventory_change what,
				const struct dg_identity *c, const struct dg_identity *before);

/* Calls cb on every change from now on, and at once APPEARED for each container listed. */
int dg_inventory_subscribe(struct dg_inventory *inv, dg_inventory_cb cb, void *ctx);
void dg_inventory_unsubscribe(struct dg_inventory *inv, dg_inventory_cb cb, void *ctx);

/* The list, in no particular order; valid until the next refresh or lookup. */
size_t dg_inventory_count(const struct dg_inventory *inv);
const struct dg_identity *dg_inventory_get(const struct dg_inventory *inv, size_t i);

/*
 * The state directory the container `id` is listed from ("/run/runc"), valid
 * while the inventory lives; NULL when it is not listed.
 */
const char *dg_inventory_state_root(const struct dg_inventory *inv, const char *id);

/* The container `id`, running or not. -ENOENT (no message) when not listed. */
int dg_inventory_by_id(struct dg_inventory *inv, const char *id, struct dg_identity *out);

/* A running container whose id, else whose name, is `what`. -ENOENT (no message) if none. */
int dg_inventory_running_named(struct dg_inventory *inv, const char *what, struct dg_identity *out);

/*
 * The container a cgroup path belongs to (any form dg_identity_from_cgroup_path()
 * takes): the cgroup path parser, then the listed containers (for names,
 * and for plain runc cgroups such as "/t1" that say nothing by themselves).
 * Sub-cgroups resolve to their container; of nested ones, the outermost.
 * 0 = container, -ENOENT = host.
 */
int dg_inventory_resolve_path(struct dg_inventory *inv, const char *path, struct dg_identity *out);

/*
 * The container cgroup v2 id `cgroup_id` (what bpf_get_current_cgroup_id()
 * returns) belongs to, with the container's own cgroup id. Ids are mapped to
 * paths through the listed containers and a map of the cgroup2 tree, made
 * again, at most once a second, when an id is missing. 0 = container,
 * -ENOENT = host or no such cgroup (any more).
 */
int dg_inventory_resolve_id(struct dg_inventory *inv, uint64_t cgroup_id, struct dg_identity *out);

/*
 * The cgroup v2 path of cgroup id `id`: a listed container's own, else from
 * the map of the cgroup2 tree (made again at most once a second).
 */
int dg_inventory_cgroup_path(struct dg_inventory *inv, uint64_t id, char *buf, size_t len);

#endif /* __DG_INVENTORY_H */
