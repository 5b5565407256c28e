// SPDX-License-Identifier: GPL-2.0-only
#include "enforcer/policy_resolver.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "containers/cgroups.h"
#include "containers/identity.h"

struct found {
	unsigned long long *ids;
	size_t max, *n;
};

static void add_id(struct found *f, unsigned long long id)
{
	for (size_t i = 0; i < *f->n && i < f->max; i++)
		if (f->ids[i] == id)
			return;
	if (*f->n < f->max)
		f->ids[*f->n] = id;
	(*f->n)++;
}

struct cgroup_walk {
	struct dg_container_selector only_cgroups;
	struct found *found;
};

static int visit(void *ctx, const char *cgroup, uint64_t id)
{
	struct cgroup_walk *w = ctx;

	if (dg_selector_matches(&w->only_cgroups, true, NULL, NULL, cgroup))
		/* The kernel matches this cgroup and everything below it. */
		add_id(w->found, id);
	return 0;
}

static int resolve(void *ctx, const struct dg_container_selector *sel, unsigned long long *ids,
		   size_t max, size_t *n)
{
	struct dg_inventory *inv = ctx;
	struct found found = {.ids = ids, .max = max, .n = n};
	struct dg_container_selector by_container = *sel;
	const char *root = dg_inventory_cgroup_root(inv);

	*n = 0;
	by_container.n_cgroups = 0;
	for (size_t i = 0; i < dg_inventory_count(inv); i++) {
		const struct dg_identity *c = dg_inventory_get(inv, i);

		if (dg_identity_running(c) &&
		    dg_selector_matches(&by_container, true, c->id, c->name, c->cgroup))
			add_id(&found, c->cgroup_id);
	}
	if (sel->n_cgroups) {
		struct cgroup_walk w = {.only_cgroups = *sel, .found = &found};

		if (!root[0])
			return dg_err(ENODEV,
				      "cgroup selectors need cgroup2, which is not mounted");
		w.only_cgroups.n_ids = 0;
		w.only_cgroups.n_names = 0;
		return dg_cgroup_walk(root, visit, &w);
	}
	return 0;
}

struct dg_container_resolver dg_live_resolver(struct dg_inventory *inv)
{
	return (struct dg_container_resolver){.resolve = resolve, .ctx = inv};
}
