// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the rules parser (enforcer/rules_parse.c, enforcer/yaml_doc.c):
 * the example files, every key of the schema, and every class of load error
 * with its FILE:LINE:COLUMN position and key path.
 */
#include "test_rules_common.h"

static void assert_starts(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)) != 0)
		fail_msg("\"%s\" does not start with \"%s\"", s, prefix);
}

/* ---- the example files -------------------------------------------------------------------- */

static void test_example_default(void **state)
{
	struct dg_policy *p = load_file("../../../rules/default.yaml");

	(void)state;
	assert_int_equal(p->mode, DG_MODE_ENFORCE);
	assert_int_equal(p->n_exceptions, 0);
	assert_int_equal(p->n_rules, 1);
	assert_int_equal(p->rules[0].action, DG_VERDICT_BLOCK);
	assert_int_equal(p->rules[0].containers.scope, DG_SCOPE_ALL);
	assert_int_equal(p->rules[0].origins,
			 DG_ORIGIN_UPPER | DG_ORIGIN_MEMFD | DG_ORIGIN_OFF_ROOTFS);
	assert_int_equal(p->rules[0].kinds, DG_KIND_ALL);
	dg_policy_free(p);
}

static void test_example_audit(void **state)
{
	struct dg_policy *p = load_file("../../../rules/audit.yaml");
	struct dg_exec_facts f = {.origin = DG_ORIGIN_UPPER,
				  .kind = DG_KIND_BINARY,
				  .path = "/tmp/x",
				  .in_container = true};

	(void)state;
	assert_int_equal(p->mode, DG_MODE_AUDIT);
	assert_int_equal(dg_policy_decide(p, &f, NULL), DG_VERDICT_AUDIT);
	dg_policy_free(p);
}

static void test_example_ci_runners(void **state)
{
	struct dg_policy *p = load_file("../../../rules/ci-runners.yaml");
	struct dg_exec_facts f = {.origin = DG_ORIGIN_UPPER,
				  .kind = DG_KIND_BINARY,
				  .path = "/builds/grp/proj/a.out",
				  .in_container = true,
				  .container_id = "c1",
				  .container_name = "runner-xyz-project-1-concurrent-0-build",
				  .cgroup = "/docker/c1"};
	int idx;

	(void)state;
	assert_int_equal(p->n_exceptions, 1);
	assert_int_equal(p->n_rules, 4);
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_ALLOW);
	assert_string_equal(p->rules[idx].name, "build-jobs-workspace");
	f.origin = DG_ORIGIN_MEMFD; /* fileless, even in a build job */
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_BLOCK);
	assert_string_equal(p->rules[idx].name, "no-fileless");
	f.origin = DG_ORIGIN_UPPER;
	f.container_name = "web"; /* not a build job */
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_BLOCK);
	assert_string_equal(p->rules[idx].name, "no-drift");
	dg_policy_free(p);
}

static void test_full_file(void **state)
{
	struct dg_policy *p = load_file("rules/full.yaml");
	const struct dg_drift_rule *r;

	(void)state;
	assert_int_equal(p->mode, DG_MODE_AUDIT);
	assert_int_equal(p->n_exceptions, 2);
	assert_int_equal(p->n_rules, 5);

	r = &p->rules[0];
	assert_string_equal(r->name, "tini");
	assert_true(r->exception);
	assert_int_equal(r->action, DG_VERDICT_ALLOW);
	assert_int_equal(r->origins, DG_ORIGIN_ALL);
	assert_int_equal(r->kinds, DG_KIND_ALL);
	assert_int_equal(r->n_paths, 1);
	assert_int_equal(r->paths[0].match, DG_PATH_EXACT);
	assert_int_equal(r->line, 4);
	assert_int_equal(r->column, 5);

	r = &p->rules[1];
	assert_int_equal(r->containers.scope, DG_SCOPE_CGROUPS);
	assert_int_equal(r->containers.n_names, 1);
	assert_string_equal(r->containers.names[0], "jvm-*");
	assert_int_equal(r->origins, DG_ORIGIN_OFF_ROOTFS);
	assert_int_equal(r->kinds, DG_KIND_MAPPING);
	assert_int_equal(r->n_paths, 2);
	assert_int_equal(r->paths[0].match, DG_PATH_GLOB);
	assert_string_equal(r->paths[0].prefix, "/tmp/perf-");
	assert_string_equal(r->paths[0].suffix, ".map");
	assert_int_equal(r->paths[1].match, DG_PATH_PREFIX);

	r = &p->rules[2];
	assert_false(r->exception);
	assert_string_equal(r->name, "scripts-in-tmp");
	assert_int_equal(r->action, DG_VERDICT_AUDIT);
	assert_int_equal(r->containers.n_ids, 1);
	assert_int_equal(r->containers.n_names, 2);
	assert_int_equal(r->containers.n_cgroups, 1);
	assert_string_equal(r->containers.cgroups[0], "/kubepods/**");
	assert_int_equal(r->kinds, DG_KIND_SCRIPT);

	r = &p->rules[3];
	assert_int_equal(r->containers.scope, DG_SCOPE_HOST);
	assert_int_equal(r->n_paths, 0);
	assert_int_equal(r->kinds, DG_KIND_ALL);

	r = &p->rules[4];
	assert_int_equal(r->containers.scope, DG_SCOPE_ANY);
	assert_int_equal(r->action, DG_VERDICT_ALLOW);
	assert_int_equal(r->origins, DG_ORIGIN_ALL);
	assert_int_equal(r->kinds, DG_KIND_BINARY | DG_KIND_MAPPING);
	dg_policy_free(p);
}

