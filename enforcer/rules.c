// SPDX-License-Identifier: GPL-2.0-only
/*
 * The user-space model of a rules file (struct dg_policy, rules.h): what it
 * owns and how it is released. The rest of the rules live one concern a file:
 *   rules_parse.c    the YAML file -> struct dg_policy (with yaml_doc.c), and
 *   rules_parse_containers.c  its `containers:` selectors
 *   rules_interpreters.c      `interpreters:`, kind interpreted's programs
 *   rules_match.c    whether a selector or a path pattern matches
 *   rules_decide.c   the reference evaluators of the model and the kernel form
 *   rules_compile.c  struct dg_policy -> the kernel form of bpf/enforce.h
 */
#include "enforcer/rules.h"

#include <stdlib.h>

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void rule_free(struct dg_drift_rule *r)
{
	free(r->name);
	free_strv(r->containers.ids, r->containers.n_ids);
	free_strv(r->containers.names, r->containers.n_names);
	free_strv(r->containers.cgroups, r->containers.n_cgroups);
	for (size_t i = 0; i < r->n_paths; i++) {
		free(r->paths[i].text);
		free(r->paths[i].prefix);
		free(r->paths[i].suffix);
	}
	free(r->paths);
}

void dg_policy_free(struct dg_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++)
		rule_free(&p->rules[i]);
	free(p->rules);
	free_strv(p->interpreters, p->n_interpreters);
	free(p->source);
	free(p);
}
