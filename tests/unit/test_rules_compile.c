// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the compiler to the kernel form (enforcer/rules_compile.c):
 * path forms, cgroup resolution and splitting, limits, and the compiled form
 * deciding exactly as the model does (dg_policy_bpf_decide() against
 * dg_policy_decide()) over a grid of executions.
 */
#include "fake_cgroups.h"
#include "test_rules_common.h"

struct fake_ctx {
	int calls;
	int fail;      /* return this error */
	size_t clones; /* report each id this many times (duplicates) */
	size_t extra;  /* pretend this many more cgroups match */
};

static int fake_resolve(void *ctx, const struct dg_container_selector *sel, unsigned long long *ids,
			size_t max, size_t *n)
{
	struct fake_ctx *c = ctx;
	size_t cnt;

	c->calls++;
	if (c->fail)
		return dg_err(c->fail, "fake failure");
	cnt = fake_world_select(sel, ids, max, c->clones ? c->clones : 1);
	for (size_t k = 0; k < c->extra; k++) {
		if (cnt < max)
			ids[cnt] = 1000 + k;
		cnt++;
	}
	*n = cnt;
	return 0;
}

static const struct fake_cg *world_cg(const char *path)
{
	for (size_t i = 0; i < N_WORLD; i++) {
		if (strcmp(world[i].path, path) == 0)
			return &world[i];
	}
	fail_msg("no cgroup %s", path);
	return NULL;
}

static void test_compile_path_forms(void **state)
{
	struct dg_policy *p =
		from("mode: enforce\n"
		     "rules:\n"
		     "  - name: r0\n"
		     "    match:\n"
		     "      origin: [upper, memfd]\n"
		     "      kind: [script]\n"
		     "      path: [/usr/bin/env, /opt/app/, \"/tmp/*.sh\", \"/run/*\"]\n"
		     "    action: audit\n"
		     "  - name: r1\n"
		     "    containers: host\n"
		     "    match: {origin: image}\n"
		     "    action: allow\n");
	struct dg_rule_bpf rules[DG_MAX_RULES];
	struct dg_policy_hdr hdr = {.n_rules = 99, .audit_only = 99};
	unsigned int src[DG_MAX_RULES];

	(void)state;
	assert_int_equal(dg_policy_compile_map(p, NULL, &hdr, rules, src), 0);
	assert_int_equal(hdr.n_rules, 5);
	assert_int_equal(hdr.audit_only, 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(rules[i].action, DG_VERDICT_AUDIT);
		assert_int_equal(rules[i].scope, DG_SCOPE_ALL);
		assert_int_equal(rules[i].origins, DG_ORIGIN_UPPER | DG_ORIGIN_MEMFD);
		assert_int_equal(rules[i].kinds, DG_KIND_SCRIPT);
		assert_int_equal(rules[i].n_cgroups, 0);
		assert_int_equal(src[i], 0);
	}
	assert_int_equal(rules[0].path_match, DG_PATH_EXACT);
	assert_string_equal(rules[0].prefix, "/usr/bin/env");
	assert_int_equal(rules[0].prefix_len, 12);
	assert_int_equal(rules[0].suffix_len, 0);
	assert_int_equal(rules[1].path_match, DG_PATH_PREFIX);
	assert_string_equal(rules[1].prefix, "/opt/app/");
	assert_int_equal(rules[1].prefix_len, 9);
	assert_int_equal(rules[2].path_match, DG_PATH_GLOB);
	assert_string_equal(rules[2].prefix, "/tmp/");
	assert_string_equal(rules[2].suffix, ".sh");
	assert_int_equal(rules[2].prefix_len, 5);
	assert_int_equal(rules[2].suffix_len, 3);
	assert_int_equal(rules[3].path_match, DG_PATH_PREFIX); /* a trailing '*' is a prefix */
	assert_string_equal(rules[3].prefix, "/run/");
	assert_int_equal(rules[4].path_match, DG_PATH_ANY);
	assert_int_equal(rules[4].prefix_len, 0);
	assert_int_equal(rules[4].prefix[0], '\0');
	assert_int_equal(rules[4].action, DG_VERDICT_ALLOW);
	assert_int_equal(rules[4].scope, DG_SCOPE_HOST);
	assert_int_equal(rules[4].origins, DG_ORIGIN_IMAGE);
	assert_int_equal(rules[4].kinds, DG_KIND_ALL);
	assert_int_equal(src[4], 1);
	dg_policy_free(p);
}

