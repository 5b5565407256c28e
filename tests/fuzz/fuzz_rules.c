// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness of the rules file (enforcer/rules.h): the input is the
 * YAML text. A policy that loads is compiled to the kernel form against a
 * fake host, and the reference evaluator must then decide exactly as the
 * compiled rules do (the kernel's reference) for every origin, kind, task
 * cgroup and a set of paths taken from the policy's own patterns.
 */
#include "tests/fuzz/fuzz.h"

#include "common/errors.h"
#include "enforcer/rules.h"
#include "tests/unit/fake_cgroups.h"

#include <stdbool.h>

#define MAX_PATHS 32
#define PATH_BUF 512

/* Every cgroup of the world that a selector names (the kernel adds their descendants). */
static int fake_resolve(void *ctx, const struct dg_container_selector *sel, unsigned long long *ids,
			size_t max, size_t *n)
{
	(void)ctx;
	*n = fake_world_select(sel, ids, max, 1);
	return 0;
}

struct paths {
	char buf[MAX_PATHS][PATH_BUF];
	size_t n;
};

static void add_path(struct paths *ps, const char *a, const char *b, const char *c)
{
	if (ps->n < MAX_PATHS)
		snprintf(ps->buf[ps->n++], PATH_BUF, "%s%s%s", a, b, c);
}

/* Paths on both sides of every pattern's edges: exact, prefix, glob. */
static void collect_paths(const struct dg_policy *p, struct paths *ps)
{
	add_path(ps, "/usr/bin/env", "", "");
	add_path(ps, "/tmp/x.sh", "", "");
	for (size_t i = 0; i < p->n_rules; i++) {
		for (size_t k = 0; k < p->rules[i].n_paths; k++) {
			const struct dg_path_pattern *pat = &p->rules[i].paths[k];
			size_t plen = strlen(pat->prefix);

			add_path(ps, pat->text, "", "");
			add_path(ps, pat->prefix, "x", pat->suffix);
			add_path(ps, pat->prefix, "", pat->suffix);
			if (plen > 1)
				add_path(ps, "", "", pat->prefix + 1);
		}
	}
}

static void check_one(const struct dg_policy *p, const struct dg_policy_hdr *hdr,
		      const struct dg_rule_bpf *rules, const unsigned int *src, unsigned int o,
		      unsigned int k, const char *path, const struct fake_cg *cg)
{
	unsigned long long anc[N_WORLD];
	size_t n_anc = fake_world_ancestors(cg->path, anc);
	struct dg_exec_facts f = {
		.origin = o,
		.kind = k,
		.path = path,
		.in_container = cg->ctr_id != NULL,
		.container_id = cg->ctr_id,
		.container_name = cg->ctr_name,
		.cgroup = cg->path,
	};
	int mi, bi;
	enum dg_verdict ma = dg_policy_decide(p, &f, &mi);
	enum dg_verdict ba =
		dg_policy_bpf_decide(hdr, rules, o, k, path, f.in_container, anc, n_anc, &bi);

	FUZZ_CHECK(
		ma == ba && (mi < 0) == (bi < 0) && (bi < 0 || src[bi] == (unsigned int)mi),
		"origin %u kind %u path %s cgroup %s: model verdict %d (rule %d), kernel verdict "
		"%d (rule %d)",
		o, k, path ? path : "(unknown)", cg->path, (int)ma, mi, (int)ba, bi);
}

#define N_ORIGINS 4 /* DG_ORIGIN_UPPER .. DG_ORIGIN_IMAGE, one bit each */
#define N_KINDS 4   /* DG_KIND_BINARY .. DG_KIND_INTERPRETED */

/*
 * Every cgroup with every path (the unknown path too), the origin and kind
 * turning with them so that all their pairs come up; and every origin and
 * kind with the first path in every cgroup. All of them for every path
 * would cost ten times more, for little: origins and kinds are bit masks.
 */
static void check_decisions(const struct dg_policy *p, const struct dg_policy_hdr *hdr,
			    const struct dg_rule_bpf *rules, const unsigned int *src)
{
	static struct paths ps;

	ps.n = 0;
	collect_paths(p, &ps);
	for (size_t ci = 0; ci < N_WORLD; ci++) {
		for (size_t pi = 0; pi <= ps.n; pi++) {
			size_t turn = pi + ci * (N_ORIGINS + 1);

			check_one(p, hdr, rules, src, 1u << (turn % N_ORIGINS),
				  1u << (turn / N_ORIGINS % N_KINDS), pi < ps.n ? ps.buf[pi] : NULL,
				  &world[ci]);
		}
		for (unsigned int o = 0; o < N_ORIGINS; o++)
			for (unsigned int k = 0; k < N_KINDS; k++)
				check_one(p, hdr, rules, src, 1u << o, 1u << k, ps.buf[0],
					  &world[ci]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dg_rule_bpf rules[DG_MAX_RULES];
	static unsigned int src[DG_MAX_RULES];
	struct dg_container_resolver r = {fake_resolve, NULL};
	struct dg_policy_hdr hdr;
	struct dg_policy *p = NULL;
	char *yaml = fuzz_cstring(data, size);

	dg_err_clear();
	if (dg_policy_load_string(yaml, "fuzz.yaml", &p) == 0) {
		FUZZ_CHECK(p != NULL, "load returned 0 without a policy");
		if (dg_policy_compile_map(p, &r, &hdr, rules, src) == 0)
			check_decisions(p, &hdr, rules, src);
		dg_policy_free(p);
	} else {
		FUZZ_CHECK(p == NULL, "a refused policy was returned");
		FUZZ_CHECK(dg_errmsg()[0], "refused without a message");
	}
	free(yaml);
	return 0;
}
