// SPDX-License-Identifier: GPL-2.0-only
/*
 * Whether a selector (`containers:`) or a path pattern of a drift rule
 * matches a task or a file (docs/rules.md, "containers" and "path"). The
 * reference evaluator and the container resolvers (policy_resolver.c) share
 * these, so what a rule selects is decided in one place.
 */
#include "enforcer/rules.h"

#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"

#define ID_PREFIX_MIN 12 /* shortest id that also matches as a prefix (docker short id) */

bool dg_path_matches(const struct dg_path_pattern *pat, const char *path)
{
	size_t len, plen = strlen(pat->prefix), slen = strlen(pat->suffix);

	if (!path)
		return false; /* unknown path: a path condition never matches */
	len = strlen(path);
	switch (pat->match) {
	case DG_PATH_ANY:
		return true;
	case DG_PATH_EXACT:
		return strcmp(path, pat->prefix) == 0;
	case DG_PATH_PREFIX:
		return strncmp(path, pat->prefix, plen) == 0;
	case DG_PATH_GLOB:
		return len >= plen + slen && strncmp(path, pat->prefix, plen) == 0 &&
		       memcmp(path + len - slen, pat->suffix, slen) == 0;
	}
	return false;
}

/*
 * '*' matches any characters; with components, '*' stops at '/' and '**'
 * crosses it. Nothing else is special. Dynamic programming over the string
 * (m[j]: the pattern so far matches s[0..j)), so no pattern can make it slow.
 */
static bool glob_match(const char *pat, const char *s, bool components)
{
	size_t len = strlen(s);
	_cleanup_free_ bool *m = calloc(len + 1, sizeof(*m));

	if (!m)
		return false;
	m[0] = true;
	while (*pat) {
		if (*pat == '*') {
			bool cross = !components || pat[1] == '*';

			pat += pat[1] == '*' ? 2 : 1;
			for (size_t j = 1; j <= len; j++)
				m[j] = m[j] || (m[j - 1] && (cross || s[j - 1] != '/'));
			continue;
		}
		for (size_t j = len; j > 0; j--)
			m[j] = m[j - 1] && s[j - 1] == *pat;
		m[0] = false;
		pat++;
	}
	return m[len];
}

/* Whether the cgroup path, or one of its ancestors ("/" included), matches pat. */
static bool cgroup_matches(const char *pat, const char *cgroup)
{
	char buf[4096];
	size_t len = strlen(cgroup);

	if (len >= sizeof(buf) || cgroup[0] != '/')
		return false;
	memcpy(buf, cgroup, len + 1);
	for (;;) {
		if (glob_match(pat, buf, true))
			return true;
		if (len <= 1)
			return false;
		while (len > 1 && buf[len - 1] != '/')
			len--;
		if (len > 1)
			len--; /* "/a/b" -> "/a"; "/a" -> "/" */
		buf[len] = '\0';
	}
}

static bool id_matches(const char *sel, const char *id)
{
	size_t n = strlen(sel);

	if (strcmp(sel, id) == 0)
		return true;
	return n >= ID_PREFIX_MIN && strncmp(sel, id, n) == 0;
}

bool dg_selector_matches(const struct dg_container_selector *sel, bool in_container,
			 const char *container_id, const char *container_name, const char *cgroup)
{
	switch (sel->scope) {
	case DG_SCOPE_ALL:
		return in_container;
	case DG_SCOPE_HOST:
		return !in_container;
	case DG_SCOPE_ANY:
		return true;
	case DG_SCOPE_CGROUPS:
		break;
	}
	for (size_t i = 0; in_container && container_id && i < sel->n_ids; i++) {
		if (id_matches(sel->ids[i], container_id))
			return true;
	}
	for (size_t i = 0; in_container && container_name && i < sel->n_names; i++) {
		if (glob_match(sel->names[i], container_name, false))
			return true;
	}
	for (size_t i = 0; cgroup && i < sel->n_cgroups; i++) {
		if (cgroup_matches(sel->cgroups[i], cgroup))
			return true;
	}
	return false;
}