/* ---- load errors -------------------------------------------------------------------------- */

static void test_error_file_position(void **state)
{
	struct dg_policy *p = NULL;
	char want[4200];

	(void)state;
	assert_int_equal(dg_policy_load_file(data_path("rules/bad_action.yaml"), &p), -EINVAL);
	assert_null(p);
	snprintf(want, sizeof(want),
		 "%s:7:13: rules[1].action: \"deny\" is not one of block, audit, allow",
		 data_path("rules/bad_action.yaml"));
	assert_string_equal(dg_errmsg(), want);
}

static void test_error_syntax(void **state)
{
	struct dg_policy *p = NULL;
	char want[4200];

	(void)state;
	assert_int_equal(dg_policy_load_file(data_path("rules/bad_syntax.yaml"), &p), -EINVAL);
	assert_null(p);
	snprintf(want, sizeof(want), "%s:3:27: invalid YAML: ", data_path("rules/bad_syntax.yaml"));
	assert_starts(dg_errmsg(), want);
}

static void test_error_missing_file(void **state)
{
	struct dg_policy *p = NULL;

	(void)state;
	assert_int_equal(dg_policy_load_file(data_path("rules/nonexistent.yaml"), &p), -ENOENT);
	assert_null(p);
	assert_contains(dg_errmsg(), "nonexistent.yaml");
}

