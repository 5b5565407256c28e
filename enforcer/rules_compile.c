// SPDX-License-Identifier: GPL-2.0-only
/*
 * The compiler from the model to the kernel form of bpf/enforce.h: a
 * struct dg_policy_hdr and up to DG_MAX_RULES struct dg_rule_bpf, in
 * evaluation order (docs/rules.md, "The compiled form"). Symbolic selectors
 * become cgroup ids through the caller's resolver.
 */
#include "enforcer/rules.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/errors.h"

static int resolve_cgroups(const struct dg_drift_rule *rule, const struct dg_container_resolver *r,
			   unsigned long long *ids, size_t max, size_t *n)
{
	size_t found = 0, kept = 0;
	int rc;

	if (!r || !r->resolve)
		return dg_err(EINVAL,
			      "rule \"%s\" selects containers by id, name or cgroup, "
			      "but no container resolver was given",
			      rule->name);
	rc = r->resolve(r->ctx, &rule->containers, ids, max, &found);
	if (rc < 0)
		return dg_err_wrap(rc, "rule \"%s\": resolving its containers", rule->name);
	if (found > max)
		return dg_err(E2BIG, "rule \"%s\": its containers are %zu cgroups, more than %zu",
			      rule->name, found, max);
	for (size_t i = 0; i < found; i++) {
		bool dup = false;

		for (size_t k = 0; k < kept && !dup; k++)
			dup = ids[k] == ids[i];
		if (!dup)
			ids[kept++] = ids[i];
	}
	*n = kept;
	return 0;
}

static void fill_path(struct dg_rule_bpf *b, const struct dg_path_pattern *pat)
{
	if (!pat) {
		b->path_match = DG_PATH_ANY;
		return;
	}
	b->path_match = pat->match;
	b->prefix_len = (unsigned char)strlen(pat->prefix);
	b->suffix_len = (unsigned char)strlen(pat->suffix);
	memcpy(b->prefix, pat->prefix, b->prefix_len);
	memcpy(b->suffix, pat->suffix, b->suffix_len);
}

int dg_policy_compile_map(const struct dg_policy *p, const struct dg_container_resolver *r,
			  struct dg_policy_hdr *hdr, struct dg_rule_bpf *rules, unsigned int *src)
{
	_cleanup_free_ struct dg_rule_bpf *out = calloc(DG_MAX_RULES, sizeof(*out));
	unsigned long long ids[DG_MAX_RULES * DG_RULE_MAX_CGROUPS];
	unsigned int from[DG_MAX_RULES];
	size_t n = 0;
	int rc;

	if (!out)
		return dg_err(ENOMEM, "out of memory");
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct dg_drift_rule *rule = &p->rules[i];
		size_t n_ids = 0, n_chunks = 1, n_paths = rule->n_paths ? rule->n_paths : 1;

		if (rule->containers.scope == DG_SCOPE_CGROUPS) {
			rc = resolve_cgroups(rule, r, ids, sizeof(ids) / sizeof(ids[0]), &n_ids);
			if (rc < 0)
				return rc;
			if (n_ids > DG_RULE_MAX_CGROUPS)
				n_chunks = (n_ids + DG_RULE_MAX_CGROUPS - 1) / DG_RULE_MAX_CGROUPS;
		}
		for (size_t k = 0; k < n_paths; k++) {
			for (size_t c = 0; c < n_chunks; c++) {
				struct dg_rule_bpf *b = &out[n];
				size_t first = c * DG_RULE_MAX_CGROUPS;

				if (n == DG_MAX_RULES)
					return dg_err(
						E2BIG,
						"%s: rule \"%s\" needs more than the %d kernel "
						"rules there are (each path and each group of "
						"%d cgroups takes one)",
						p->source, rule->name, DG_MAX_RULES,
						DG_RULE_MAX_CGROUPS);
				b->action = (unsigned char)rule->action;
				b->scope = (unsigned char)rule->containers.scope;
				b->origins = (unsigned char)rule->origins;
				b->kinds = (unsigned char)rule->kinds;
				fill_path(b, rule->n_paths ? &rule->paths[k] : NULL);
				if (rule->containers.scope == DG_SCOPE_CGROUPS) {
					size_t cnt = n_ids - first;

					if (cnt > DG_RULE_MAX_CGROUPS)
						cnt = DG_RULE_MAX_CGROUPS;
					memcpy(b->cgroup_ids, ids + first, cnt * sizeof(ids[0]));
					b->n_cgroups = (unsigned char)cnt;
				}
				from[n++] = (unsigned int)i;
			}
		}
	}
	memset(hdr, 0, sizeof(*hdr));
	hdr->n_rules = (unsigned int)n;
	hdr->audit_only = p->mode == DG_MODE_AUDIT;
	dg_interpreters_compile(p, hdr);
	memcpy(rules, out, DG_MAX_RULES * sizeof(*out));
	if (src)
		memcpy(src, from, n * sizeof(from[0]));
	return 0;
}

int dg_policy_compile(const struct dg_policy *p, const struct dg_container_resolver *r,
		      struct dg_policy_hdr *hdr, struct dg_rule_bpf *rules)
{
	return dg_policy_compile_map(p, r, hdr, rules, NULL);
}
