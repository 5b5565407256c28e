// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the drift rules (enforcer/rules.c): the example files, every
 * class of load error with its position, the precedence of the reference
 * evaluator, and the compiler to the kernel form, checked against the
 * reference evaluator of that form.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/errors.h"
#include "enforcer/rules.h"

#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/unit/data"
#endif

/* $DG_TEST_DATA, else -DTEST_DATA_DIR=..., else tests/unit/data (as test_common.h). */
static const char *data_path(const char *name)
{
	static char buf[4096];
	const char *dir = getenv("DG_TEST_DATA");

	snprintf(buf, sizeof(buf), "%s/%s", dir && dir[0] ? dir : TEST_DATA_DIR, name);
	return buf;
}

static void assert_contains(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

static void assert_starts(const char *s, const char *prefix)
{
	if (strncmp(s, prefix, strlen(prefix)) != 0)
		fail_msg("\"%s\" does not start with \"%s\"", s, prefix);
}

static struct dg_policy *load_file(const char *name)
{
	struct dg_policy *p = NULL;

	if (dg_policy_load_file(data_path(name), &p) < 0)
		fail_msg("%s: %s", name, dg_errmsg());
	return p;
}

static struct dg_policy *from(const char *yaml)
{
	struct dg_policy *p = NULL;

	if (dg_policy_load_string(yaml, "t.yaml", &p) < 0)
		fail_msg("%s", dg_errmsg());
	return p;
}

/* Loads text that must fail with EINVAL; returns the message. */
static const char *load_error(const char *yaml)
{
	struct dg_policy *p = (struct dg_policy *)1;
	int rc = dg_policy_load_string(yaml, "t.yaml", &p);

	assert_int_equal(rc, -EINVAL);
	assert_null(p);
	return dg_errmsg();
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

/* A rule that is valid, to be completed by each case. */
#define R0 "rules:\n  - name: r0\n    match: {origin: upper}\n    action: block\n"

struct err_case {
	const char *yaml;
	const char *prefix; /* "t.yaml:LINE:COLUMN: key.path: " */
	const char *text;   /* in the rest of the message */
};

static const struct err_case err_cases[] = {
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
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const char *msg = load_error(err_cases[i].yaml);

		if (strncmp(msg, err_cases[i].prefix, strlen(err_cases[i].prefix)) != 0 ||
		    !strstr(msg + strlen(err_cases[i].prefix), err_cases[i].text)) {
			print_error("case %zu: \"%s\"\n    want \"%s...%s\"\n", i, msg,
				    err_cases[i].prefix, err_cases[i].text);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
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

/* n exceptions then m rules, each rule with k paths. */
static char *many(size_t n, size_t m, size_t k)
{
	size_t len = 64 + (n + m) * 160 + m * k * 16;
	char *s = malloc(len), *q = s;

	assert_non_null(s);
	q += sprintf(q, "exceptions:\n");
	for (size_t i = 0; i < n; i++)
		q += sprintf(q, "  - name: e%zu\n    path: /e%zu\n", i, i);
	q += sprintf(q, "rules:\n");
	for (size_t i = 0; i < m; i++) {
		q += sprintf(q,
			     "  - name: r%zu\n    action: block\n    match:\n"
			     "      origin: upper\n      path:\n",
			     i);
		for (size_t j = 0; j < k; j++)
			q += sprintf(q, "        - /r%zu/p%zu\n", i, j);
	}
	return s;
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

/* ---- precedence --------------------------------------------------------------------------- */

static const struct dg_exec_facts in_web = {
	.origin = DG_ORIGIN_UPPER,
	.kind = DG_KIND_BINARY,
	.path = "/usr/local/bin/tini",
	.in_container = true,
	.container_id = "0123456789abcdef0123",
	.container_name = "web",
	.cgroup = "/kubepods/burstable/pod1/0123456789abcdef0123",
};

static void test_exception_beats_block(void **state)
{
	struct dg_policy *p = from("exceptions:\n"
				   "  - name: tini\n"
				   "    path: /usr/local/bin/tini\n"
				   "rules:\n"
				   "  - name: block-all\n"
				   "    containers: any\n"
				   "    match: {origin: [upper, memfd, off-rootfs, image]}\n"
				   "    action: block\n");
	struct dg_exec_facts f = in_web;
	int idx = 99;

	(void)state;
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_ALLOW);
	assert_int_equal(idx, 0);
	f.path = "/usr/local/bin/tinix"; /* exact means exact */
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_BLOCK);
	assert_int_equal(idx, 1);
	f.path = "/usr/local/bin/tini";
	f.in_container = false; /* exceptions default to containers: all */
	f.container_id = f.container_name = NULL;
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_BLOCK);
	dg_policy_free(p);
}

static void test_first_match_wins(void **state)
{
	struct dg_policy *p = from("rules:\n"
				   "  - name: allow-opt\n"
				   "    match: {origin: upper, path: /opt/app/}\n"
				   "    action: allow\n"
				   "  - name: block-upper\n"
				   "    match: {origin: upper}\n"
				   "    action: block\n"
				   "  - name: allow-all\n"
				   "    match: {origin: upper}\n"
				   "    action: allow\n");
	struct dg_exec_facts f = in_web;
	int idx;

	(void)state;
	f.path = "/opt/app/bin/server";
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_ALLOW);
	assert_int_equal(idx, 0);
	f.path = "/opt/application"; /* a prefix with '/' stops at the directory */
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_BLOCK);
	assert_int_equal(idx, 1); /* never the later allow */
	dg_policy_free(p);
}

