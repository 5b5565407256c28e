// SPDX-License-Identifier: GPL-2.0-only
#include "enforcer/container_cgroups.h"

#include <errno.h>
#include <stdlib.h>

#include "common/errors.h"

struct dg_container_cgroups {
	struct dg_enforcer *enforcer;
	struct dg_inventory *inv;
};

/*
 * A failure to mark a cgroup is warned about, not fatal: the container's
 * tasks in a pid namespace of their own are containers anyway, and the next
 * change of the container tries again.
 */
static void mark(struct dg_container_cgroups *cc, const struct dg_identity *c, bool member)
{
	if (!c->cgroup_id)
		return;
	if (dg_enforcer_container_cgroup(cc->enforcer, c->cgroup_id, member))
		dg_warn("container %s: %s", c->id, dg_errmsg());
}

static void on_change(void *ctx, enum dg_inventory_change what, const struct dg_identity *c,
		      const struct dg_identity *before)
{
	struct dg_container_cgroups *cc = ctx;

	switch (what) {
	case DG_CONTAINER_APPEARED:
		mark(cc, c, true);
		break;
	case DG_CONTAINER_CHANGED:
		if (before && before->cgroup_id != c->cgroup_id)
			mark(cc, before, false);
		mark(cc, c, true);
		break;
	case DG_CONTAINER_GONE:
		mark(cc, c, false);
		break;
	}
}

int dg_container_cgroups_follow(struct dg_enforcer *e, struct dg_inventory *inv,
				struct dg_container_cgroups **out)
{
	struct dg_container_cgroups *cc = calloc(1, sizeof(*cc));
	int rc;

	if (!cc)
		return dg_err(ENOMEM, "out of memory");
	cc->enforcer = e;
	cc->inv = inv;
	rc = dg_inventory_subscribe(inv, on_change, cc);
	if (rc) {
		free(cc);
		return rc;
	}
	*out = cc;
	return 0;
}

void dg_container_cgroups_free(struct dg_container_cgroups *cc)
{
	if (!cc)
		return;
	dg_inventory_unsubscribe(cc->inv, on_change, cc);
	free(cc);
}
