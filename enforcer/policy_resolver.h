/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Resolves the container selectors of drift rules (ids, names, cgroup globs)
 * to the cgroup v2 ids of what runs now, for dg_policy_compile().
 */
#ifndef __DG_POLICY_RESOLVER_H
#define __DG_POLICY_RESOLVER_H

#include "enforcer/rules.h"

/* A resolver over the runtimes' state directories and the cgroup2 tree. */
struct dg_container_resolver dg_live_resolver(void);

#endif /* __DG_POLICY_RESOLVER_H */
