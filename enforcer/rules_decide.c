// SPDX-License-Identifier: GPL-2.0-only
/*
 * The reference evaluators of docs/rules.md ("How a decision is made"): over
 * the model (dg_policy_decide) and over the compiled kernel form
 * (dg_policy_bpf_decide, what bpf/enforce.bpf.c must do). The unit tests
 * check that the two agree on the same executions. Both run the one
 * first-match loop below, so they can differ only in what "entry i matches"
 * means: symbolic selectors and path patterns here, resolved cgroup ids and
 * fixed-size prefixes there.
 */
#include "enforcer/rules.h"

#include <string.h>

/* Whether entry i of policy matches the execution facts; if so, its action into *action. */
typedef bool (*entry_matches_fn)(const void *policy, size_t i, const void *facts,
				 enum dg_verdict *action);

/*
 * Precedence, in one place: entries in order (exceptions first), the first
 * that matches decides, none is DG_VERDICT_NONE. audit_only (`mode: audit`)
 * turns block into audit and leaves allow alone.
 */
static enum dg_verdict first_match(size_t n, entry_matches_fn matches, const void *policy,
				   const void *facts, bool audit_only, int *rule_index)
{
	for (size_t i = 0; i < n; i++) {
		enum dg_verdict action;

		if (!matches(policy, i, facts, &action))
			continue;
		if (rule_index)
			*rule_index = (int)i;
		return audit_only && action == DG_VERDICT_BLOCK ? DG_VERDICT_AUDIT : action;
	}
	if (rule_index)
		*rule_index = -1;
	return DG_VERDICT_NONE;
}

/* ---- the model ---------------------------------------------------------------------------- */

static bool model_entry_matches(const void *policy, size_t i, const void *facts,
				enum dg_verdict *action)
{
	const struct dg_drift_rule *r = &((const struct dg_policy *)policy)->rules[i];
	const struct dg_exec_facts *f = facts;
	bool path_ok = r->n_paths == 0; /* no path condition: every path */

	if (!(r->origins & f->origin) || !(r->kinds & f->kind))
		return false;
	if (!dg_selector_matches(&r->containers, f->in_container, f->container_id,
				 f->container_name, f->cgroup))
		return false;
	for (size_t k = 0; k < r->n_paths && !path_ok; k++)
		path_ok = dg_path_matches(&r->paths[k], f->path);
	*action = r->action;
	return path_ok;
}

enum dg_verdict dg_policy_decide(const struct dg_policy *p, const struct dg_exec_facts *f,
				 int *rule_index)
{
	return first_match(p->n_rules, model_entry_matches, p, f, p->mode == DG_MODE_AUDIT,
			   rule_index);
}

/* ---- the kernel form ---------------------------------------------------------------------- */

/* What dg_policy_bpf_decide() is given: what the kernel knows at an execution. */
struct kernel_facts {
	unsigned int origin;
	unsigned int kind;
	const char *path; /* NULL: unknown */
	bool in_container;
	const unsigned long long *ancestors; /* the task's cgroup id and its ancestors' */
	size_t n_ancestors;
};

static bool bpf_scope_matches(const struct dg_rule_bpf *r, bool in_container,
			      const unsigned long long *ancestors, size_t n_ancestors)
{
	switch (r->scope) {
	case DG_SCOPE_ALL:
		return in_container;
	case DG_SCOPE_HOST:
		return !in_container;
	case DG_SCOPE_ANY:
		return true;
	case DG_SCOPE_CGROUPS:
		for (size_t i = 0; i < r->n_cgroups && i < DG_RULE_MAX_CGROUPS; i++) {
			for (size_t k = 0; k < n_ancestors; k++) {
				if (ancestors[k] == r->cgroup_ids[i])
					return true;
			}
		}
		return false;
	}
	return false;
}

static bool bpf_path_matches(const struct dg_rule_bpf *r, const char *path)
{
	size_t len;

	if (r->path_match == DG_PATH_ANY)
		return true;
	if (!path)
		return false;
	len = strlen(path);
	switch (r->path_match) {
	case DG_PATH_EXACT:
		return len == r->prefix_len && memcmp(path, r->prefix, len) == 0;
	case DG_PATH_PREFIX:
		return len >= r->prefix_len && memcmp(path, r->prefix, r->prefix_len) == 0;
	case DG_PATH_GLOB:
		return len >= (size_t)r->prefix_len + r->suffix_len &&
		       memcmp(path, r->prefix, r->prefix_len) == 0 &&
		       memcmp(path + len - r->suffix_len, r->suffix, r->suffix_len) == 0;
	}
	return false;
}

static bool kernel_entry_matches(const void *policy, size_t i, const void *facts,
				 enum dg_verdict *action)
{
	const struct dg_rule_bpf *r = &((const struct dg_rule_bpf *)policy)[i];
	const struct kernel_facts *f = facts;

	if (!(r->origins & f->origin) || !(r->kinds & f->kind))
		return false;
	if (!bpf_scope_matches(r, f->in_container, f->ancestors, f->n_ancestors))
		return false;
	*action = (enum dg_verdict)r->action;
	return bpf_path_matches(r, f->path);
}

enum dg_verdict dg_policy_bpf_decide(const struct dg_policy_hdr *hdr,
				     const struct dg_rule_bpf *rules, unsigned int origin,
				     unsigned int kind, const char *path, bool in_container,
				     const unsigned long long *ancestors, size_t n_ancestors,
				     int *rule_index)
{
	const struct kernel_facts f = {origin, kind, path, in_container, ancestors, n_ancestors};
	size_t n = hdr->n_rules < DG_MAX_RULES ? hdr->n_rules : DG_MAX_RULES; /* as the map holds */

	return first_match(n, kernel_entry_matches, rules, &f, hdr->audit_only, rule_index);
}
