// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of what a rule matches (enforcer/rules_match.c): scopes,
 * selectors by id, name and cgroup with their globs, path patterns and kinds,
 * through the reference evaluator and dg_selector_matches().
 */
#include "test_rules_common.h"

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
	struct dg_exec_facts ctr = in_web();
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
	struct dg_exec_facts f = in_web();
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
	struct dg_exec_facts f = in_web();
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scopes),
		cmocka_unit_test(test_selectors),
		cmocka_unit_test(test_selector_globs),
		cmocka_unit_test(test_paths_and_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