static void test_compile_longest_pattern(void **state)
{
	char yaml[512], path[DG_PATTERN_MAX];
	struct dg_rule_bpf rules[DG_MAX_RULES];
	struct dg_policy_hdr hdr;
	struct dg_policy *p;

	(void)state;
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	path[DG_PATTERN_MAX - 1] = '\0';
	snprintf(yaml, sizeof(yaml),
		 "rules:\n  - name: r\n    match: {origin: upper, path: %s}\n"
		 "    action: block\n",
		 path);
	p = from(yaml);
	assert_int_equal(dg_policy_compile(p, NULL, &hdr, rules), 0);
	assert_int_equal(rules[0].prefix_len, DG_PATTERN_MAX - 1);
	assert_int_equal(rules[0].prefix[DG_PATTERN_MAX - 1], '\0'); /* still a C string */
	dg_policy_free(p);
}

static void test_compile_audit_only(void **state)
{
	struct dg_policy *p = from("mode: audit\n" R0);
	struct dg_rule_bpf rules[DG_MAX_RULES];
	struct dg_policy_hdr hdr;

	(void)state;
	assert_int_equal(dg_policy_compile(p, NULL, &hdr, rules), 0);
	assert_int_equal(hdr.audit_only, 1);
	assert_int_equal(rules[0].action, DG_VERDICT_BLOCK); /* the kernel downgrades */
	assert_int_equal(dg_policy_bpf_decide(&hdr, rules, DG_ORIGIN_UPPER, DG_KIND_BINARY, "/x",
					      true, NULL, 0, NULL),
			 DG_VERDICT_AUDIT);
	dg_policy_free(p);
}

static void test_compile_cgroups(void **state)
{
	struct dg_policy *p = from("exceptions:\n"
				   "  - name: api-tools\n"
				   "    containers: {names: [api-*], ids: [cccccccccccc]}\n"
				   "    path: /tools/\n"
				   "rules:\n"
				   "  - name: no-such\n"
				   "    containers: {names: [db]}\n"
				   "    match: {origin: upper, path: [/a, /b]}\n"
				   "    action: allow\n"
				   "  - name: kube\n"
				   "    containers: {cgroups: [/kubepods/*/*], names: [web]}\n"
				   "    match: {origin: upper}\n"
				   "    action: block\n");
	struct fake_ctx ctx = {0};
	struct dg_container_resolver r = {fake_resolve, &ctx};
	struct dg_rule_bpf rules[DG_MAX_RULES];
	struct dg_policy_hdr hdr;

	(void)state;
	assert_int_equal(dg_policy_compile(p, &r, &hdr, rules), 0);
	assert_int_equal(ctx.calls, 3);
	assert_int_equal(hdr.n_rules, 4);
	/* api-1, api-2 and the container whose id starts with cccccccccccc */
	assert_int_equal(rules[0].scope, DG_SCOPE_CGROUPS);
	assert_int_equal(rules[0].n_cgroups, 3);
	assert_int_equal(rules[0].cgroup_ids[0], 6);
	assert_int_equal(rules[0].cgroup_ids[1], 8);
	assert_int_equal(rules[0].cgroup_ids[2], 9);
	assert_int_equal(rules[0].action, DG_VERDICT_ALLOW);
	/* a selector that matches nothing: one rule per path that matches nothing */
	for (int i = 1; i <= 2; i++) {
		assert_int_equal(rules[i].scope, DG_SCOPE_CGROUPS);
		assert_int_equal(rules[i].n_cgroups, 0);
	}
	assert_int_equal(dg_policy_bpf_decide(&hdr, rules, DG_ORIGIN_UPPER, DG_KIND_BINARY, "/a",
					      true, (unsigned long long[]){1, 7, 9}, 3, NULL),
			 DG_VERDICT_NONE);
	/* /kubepods/burstable/pod1 and below it (deduplicated), and web */
	assert_int_equal(rules[3].n_cgroups, 3);
	assert_int_equal(rules[3].cgroup_ids[0], 4);
	assert_int_equal(rules[3].cgroup_ids[1], 5);
	assert_int_equal(rules[3].cgroup_ids[2], 6);

	/* duplicates from the resolver are dropped */
	ctx.clones = 3;
	assert_int_equal(dg_policy_compile(p, &r, &hdr, rules), 0);
	assert_int_equal(rules[0].n_cgroups, 3);

	/* the resolver's errors pass through, and nothing is written */
	ctx.fail = EIO;
	hdr.n_rules = 77;
	assert_int_equal(dg_policy_compile(p, &r, &hdr, rules), -EIO);
	assert_int_equal(hdr.n_rules, 77);
	assert_contains(dg_errmsg(), "api-tools");
	assert_contains(dg_errmsg(), "fake failure");

	/* symbolic selectors need a resolver */
	assert_int_equal(dg_policy_compile(p, NULL, &hdr, rules), -EINVAL);
	assert_contains(dg_errmsg(), "no container resolver");
	dg_policy_free(p);
}

