/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The cgroup v2 tree: where it is mounted, the id of a cgroup (the inode of
 * its directory, what bpf_get_current_cgroup_id() returns), the path of an
 * id, and a walk over every cgroup.
 *
 * Cgroup paths are relative to the cgroup2 root: "/", "/system.slice/x".
 */
#ifndef __DG_CGROUPS_H
#define __DG_CGROUPS_H

#include <stddef.h>
#include <stdint.h>

#include "common/cleanup.h"

/*
 * Mount point of cgroup v2 from /proc/self/mountinfo ("/sys/fs/cgroup", or
 * "/sys/fs/cgroup/unified" on hybrid hosts), not a bind mount of a
 * sub-tree. -ENODEV if none.
 */
int dg_cgroup2_root(char *buf, size_t len);

/* The id of cgroup `cgroup` below `root`; 0 when either is "" or it does not exist. */
uint64_t dg_cgroup_id(const char *root, const char *cgroup);

/*
 * The id of a cgroup where cgroup v2 is mounted nowhere (a hybrid host
 * without /sys/fs/cgroup/unified): cgroup2 is mounted on a temporary
 * directory for the time of one stat.
 */
int dg_cgroup_id_unmounted(const char *cgroup, uint64_t *id);

/*
 * The cgroup path (below the cgroup2 mount `root`) of cgroup id `id`, asked
 * of the kernel directly (open_by_handle_at: cgroupfs takes the id as a
 * file handle; needs CAP_DAC_READ_SEARCH). -ENOENT (no message) when there
 * is no such cgroup (any more); other errors where handles cannot be used.
 */
int dg_cgroup_path_of_id(const char *root, uint64_t id, char *buf, size_t len);

/*
 * Calls visit() for the cgroup root ("/") and every cgroup below it, parents
 * before children; a non-zero return stops the walk and is returned.
 * Cgroups removed during the walk are skipped.
 */
int dg_cgroup_walk(const char *root, int (*visit)(void *ctx, const char *cgroup, uint64_t id),
		   void *ctx);

/* Every cgroup of a tree by id: the path of an id. */
struct dg_cgroup_index;

int dg_cgroup_index_build(const char *root, struct dg_cgroup_index **out);
void dg_cgroup_index_free(struct dg_cgroup_index *idx);
DG_DEFINE_CLEANUP(struct dg_cgroup_index *, dg_cgroup_index_free);

/* The path of cgroup id `id` when the index was built, NULL if it had none. */
const char *dg_cgroup_index_path(const struct dg_cgroup_index *idx, uint64_t id);

#endif /* __DG_CGROUPS_H */
