/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A fake host for the drift-rules tests and the rules fuzzer: a cgroup tree,
 * some of its cgroups containers, the selector resolution the compiler asks
 * for (enforcer/rules.h's resolver) and the ancestor walk the kernel does.
 * Plain C: the fuzz harness includes it too.
 */
#ifndef __DG_FAKE_CGROUPS_H
#define __DG_FAKE_CGROUPS_H

#include <stddef.h>
#include <string.h>

#include "enforcer/rules.h"

struct fake_cg {
	const char *path;
	unsigned long long id;
	const char *ctr_id, *ctr_name; /* NULL: not a container */
};

static const struct fake_cg world[] = {
	{"/", 1, NULL, NULL},
	{"/kubepods", 2, NULL, NULL},
	{"/kubepods/burstable", 3, NULL, NULL},
	{"/kubepods/burstable/pod1", 4, NULL, NULL},
	{"/kubepods/burstable/pod1/aaaaaaaaaaaa1111", 5, "aaaaaaaaaaaa1111", "web"},
	{"/kubepods/burstable/pod1/bbbbbbbbbbbb2222", 6, "bbbbbbbbbbbb2222", "api-1"},
	{"/system.slice", 7, NULL, NULL},
	{"/system.slice/docker-cccccccccccc3333.scope", 8, "cccccccccccc3333", "runner-x-build"},
	{"/system.slice/docker-dddddddddddd4444.scope", 9, "dddddddddddd4444", "api-2"},
	{"/user.slice", 10, NULL, NULL},
};

#define N_WORLD (sizeof(world) / sizeof(world[0]))

/*
 * The ids of the cgroups a selector names (the kernel adds their
 * descendants), each `clones` times (to test duplicates); the count, which
 * may exceed max (only max ids are stored).
 */
static inline size_t fake_world_select(const struct dg_container_selector *sel,
				       unsigned long long *ids, size_t max, size_t clones)
{
	size_t cnt = 0;

	for (size_t i = 0; i < N_WORLD; i++) {
		if (!dg_selector_matches(sel, world[i].ctr_id != NULL, world[i].ctr_id,
					 world[i].ctr_name, world[i].path))
			continue;
		for (size_t k = 0; k < clones; k++) {
			if (cnt < max)
				ids[cnt] = world[i].id;
			cnt++;
		}
	}
	return cnt;
}

/* The ids of a cgroup and all its ancestors, as the kernel walks them. */
static inline size_t fake_world_ancestors(const char *path, unsigned long long *ids)
{
	size_t n = 0;

	for (size_t i = 0; i < N_WORLD; i++) {
		size_t len = strlen(world[i].path);

		if (strcmp(world[i].path, "/") == 0 ||
		    (strncmp(path, world[i].path, len) == 0 && (!path[len] || path[len] == '/')))
			ids[n++] = world[i].id;
	}
	return n;
}

#endif /* __DG_FAKE_CGROUPS_H */
