// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the reference evaluator (enforcer/rules_decide.c): the
 * precedence of exceptions and rules, first match wins, the audit mode and
 * no match.
 */
#include "test_rules_common.h"

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
	struct dg_exec_facts f = in_web();
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
	struct dg_exec_facts f = in_web();
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
	struct dg_exec_facts f = in_web();
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
	struct dg_exec_facts f = in_web();
	int idx = 7;

	(void)state;
	f.origin = DG_ORIGIN_IMAGE;
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_NONE);
	assert_int_equal(idx, -1);
	f.origin = DG_ORIGIN_UPPER;
	assert_int_equal(dg_policy_decide(p, &f, NULL), DG_VERDICT_BLOCK);
	dg_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exception_beats_block),
		cmocka_unit_test(test_first_match_wins),
		cmocka_unit_test(test_audit_mode),
		cmocka_unit_test(test_no_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