static void test_compile_cgroup_split_and_overflow(void **state)
{
	char *yaml = many(0, 30, 1);
	struct dg_policy *p = from(yaml);
	struct dg_policy *q = from("rules:\n"
				   "  - name: many\n"
				   "    containers: {names: ['*']}\n"
				   "    match: {origin: upper, path: [/a, /b]}\n"
				   "    action: block\n");
	struct fake_ctx ctx = {.extra = 14}; /* 4 containers + 14 = 18 cgroups */
	struct dg_container_resolver r = {fake_resolve, &ctx};
	struct dg_rule_bpf rules[DG_MAX_RULES];
	struct dg_policy_hdr hdr;
	unsigned int src[DG_MAX_RULES];

	(void)state;
	free(yaml);
	/* 18 cgroups = 3 groups of at most 8, times 2 paths */
	assert_int_equal(dg_policy_compile_map(q, &r, &hdr, rules, src), 0);
	assert_int_equal(hdr.n_rules, 6);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(rules[i].action, DG_VERDICT_BLOCK);
		assert_int_equal(rules[i].scope, DG_SCOPE_CGROUPS);
		assert_int_equal(rules[i].n_cgroups, i % 3 == 2 ? 2 : 8);
		assert_string_equal(rules[i].prefix, i < 3 ? "/a" : "/b");
		assert_int_equal(src[i], 0);
	}
	assert_int_equal(rules[1].cgroup_ids[0], 1000 + 4);

	/* 30 rules load; 30 + 6 kernel rules do not fit */
	dg_policy_free(p);
	p = NULL;
	{
		size_t len = 0;
		char *both;

		yaml = many(0, 27, 1);
		len = strlen(yaml) + 256;
		both = malloc(len);
		assert_non_null(both);
		snprintf(both, len,
			 "%s  - name: many\n    containers: {names: ['*']}\n"
			 "    match: {origin: upper, path: [/a, /b]}\n"
			 "    action: block\n",
			 yaml);
		free(yaml);
		p = from(both);
		free(both);
	}
	assert_int_equal(p->n_rules, 28);
	hdr.n_rules = 77;
	assert_int_equal(dg_policy_compile(p, &r, &hdr, rules), -E2BIG);
	assert_int_equal(hdr.n_rules, 77);
	assert_contains(dg_errmsg(), "rule \"many\" needs more than the 32 kernel rules");
	ctx.extra = 0; /* 4 cgroups: 27 + 2 fit */
	assert_int_equal(dg_policy_compile(p, &r, &hdr, rules), 0);
	assert_int_equal(hdr.n_rules, 29);

	/* more cgroups than any split can hold */
	ctx.extra = DG_MAX_RULES * DG_RULE_MAX_CGROUPS;
	assert_int_equal(dg_policy_compile(q, &r, &hdr, rules), -E2BIG);
	assert_contains(dg_errmsg(), "rule \"many\": its containers are");
	dg_policy_free(p);
	dg_policy_free(q);
}

