/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the parts of the rules file's parser share (private to enforcer/):
 * rules_parse.c reads the document and its entries, rules_parse_containers.c
 * the `containers:` selectors, rules_interpreters.c the `interpreters:` list.
 */
#ifndef __DG_RULES_PARSE_H
#define __DG_RULES_PARSE_H

#include <stddef.h>
#include <yaml.h>

#include "enforcer/rules.h"
#include "enforcer/yaml_doc.h"

/* The parse of one document into one policy. */
struct pctx {
	const struct dg_yaml_doc *y;
	struct dg_policy *p;
	size_t kernel_rules; /* what the paths need, before cgroups are known */
};

/* Why a path pattern can never match a path the kernel reports; NULL: none. */
const char *dg_rules_path_problem(const char *s);

/* `containers:` at node n (key path kp) into *sel. */
int dg_rules_parse_containers(const struct pctx *c, yaml_node_t *n, const char *kp,
			      struct dg_container_selector *sel);

/* `interpreters:` at node n into c->p (rules_interpreters.c). */
int dg_rules_parse_interpreters(const struct pctx *c, yaml_node_t *n, const char *kp);

/* Once the rules are read: a list at n (NULL: none) that no rule would use is an error. */
int dg_rules_check_interpreters(const struct pctx *c, yaml_node_t *n);

#endif /* __DG_RULES_PARSE_H */