static void test_audit_mode(void **state)
{
	struct dg_policy *p = from("mode: audit\n"
				   "rules:\n"
				   "  - name: allow-opt\n"
				   "    match: {origin: upper, path: /opt/}\n"
				   "    action: allow\n"
				   "  - name: audit-tmp\n"
				   "    match: {origin: upper, path: /tmp/}\n"
				   "    action: audit\n"
				   "  - name: block-upper\n"
				   "    match: {origin: upper}\n"
				   "    action: block\n");
	struct dg_exec_facts f = in_web;
	int idx;

	(void)state;
	f.path = "/opt/x";
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_ALLOW);
	f.path = "/tmp/x";
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_AUDIT);
	assert_int_equal(idx, 1);
	f.path = "/bin/x";
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_AUDIT); /* block, downgraded */
	assert_int_equal(idx, 2);
	p->mode = DG_MODE_ENFORCE;
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_BLOCK);
	dg_policy_free(p);
}

static void test_no_match(void **state)
{
	struct dg_policy *p = from(R0);
	struct dg_exec_facts f = in_web;
	int idx = 7;

	(void)state;
	f.origin = DG_ORIGIN_IMAGE;
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_NONE);
	assert_int_equal(idx, -1);
	f.origin = DG_ORIGIN_UPPER;
	assert_int_equal(dg_policy_decide(p, &f, NULL), DG_VERDICT_BLOCK);
	dg_policy_free(p);
}

static void test_scopes(void **state)
{
	struct dg_policy *p = from("rules:\n"
				   "  - name: on-host\n"
				   "    containers: host\n"
				   "    match: {origin: memfd}\n"
				   "    action: audit\n"
				   "  - name: in-containers\n"
				   "    containers: all\n"
				   "    match: {origin: memfd}\n"
				   "    action: block\n"
				   "  - name: anywhere\n"
				   "    containers: any\n"
				   "    match: {origin: off-rootfs}\n"
				   "    action: allow\n");
	struct dg_exec_facts host = {.origin = DG_ORIGIN_MEMFD,
				     .kind = DG_KIND_BINARY,
				     .path = "/memfd:x (deleted)",
				     .cgroup = "/user.slice"};
	struct dg_exec_facts ctr = in_web;
	int idx;

	(void)state;
	ctr.origin = DG_ORIGIN_MEMFD;
	assert_int_equal(dg_policy_decide(p, &host, &idx), DG_VERDICT_AUDIT);
	assert_int_equal(idx, 0);
	assert_int_equal(dg_policy_decide(p, &ctr, &idx), DG_VERDICT_BLOCK);
	assert_int_equal(idx, 1);
	host.origin = ctr.origin = DG_ORIGIN_OFF_ROOTFS;
	assert_int_equal(dg_policy_decide(p, &host, &idx), DG_VERDICT_ALLOW);
	assert_int_equal(dg_policy_decide(p, &ctr, &idx), DG_VERDICT_ALLOW);
	dg_policy_free(p);
}

