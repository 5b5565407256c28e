/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Resolves the container selectors of drift rules (ids, names, cgroup globs)
 * to the cgroup v2 ids of what runs now, for dg_policy_compile().
 */
#ifndef __DG_POLICY_RESOLVER_H
#define __DG_POLICY_RESOLVER_H

#include "containers/inventory.h"
#include "enforcer/rules.h"

/*
 * Ids and names: the running containers of the inventory; cgroup globs: a
 * walk of its cgroup2 tree. inv must outlive the resolver.
 */
struct dg_container_resolver dg_live_resolver(struct dg_inventory *inv);

#endif /* __DG_POLICY_RESOLVER_H */
