// SPDX-License-Identifier: GPL-2.0-only
#define _XOPEN_SOURCE 700
#include "enforcer/policy_resolver.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/errors.h"
#include "containers/identity.h"

struct walk {
	const struct dg_container_selector *sel;
	size_t root_len;
	unsigned long long *ids;
	size_t max, *n;
};

static void add_id(unsigned long long *ids, size_t max, size_t *n, unsigned long long id)
{
	for (size_t i = 0; i < *n && i < max; i++)
		if (ids[i] == id)
			return;
	if (*n < max)
		ids[*n] = id;
	(*n)++;
}

/* nftw offers no context pointer: one walk at a time. */
static struct walk *current_walk;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct walk *w = current_walk;
	const char *cg = path + w->root_len;
	struct dg_container_selector only_cgroups = *w->sel;

	(void)ftw;
	if (type != FTW_D)
		return 0;
	only_cgroups.n_ids = 0;
	only_cgroups.n_names = 0;
	if (dg_selector_matches(&only_cgroups, true, NULL, NULL, cg[0] ? cg : "/"))
		/* The kernel matches this cgroup and everything below it. */
		add_id(w->ids, w->max, w->n, st->st_ino);
	return 0;
}

static int resolve(void *ctx, const struct dg_container_selector *sel, unsigned long long *ids,
		   size_t max, size_t *n)
{
	char root[PATH_MAX];
	int rc;

	(void)ctx;
	*n = 0;
	rc = dg_cgroup2_root(root, sizeof(root));
	if (rc)
		return rc;
	for (const char *const *s = dg_identity_default_state_roots; *s; s++) {
		struct dg_identity *list = NULL;
		size_t count = 0;

		if (dg_identity_list_runc(*s, root, &list, &count))
			continue;
		for (size_t i = 0; i < count; i++) {
			struct dg_container_selector by_container = *sel;

			by_container.n_cgroups = 0;
			if (list[i].cgroup_id && list[i].init_pid &&
			    dg_selector_matches(&by_container, true, list[i].id, list[i].name,
						list[i].cgroup))
				add_id(ids, max, n, list[i].cgroup_id);
		}
		free(list);
	}
	if (sel->n_cgroups) {
		struct walk w = {.sel = sel, .root_len = strlen(root), .ids = ids, .max = max, .n = n};

		current_walk = &w;
		rc = nftw(root, visit, 32, FTW_PHYS);
		current_walk = NULL;
		if (rc)
			return dg_err(errno, "walking %s: %s", root, strerror(errno));
	}
	return 0;
}

struct dg_container_resolver dg_live_resolver(void)
{
	return (struct dg_container_resolver){.resolve = resolve, .ctx = NULL};
}
