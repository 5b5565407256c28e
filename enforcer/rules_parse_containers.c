// SPDX-License-Identifier: GPL-2.0-only
/*
 * `containers:` of an exception or a rule (docs/rules.md, Containers): all,
 * host, any, or a mapping of ids, names and cgroups, checked entry by entry
 * and kept symbolic (struct dg_container_selector) for the resolver.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"
#include "enforcer/rules.h"
#include "enforcer/rules_parse.h"
#include "enforcer/yaml_doc.h"

#define SELECTOR_TEXT_MAX 256

static const struct dg_yaml_name scope_names[] = {
	{"all", DG_SCOPE_ALL},
	{"host", DG_SCOPE_HOST},
	{"any", DG_SCOPE_ANY},
	{NULL, 0},
};

static int strv_add(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return dg_err(ENOMEM, "out of memory");
	*v = nv;
	nv[*n] = strdup(s);
	if (!nv[*n])
		return dg_err(ENOMEM, "out of memory");
	(*n)++;
	return 0;
}

/* The lists of a `containers:` mapping, in the order of its keys: ids, names, cgroups. */
enum sel_kind { SEL_ID, SEL_NAME, SEL_CGROUP };
#define N_SEL_KINDS (SEL_CGROUP + 1) /* not in the enum: a switch on a kind handles every kind */

static const char *selector_problem(enum sel_kind kind, const char *s)
{
	size_t len = strlen(s);

	if (len >= SELECTOR_TEXT_MAX)
		return "is too long";
	switch (kind) {
	case SEL_ID:
		if (strspn(s,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
		    len)
			return "is not a container id (letters, digits, '_', '.', '-')";
		return NULL;
	case SEL_NAME:
		if (strspn(s,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-*") !=
		    len)
			return "is not a container name pattern (letters, digits, '_', '.', '-', "
			       "and '*')";
		return NULL;
	case SEL_CGROUP:
		if (strstr(s, "***"))
			return "has \"***\"; use '*' within a component or '**' across '/'";
		return dg_rules_path_problem(s);
	}
	return NULL;
}

static int parse_selector_list(const struct pctx *c, yaml_node_t *n, const char *kp,
			       enum sel_kind kind, char ***v, size_t *cnt, size_t *total)
{
	static const char *const what[N_SEL_KINDS] = {[SEL_ID] = "container id",
						      [SEL_NAME] = "container name",
						      [SEL_CGROUP] = "cgroup path"};
	int rc = dg_yaml_check_list(c->y, n, kp, what[kind]);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < dg_yaml_list_len(n); i++) {
		char sub[DG_YAML_KEYPATH_MAX];
		yaml_node_t *it = dg_yaml_list_item(c->y, n, i, kp, sub, sizeof(sub));
		const char *s, *problem;

		rc = dg_yaml_get_string(c->y, it, sub, &s);
		if (rc < 0)
			return rc;
		problem = selector_problem(kind, s);
		if (problem)
			return dg_yaml_err(c->y, it, sub, "\"%s\" %s", s, problem);
		if (++*total > DG_RULE_MAX_CGROUPS)
			return dg_yaml_err(c->y, it, sub,
					   "more than %d ids, names and cgroups in one "
					   "selector; the kernel keeps %d cgroups per rule",
					   DG_RULE_MAX_CGROUPS, DG_RULE_MAX_CGROUPS);
		rc = strv_add(v, cnt, s);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int dg_rules_parse_containers(const struct pctx *c, yaml_node_t *n, const char *kp,
			      struct dg_container_selector *sel)
{
	struct dg_yaml_field f[N_SEL_KINDS] = {
		[SEL_ID] = {.key = "ids"},
		[SEL_NAME] = {.key = "names"},
		[SEL_CGROUP] = {.key = "cgroups"},
	};
	char ***lists[N_SEL_KINDS] = {
		[SEL_ID] = &sel->ids, [SEL_NAME] = &sel->names, [SEL_CGROUP] = &sel->cgroups};
	size_t *counts[N_SEL_KINDS] = {
		[SEL_ID] = &sel->n_ids, [SEL_NAME] = &sel->n_names, [SEL_CGROUP] = &sel->n_cgroups};
	char sub[DG_YAML_KEYPATH_MAX];
	size_t total = 0;
	int rc;

	if (n->type == YAML_SCALAR_NODE) {
		const char *s = (const char *)n->data.scalar.value;

		for (size_t i = 0; !dg_yaml_is_null(n) && scope_names[i].name; i++) {
			if (strcmp(s, scope_names[i].name) == 0) {
				sel->scope = (enum dg_scope)scope_names[i].value;
				return 0;
			}
		}
		if (dg_yaml_is_null(n))
			return dg_yaml_err(c->y, n, kp,
					   "has no value; give all, host, any, or a mapping "
					   "with ids, names, cgroups");
		return dg_yaml_err(c->y, n, kp,
				   "\"%s\" is not one of all, host, any, or a mapping with "
				   "ids, names, cgroups",
				   s);
	}
	rc = dg_yaml_get_fields(c->y, n, kp, f, N_SEL_KINDS);
	if (rc < 0)
		return rc;
	if (!f[SEL_ID].val && !f[SEL_NAME].val && !f[SEL_CGROUP].val)
		return dg_yaml_err(c->y, n, kp,
				   "an empty mapping selects nothing; give ids, names or "
				   "cgroups, or one of all, host, any");
	sel->scope = DG_SCOPE_CGROUPS;
	for (enum sel_kind kind = 0; kind < N_SEL_KINDS; kind++) {
		if (!f[kind].val)
			continue;
		dg_yaml_subkey(sub, sizeof(sub), kp, f[kind].key);
		rc = parse_selector_list(c, f[kind].val, sub, kind, lists[kind], counts[kind],
					 &total);
		if (rc < 0)
			return rc;
	}
	return 0;
}