static const struct rules_err_case err_cases[] = {
	/* document structure */
	{"", "t.yaml:1:1: ", "empty rules file"},
	{"- a\n- b\n", "t.yaml:1:1: ", "must be a mapping"},
	{R0 "---\n" R0, "t.yaml:6:1: ", "second YAML document"},
	{"mode: enforce\n", "t.yaml:1:1: rules: ", "missing"},
	{"rules: []\n", "t.yaml:1:8: rules: ", "empty list"},
	{"rules:\n", "t.yaml:1:7: rules: ", "must be a list of rules, not empty"},
	{"rules: {name: x}\n", "t.yaml:1:8: rules: ", "must be a list of rules, not a mapping"},
	{"exceptions: x\n" R0, "t.yaml:1:13: exceptions: ", "must be a list of exceptions"},
	/* unknown and duplicate keys */
	{"rule:\n  - name: x\n",
	 "t.yaml:1:1: rule: ", "unknown key; allowed keys are mode, exceptions, rules"},
	{"rules:\n  - name: r0\n    match: {origin: upper}\n    acton: block\n",
	 "t.yaml:4:5: rules[0].acton: ",
	 "unknown key; allowed keys are name, containers, match, "
	 "action"},
	{"rules:\n  - name: r0\n    match: {origin: upper, paths: /x}\n    action: block\n",
	 "t.yaml:3:28: rules[0].match.paths: ", "allowed keys are origin, kind, path"},
	{"rules:\n  - name: r0\n    match: {origin: upper}\n    action: block\n    action: allow\n",
	 "t.yaml:5:5: rules[0].action: ", "duplicate key (first at line 4)"},
	{"mode: audit\nmode: enforce\n" R0, "t.yaml:2:1: mode: ", "duplicate key"},
	{"exceptions:\n  - name: e\n    path: /x\n    action: allow\n" R0,
	 "t.yaml:4:5: exceptions[0].action: ",
	 "allowed keys are name, containers, path, origin, "
	 "kind"},
	{"rules:\n  - name: r0\n    match: {origin: upper}\n    action: block\n    [a]: b\n",
	 "t.yaml:5:5: rules[0]: ", "a key must be a string, not a list"},
	/* values */
	{"mode: strict\n" R0, "t.yaml:1:7: mode: ", "\"strict\" is not one of enforce, audit"},
	{"rules:\n  - name: r0\n    match: {origin: upper}\n    action:\n",
	 "t.yaml:4:12: rules[0].action: ", "has no value"},
	{"rules:\n  - name: r0\n    match: {origin: upper}\n    action: {a: b}\n",
	 "t.yaml:4:13: rules[0].action: ", "must be a string, not a mapping"},
	{"rules:\n  - name: r0\n    match: {origin: upper}\n",
	 "t.yaml:2:5: rules[0].action: ", "missing; one of block, audit, allow"},
	{"rules:\n  - name: r0\n    action: block\n", "t.yaml:2:5: rules[0].match: ", "missing"},
	{"rules:\n  - name: r0\n    match: {kind: binary}\n    action: block\n",
	 "t.yaml:3:12: rules[0].match.origin: ", "missing"},
	{"rules:\n  - name: r0\n    match: {origin: [upper, overlay]}\n    action: block\n",
	 "t.yaml:3:29: rules[0].match.origin[1]: ",
	 "\"overlay\" is not one of upper, memfd, off-rootfs, image"},
	{"rules:\n  - name: r0\n    match: {origin: []}\n    action: block\n",
	 "t.yaml:3:21: rules[0].match.origin: ", "empty list"},
	{"rules:\n  - name: r0\n    match: {origin: upper, kind: [elf]}\n    action: block\n",
	 "t.yaml:3:35: rules[0].match.kind[0]: ", "\"elf\" is not one of binary, script, mapping"},
	{"rules:\n  - name: r0\n    match: {origin: [[upper]]}\n    action: block\n",
	 "t.yaml:3:22: rules[0].match.origin[0]: ", "must be a string, not a list"},
	/* names */
	{"rules:\n  - match: {origin: upper}\n    action: block\n",
	 "t.yaml:2:5: rules[0].name: ", "missing"},
	{"rules:\n  - name: no drift\n    match: {origin: upper}\n    action: block\n",
	 "t.yaml:2:11: rules[0].name: ", "\"no drift\" is not a rule name"},
	{"exceptions:\n  - name: r0\n    path: /x\n" R0,
	 "t.yaml:5:11: rules[0].name: ", "\"r0\" is already the name of the exception at line 2"},
	{R0 "  - name: r0\n    match: {origin: upper}\n    action: audit\n",
	 "t.yaml:5:11: rules[1].name: ", "\"r0\" is already the name of the rule at line 2"},
	/* paths */
	{"rules:\n  - name: r0\n    match: {origin: upper, path: tmp/x}\n    action: block\n",
	 "t.yaml:3:34: rules[0].match.path: ", "\"tmp/x\" does not start with '/'"},
	{"rules:\n  - name: r0\n    match: {origin: upper, path: [/a, \"/t/*/*.sh\"]}\n"
	 "    action: block\n",
	 "t.yaml:3:39: rules[0].match.path[1]: ", "has more than one '*'"},
	{"rules:\n  - name: r0\n    match: {origin: upper, path: /a//b}\n    action: block\n",
	 "t.yaml:3:34: rules[0].match.path: ", "contains \"//\""},
	{"rules:\n  - name: r0\n    match: {origin: upper, path: /a/../b}\n    action: block\n",
	 "t.yaml:3:34: rules[0].match.path: ", "\"..\" component"},
	{"rules:\n  - name: r0\n    match: {origin: upper, path: [/a, /a]}\n    action: block\n",
	 "t.yaml:3:39: rules[0].match.path[1]: ", "\"/a\" is listed twice"},
	{"rules:\n  - name: r0\n    match: {origin: upper, path: []}\n    action: block\n",
	 "t.yaml:3:34: rules[0].match.path: ", "empty list"},
	{"exceptions:\n  - name: e\n    containers: all\n" R0, "t.yaml:2:5: exceptions[0].path: ",
	 "missing; an exception allows one program or directory, never everything"},
	/* containers */
	{"rules:\n  - name: r0\n    containers: every\n    match: {origin: upper}\n"
	 "    action: block\n",
	 "t.yaml:3:17: rules[0].containers: ",
	 "\"every\" is not one of all, host, any, or a mapping with ids, names, cgroups"},
	{"rules:\n  - name: r0\n    containers: {}\n    match: {origin: upper}\n"
	 "    action: block\n",
	 "t.yaml:3:17: rules[0].containers: ", "an empty mapping selects nothing"},
	{"rules:\n  - name: r0\n    containers: {labels: [a]}\n    match: {origin: upper}\n"
	 "    action: block\n",
	 "t.yaml:3:18: rules[0].containers.labels: ", "allowed keys are ids, names, cgroups"},
	{"rules:\n  - name: r0\n    containers: {names: []}\n    match: {origin: upper}\n"
	 "    action: block\n",
	 "t.yaml:3:25: rules[0].containers.names: ", "empty list"},
	{"rules:\n  - name: r0\n    containers: {names: [a/b]}\n    match: {origin: upper}\n"
	 "    action: block\n",
	 "t.yaml:3:26: rules[0].containers.names[0]: ", "is not a container name pattern"},
	{"rules:\n  - name: r0\n    containers: {cgroups: [kubepods]}\n    match: {origin: upper}\n"
	 "    action: block\n",
	 "t.yaml:3:28: rules[0].containers.cgroups[0]: ", "does not start with '/'"},
	{"rules:\n  - name: r0\n    containers: {cgroups: [/a/***]}\n    match: {origin: upper}\n"
	 "    action: block\n",
	 "t.yaml:3:28: rules[0].containers.cgroups[0]: ", "has \"***\""},
	{"rules:\n  - name: r0\n    containers: {ids: [a b]}\n    match: {origin: upper}\n"
	 "    action: block\n",
	 "t.yaml:3:24: rules[0].containers.ids[0]: ", "is not a container id"},
	{"rules:\n  - name: r0\n    containers:\n      ids: [a1, a2, a3, a4]\n"
	 "      names: [n1, n2, n3]\n      cgroups: [/c1, /c2]\n"
	 "    match: {origin: upper}\n    action: block\n",
	 "t.yaml:6:22: rules[0].containers.cgroups[1]: ", "more than 8 ids, names and cgroups"},
};

