/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The enforcer's map of container cgroups, kept in step with the container
 * inventory: every container a runtime's state lists has its cgroup (v2 id)
 * in the map while it is listed, so that a container without a pid namespace
 * of its own (--pid=host, hostPID pods) still counts as a container for
 * `containers: all` and `host` rules (bpf/lib/policy.bpf.h, in_container()).
 */
#ifndef __DG_CONTAINER_CGROUPS_H
#define __DG_CONTAINER_CGROUPS_H

#include "common/cleanup.h"
#include "containers/inventory.h"
#include "enforcer/enforcer.h"

struct dg_container_cgroups;

/*
 * Subscribe to `inv` and mark the cgroups of the containers it lists now and
 * later. Free it before the enforcer and the inventory.
 */
int dg_container_cgroups_follow(struct dg_enforcer *e, struct dg_inventory *inv,
				struct dg_container_cgroups **out);
void dg_container_cgroups_free(struct dg_container_cgroups *cc);
DG_DEFINE_CLEANUP(struct dg_container_cgroups *, dg_container_cgroups_free);

#endif /* __DG_CONTAINER_CGROUPS_H */