/* For messages: the word of a verdict, as the rules file writes it. */
static const char *verdict_name(enum dg_verdict v)
{
	static const char *const names[] = {
		[DG_VERDICT_NONE] = "none",
		[DG_VERDICT_ALLOW] = "allow",
		[DG_VERDICT_AUDIT] = "audit",
		[DG_VERDICT_BLOCK] = "block",
	};

	return (unsigned int)v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

/* The compiled form decides as the model does, over a grid of executions. */
static void test_compile_equivalence(void **state)
{
	static const char *const paths[] = {"/usr/local/bin/tini",
					    "/tmp/x.sh",
					    "/tmp/a/b.sh",
					    "/opt/app/bin/srv",
					    "/opt/app/", /* exactly a prefix pattern */
					    "/opt/application",
					    "/usr/bin/env",
					    "/dev/shm/x.so",
					    "/d/d",
					    "/d/x/d",
					    NULL};
	static const char *const cgroups[] = {"/kubepods/burstable/pod1/aaaaaaaaaaaa1111",
					      "/kubepods/burstable/pod1/bbbbbbbbbbbb2222",
					      "/system.slice/docker-cccccccccccc3333.scope",
					      "/system.slice/docker-dddddddddddd4444.scope",
					      "/user.slice",
					      "/system.slice"};
	static const char *const files[] = {
		"rules/full.yaml", "rules/interpreted.yaml", "../../../rules/default.yaml",
		"../../../rules/audit.yaml", "../../../rules/ci-runners.yaml"};
	struct fake_ctx ctx = {0};
	struct dg_container_resolver r = {fake_resolve, &ctx};
	size_t checked = 0;

	(void)state;
	for (size_t fi = 0; fi < sizeof(files) / sizeof(files[0]); fi++) {
		struct dg_policy *p = load_file(files[fi]);
		struct dg_rule_bpf rules[DG_MAX_RULES];
		struct dg_policy_hdr hdr;
		unsigned int src[DG_MAX_RULES];

		assert_int_equal(dg_policy_compile_map(p, &r, &hdr, rules, src), 0);
		for (unsigned int o = 1; o <= DG_ORIGIN_IMAGE; o <<= 1) {
			for (unsigned int k = 1; k <= DG_KIND_INTERPRETED; k <<= 1) {
				for (size_t pi = 0; pi < sizeof(paths) / sizeof(paths[0]); pi++) {
					for (size_t ci = 0;
					     ci < sizeof(cgroups) / sizeof(cgroups[0]); ci++) {
						const struct fake_cg *cg = world_cg(cgroups[ci]);
						unsigned long long anc[N_WORLD];
						size_t n_anc = fake_world_ancestors(cg->path, anc);
						struct dg_exec_facts f = {
							.origin = o,
							.kind = k,
							.path = paths[pi],
							.in_container = cg->ctr_id != NULL,
							.container_id = cg->ctr_id,
							.container_name = cg->ctr_name,
							.cgroup = cg->path,
						};
						int mi, bi;
						enum dg_verdict ma = dg_policy_decide(p, &f, &mi);
						enum dg_verdict ba = dg_policy_bpf_decide(
							&hdr, rules, o, k, f.path, f.in_container,
							anc, n_anc, &bi);

						if (ma != ba || (mi < 0) != (bi < 0) ||
						    (bi >= 0 && src[bi] != (unsigned int)mi))
							fail_msg(
								"%s: origin %u kind %u path %s "
								"cgroup "
								"%s: model %s (rule %d), kernel %s "
								"(rule %d)",
								files[fi], o, k, f.path, f.cgroup,
								verdict_name(ma), mi,
								verdict_name(ba), bi);
						checked++;
					}
				}
			}
		}
		dg_policy_free(p);
	}
	assert_int_equal(checked, 5 * 4 * 4 * 11 * 6); /* files, origins, kinds, paths, cgroups */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compile_path_forms),
		cmocka_unit_test(test_compile_longest_pattern),
		cmocka_unit_test(test_compile_audit_only),
		cmocka_unit_test(test_compile_cgroups),
		cmocka_unit_test(test_compile_cgroup_split_and_overflow),
		cmocka_unit_test(test_compile_equivalence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