static void test_errors(void **state)
{
	(void)state;
	assert_int_equal(
		rules_err_cases_failed(err_cases, sizeof(err_cases) / sizeof(err_cases[0])), 0);
}

static void test_error_pattern_too_long(void **state)
{
	char yaml[1024], path[256];
	const char *msg;

	(void)state;
	/* 127 bytes fit (DG_PATTERN_MAX - 1) */
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[DG_PATTERN_MAX - 1] = '\0';
	snprintf(yaml, sizeof(yaml),
		 "rules:\n  - name: r0\n    match:\n      origin: upper\n      path: %s\n"
		 "    action: block\n",
		 path);
	dg_policy_free(from(yaml));

	path[DG_PATTERN_MAX - 1] = 'a';
	path[DG_PATTERN_MAX] = '\0';
	snprintf(yaml, sizeof(yaml),
		 "rules:\n  - name: r0\n    match:\n      origin: upper\n      path: %s\n"
		 "    action: block\n",
		 path);
	msg = load_error(yaml);
	assert_starts(msg, "t.yaml:5:13: rules[0].match.path: ");
	assert_contains(msg, "before '*' may have at most 127 bytes");

	/* the part after '*' has its own limit */
	memset(path, 'b', sizeof(path));
	memcpy(path, "/tmp/*", 6);
	path[6 + DG_PATTERN_MAX] = '\0';
	snprintf(yaml, sizeof(yaml),
		 "rules:\n  - name: r0\n    match:\n      origin: upper\n      path: \"%s\"\n"
		 "    action: block\n",
		 path);
	msg = load_error(yaml);
	assert_starts(msg, "t.yaml:5:13: rules[0].match.path: ");
	assert_contains(msg, "after '*' may have at most 127 bytes");
}

static void test_error_too_many_rules(void **state)
{
	char *yaml;
	const char *msg;

	(void)state;
	yaml = many(20, 12, 1); /* 32: the most there can be */
	dg_policy_free(from(yaml));
	free(yaml);

	yaml = many(20, 13, 1); /* the 33rd entry is rules[12], at line 43 + 12 * 6 */
	msg = load_error(yaml);
	free(yaml);
	assert_starts(msg, "t.yaml:115:5: rules[12]: ");
	assert_contains(msg, "more than 32 rules; exceptions count as rules");

	yaml = many(0, 2, 17); /* 2 + 16 + 15 = 33 kernel rules: the 16th path of r1 */
	msg = load_error(yaml);
	free(yaml);
	assert_starts(msg, "t.yaml:45:11: rules[1].match.path[15]: ");
	assert_contains(msg, "more than 32 kernel rules");

	yaml = many(0, 2, 16); /* 16 + 16 = 32 kernel rules */
	dg_policy_free(from(yaml));
	free(yaml);

	yaml = many(16, 2, 16); /* 16 + 16 = 32 kernel rules: rules[1] is one too many */
	msg = load_error(yaml);
	free(yaml);
	assert_starts(msg, "t.yaml:56:5: rules[1]: ");
	assert_contains(msg, "this entry makes the policy need more than 32 kernel rules");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example_default),
		cmocka_unit_test(test_example_audit),
		cmocka_unit_test(test_example_ci_runners),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_error_file_position),
		cmocka_unit_test(test_error_syntax),
		cmocka_unit_test(test_error_missing_file),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_pattern_too_long),
		cmocka_unit_test(test_error_too_many_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