static void test_selectors(void **state)
{
	struct dg_policy *p = from("rules:\n"
				   "  - name: no-such-container\n"
				   "    containers: {names: [db]}\n"
				   "    match: {origin: upper}\n"
				   "    action: allow\n"
				   "  - name: by-id-prefix\n"
				   "    containers: {ids: [0123456789ab]}\n"
				   "    match: {origin: upper, kind: script}\n"
				   "    action: allow\n"
				   "  - name: short-id-is-exact\n"
				   "    containers: {ids: ['0123']}\n"
				   "    match: {origin: upper, kind: mapping}\n"
				   "    action: allow\n"
				   "  - name: by-cgroup\n"
				   "    containers: {cgroups: [/kubepods/*/pod1]}\n"
				   "    match: {origin: memfd}\n"
				   "    action: audit\n"
				   "  - name: rest\n"
				   "    match: {origin: [upper, memfd]}\n"
				   "    action: block\n");
	struct dg_exec_facts f = in_web;
	int idx;

	(void)state;
	/* names: [db] matches nothing here: the rule is skipped, not widened */
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_BLOCK);
	assert_int_equal(idx, 4);
	f.kind = DG_KIND_SCRIPT;
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_ALLOW);
	assert_int_equal(idx, 1);
	f.kind = DG_KIND_MAPPING;
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_BLOCK);
	assert_int_equal(idx, 4);
	f.container_id = "0123";
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_ALLOW);
	assert_int_equal(idx, 2);
	/* a cgroup pattern matches the cgroup and everything below it */
	f.origin = DG_ORIGIN_MEMFD;
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_AUDIT);
	assert_int_equal(idx, 3);
	f.cgroup = "/kubepods/burstable/pod12/x";
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_BLOCK);
	dg_policy_free(p);
}

static void test_selector_globs(void **state)
{
	struct dg_container_selector s = {.scope = DG_SCOPE_CGROUPS};
	char *names[] = {"runner-*-build"}, *one[] = {"/kubepods/*"}, *deep[] = {"/kubepods/**/c1"};

	(void)state;
	s.names = names;
	s.n_names = 1;
	assert_true(dg_selector_matches(&s, true, "x", "runner-a-b-build", "/x"));
	assert_true(dg_selector_matches(&s, true, "x", "runner--build", "/x"));
	assert_false(dg_selector_matches(&s, true, "x", "runner-a-build-2", "/x"));
	assert_false(dg_selector_matches(&s, false, NULL, "runner-a-build", "/x")); /* host */
	s.n_names = 0;
	s.cgroups = one;
	s.n_cgroups = 1;
	assert_true(dg_selector_matches(&s, true, "x", "y", "/kubepods/a"));
	assert_true(dg_selector_matches(&s, true, "x", "y", "/kubepods/a/b/c"));
	assert_false(dg_selector_matches(&s, true, "x", "y", "/kubepods"));
	assert_false(dg_selector_matches(&s, true, "x", "y", "/system.slice/kubepods/a"));
	assert_true(dg_selector_matches(&s, false, NULL, NULL, "/kubepods/a")); /* by cgroup */
	s.cgroups = deep;
	assert_true(dg_selector_matches(&s, true, "x", "y", "/kubepods/a/b/c1"));
	assert_true(dg_selector_matches(&s, true, "x", "y", "/kubepods/a/c1/sub"));
	assert_false(dg_selector_matches(&s, true, "x", "y", "/kubepods/a/c10"));

	/* no pattern makes matching exponential */
	{
		char *slow[] = {"*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b"};
		char name[201];

		memset(name, 'a', 200);
		name[200] = '\0';
		s.n_cgroups = 0;
		s.names = slow;
		s.n_names = 1;
		assert_false(dg_selector_matches(&s, true, "x", name, "/x"));
		name[199] = 'b';
		assert_true(dg_selector_matches(&s, true, "x", name, "/x"));
	}
}

static void test_paths_and_kinds(void **state)
{
	struct dg_policy *p =
		from("rules:\n"
		     "  - name: tmp-scripts\n"
		     "    match: {origin: upper, kind: script, path: \"/tmp/*.sh\"}\n"
		     "    action: block\n"
		     "  - name: ld-preload\n"
		     "    match: {origin: off-rootfs, kind: mapping, path: \"/dev/shm/*\"}\n"
		     "    action: block\n"
		     "  - name: overlap\n"
		     "    match: {origin: upper, path: \"/x/*/x\"}\n"
		     "    action: audit\n");
	struct dg_exec_facts f = in_web;
	int idx;

	(void)state;
	f.kind = DG_KIND_SCRIPT;
	f.path = "/tmp/a/b.sh"; /* '*' crosses '/' */
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_BLOCK);
	f.path = "/tmp/.sh";
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_BLOCK);
	f.path = "/tmp.sh";
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_NONE);
	f.path = "/x/x"; /* starts with "/x/", ends with "/x", but they would overlap */
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_NONE);
	f.path = "/x//x";
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_AUDIT);
	f.path = NULL; /* unknown path: a path condition does not match */
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_NONE);
	f.path = "/tmp/x.sh";
	f.kind = DG_KIND_BINARY; /* the interpreter of ./x.sh is not the script */
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_NONE);
	f.kind = DG_KIND_MAPPING;
	f.origin = DG_ORIGIN_OFF_ROOTFS;
	f.path = "/dev/shm/evil.so";
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_BLOCK);
	assert_int_equal(idx, 1);
	dg_policy_free(p);
}

/* ---- compile ------------------------------------------------------------------------------ */

/* A fake host: cgroup directories, some of them containers. */
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
	size_t cnt = 0;

	c->calls++;
	if (c->fail)
		return dg_err(c->fail, "fake failure");
	for (size_t i = 0; i < N_WORLD; i++) {
		if (!dg_selector_matches(sel, world[i].ctr_id != NULL, world[i].ctr_id,
					 world[i].ctr_name, world[i].path))
			continue;
		for (size_t k = 0; k < (c->clones ? c->clones : 1); k++) {
			if (cnt < max)
				ids[cnt] = world[i].id;
			cnt++;
		}
	}
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

/* The ids of a cgroup and all its ancestors, as the kernel walks them. */
static size_t ancestors_of(const char *path, unsigned long long *ids)
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
	struct dg_policy_hdr hdr = {99, 99};
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

/* The compiled form decides as the model does, over a grid of executions. */
static void test_compile_equivalence(void **state)
{
	static const char *const paths[] = {"/usr/local/bin/tini",
					    "/tmp/x.sh",
					    "/tmp/a/b.sh",
					    "/opt/app/bin/srv",
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
	static const char *const files[] = {"rules/full.yaml", "../../../rules/default.yaml",
					    "../../../rules/audit.yaml",
					    "../../../rules/ci-runners.yaml"};
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
			for (unsigned int k = 1; k <= DG_KIND_MAPPING; k <<= 1) {
				for (size_t pi = 0; pi < sizeof(paths) / sizeof(paths[0]); pi++) {
					for (size_t ci = 0;
					     ci < sizeof(cgroups) / sizeof(cgroups[0]); ci++) {
						const struct fake_cg *cg = world_cg(cgroups[ci]);
						unsigned long long anc[N_WORLD];
						size_t n_anc = ancestors_of(cg->path, anc);
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
								dg_policy_action_name(ma), mi,
								dg_policy_action_name(ba), bi);
						checked++;
					}
				}
			}
		}
		dg_policy_free(p);
	}
	assert_int_equal(checked, 4 * 4 * 3 * 10 * 6);
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
		cmocka_unit_test(test_exception_beats_block),
		cmocka_unit_test(test_first_match_wins),
		cmocka_unit_test(test_audit_mode),
		cmocka_unit_test(test_no_match),
		cmocka_unit_test(test_scopes),
		cmocka_unit_test(test_selectors),
		cmocka_unit_test(test_selector_globs),
		cmocka_unit_test(test_paths_and_kinds),
		cmocka_unit_test(test_compile_path_forms),
		cmocka_unit_test(test_compile_longest_pattern),
		cmocka_unit_test(test_compile_audit_only),
		cmocka_unit_test(test_compile_cgroups),
		cmocka_unit_test(test_compile_cgroup_split_and_overflow),
		cmocka_unit_test(test_compile_equivalence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
