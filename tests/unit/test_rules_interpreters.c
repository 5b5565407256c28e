// SPDX-License-Identifier: GPL-2.0-only
/*
 * kind interpreted and `interpreters:` (enforcer/rules_interpreters.c): what
 * the parser takes and refuses, the default list, the kernel form, and the
 * name matching the kernel mirrors (lib/interpreter.bpf.h).
 */
#include "test_rules_common.h"

#define INTERPRETED_RULE                                                                 \
	"rules:\n  - name: r0\n    match: {origin: [upper, memfd], kind: interpreted}\n" \
	"    action: block\n"

static struct dg_policy_hdr compiled(const struct dg_policy *p)
{
	struct dg_rule_bpf rules[DG_MAX_RULES];
	struct dg_policy_hdr hdr;

	assert_int_equal(dg_policy_compile(p, NULL, &hdr, rules), 0);
	return hdr;
}

static void test_kind_is_opt_in(void **state)
{
	struct dg_policy *p = from(R0);
	struct dg_policy_hdr hdr = compiled(p);

	(void)state;
	/* a rule without kind: every kind but interpreted, and the kernel looks at no open */
	assert_int_equal(p->rules[0].kinds, DG_KIND_BINARY | DG_KIND_SCRIPT | DG_KIND_MAPPING);
	assert_false(p->rules[0].kinds & DG_KIND_INTERPRETED);
	assert_int_equal(hdr.n_interpreters, 0);
	assert_int_equal(hdr.interp_id, 0);
	dg_policy_free(p);

	/* an exception naming the kind does not turn it on: only a rule judges */
	p = from("exceptions:\n  - name: e0\n    path: /opt/\n    kind: [interpreted]\n" R0);
	assert_int_equal(p->rules[0].kinds, DG_KIND_INTERPRETED);
	hdr = compiled(p);
	assert_int_equal(hdr.n_interpreters, 0);
	dg_policy_free(p);
}

static void test_default_list(void **state)
{
	struct dg_policy *p = from(INTERPRETED_RULE);
	struct dg_policy_hdr hdr = compiled(p);
	const char *const *names;
	size_t n;

	(void)state;
	assert_int_equal(p->rules[0].kinds, DG_KIND_INTERPRETED);
	assert_int_equal(p->n_interpreters, 0);
	names = dg_policy_interpreters(p, &n);
	assert_true(n > 0 && n <= DG_MAX_INTERPRETERS);
	assert_string_equal(names[0], "sh");
	assert_int_equal(hdr.n_interpreters, n);
	assert_int_not_equal(hdr.interp_id, 0);
	/* the binaries' names, behind Debian's symlinks */
	assert_true(dg_interpreter_matches(&hdr, "sh"));
	assert_true(dg_interpreter_matches(&hdr, "dash"));
	assert_true(dg_interpreter_matches(&hdr, "bash"));
	assert_true(dg_interpreter_matches(&hdr, "python3.11"));
	assert_true(dg_interpreter_matches(&hdr, "perl5.36.0"));
	assert_true(dg_interpreter_matches(&hdr, "node"));
	/* not a shell: busybox is every applet, and names are whole */
	assert_false(dg_interpreter_matches(&hdr, "busybox"));
	assert_false(dg_interpreter_matches(&hdr, "cat"));
	assert_false(dg_interpreter_matches(&hdr, "shx"));
	assert_false(dg_interpreter_matches(&hdr, "bash "));
	assert_false(dg_interpreter_matches(&hdr, ""));
	dg_policy_free(p);
}

static void test_given_list(void **state)
{
	struct dg_policy *p =
		from("interpreters: [busybox, \"py*3\", \"*-wrapper\", sh]\n" INTERPRETED_RULE);
	struct dg_policy_hdr hdr = compiled(p), other;
	struct dg_policy *q;
	char long_name[DG_INTERP_EXE_NAME_MAX + 1];

	(void)state;
	assert_int_equal(p->n_interpreters, 4);
	assert_string_equal(p->interpreters[1], "py*3");
	assert_int_equal(hdr.n_interpreters, 4);
	assert_int_equal(hdr.interpreters[1].glob, 1);
	assert_string_equal(hdr.interpreters[1].prefix, "py");
	assert_string_equal(hdr.interpreters[1].suffix, "3");
	assert_int_equal(hdr.interpreters[0].glob, 0);
	assert_string_equal(hdr.interpreters[0].prefix, "busybox");
	assert_true(dg_interpreter_matches(&hdr, "busybox"));
	assert_true(dg_interpreter_matches(&hdr, "python3"));
	assert_true(dg_interpreter_matches(&hdr, "py3"));
	assert_false(dg_interpreter_matches(&hdr, "python3.11"));
	assert_true(dg_interpreter_matches(&hdr, "node-wrapper"));
	assert_true(dg_interpreter_matches(&hdr, "-wrapper"));
	assert_false(dg_interpreter_matches(&hdr, "bash")); /* the list replaces the default */
	/* a name longer than the kernel reads never matches, even by a glob */
	memset(long_name, 'a', sizeof(long_name));
	memcpy(long_name + DG_INTERP_EXE_NAME_MAX - 8, "-wrapper", 8);
	long_name[DG_INTERP_EXE_NAME_MAX] = '\0';
	assert_false(dg_interpreter_matches(&hdr, long_name));
	memmove(long_name + 1, long_name + 2, DG_INTERP_EXE_NAME_MAX - 1);
	assert_true(dg_interpreter_matches(&hdr, long_name)); /* 63 bytes */
	/* a single name stands for a list of one; another list has another id */
	q = from("interpreters: bash\n" INTERPRETED_RULE);
	other = compiled(q);
	assert_int_equal(q->n_interpreters, 1);
	assert_int_not_equal(other.interp_id, hdr.interp_id);
	assert_int_not_equal(other.interp_id, 0);
	dg_policy_free(q);
	dg_policy_free(p);
}

static const struct rules_err_case err_cases[] = {
	{"interpreters: [sh]\n" R0, "t.yaml:1:15: interpreters: ", "no rule has kind interpreted"},
	{"interpreters: [sh]\nexceptions:\n  - name: e\n    path: /x\n    kind: interpreted\n" R0,
	 "t.yaml:1:15: interpreters: ", "no rule has kind interpreted"},
	{"interpreters: []\n" INTERPRETED_RULE, "t.yaml:1:15: interpreters: ", "program name"},
	{"interpreters:\n" INTERPRETED_RULE, "t.yaml:", "interpreters"},
	{"interpreters: {sh: 1}\n" INTERPRETED_RULE, "t.yaml:1:15: interpreters: ", ""},
	{"interpreters: [/bin/sh]\n" INTERPRETED_RULE,
	 "t.yaml:1:16: interpreters[0]: ", "is not a program name"},
	{"interpreters: [\"a b\"]\n" INTERPRETED_RULE,
	 "t.yaml:1:16: interpreters[0]: ", "is not a program name"},
	{"interpreters: [sh, \"*\"]\n" INTERPRETED_RULE,
	 "t.yaml:1:20: interpreters[1]: ", "would make every program an interpreter"},
	{"interpreters: [\"p*y*\"]\n" INTERPRETED_RULE,
	 "t.yaml:1:16: interpreters[0]: ", "more than one '*'"},
	{"interpreters: [sh, bash, sh]\n" INTERPRETED_RULE,
	 "t.yaml:1:26: interpreters[2]: ", "\"sh\" is listed twice"},
	{"interpreters: [a1, a2, a3, a4, a5, a6, a7, a8, a9, b1, b2, b3, b4, b5, b6, b7, "
	 "b8]\n" INTERPRETED_RULE,
	 "t.yaml:1:15: interpreters: ", "17 programs; the kernel keeps at most 16"},
	{"interpreters: [aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n" INTERPRETED_RULE,
	 "t.yaml:1:16: interpreters[0]: ", "the part before '*' may have at most 31 bytes"},
	{"interpreters: [\"x*aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]\n" INTERPRETED_RULE,
	 "t.yaml:1:16: interpreters[0]: ", "the part after '*' may have at most 31 bytes"},
	{"rules:\n  - name: r0\n    match: {origin: upper, kind: interpretd}\n    action: block\n",
	 "t.yaml:3:34: rules[0].match.kind: ", "not one of binary, script, mapping, interpreted"},
};

static void test_errors(void **state)
{
	(void)state;
	assert_int_equal(
		rules_err_cases_failed(err_cases, sizeof(err_cases) / sizeof(err_cases[0])), 0);
}

/* The reference evaluators treat the kind as any other: a rule on it decides it alone. */
static void test_decide(void **state)
{
	struct dg_policy *p = from(INTERPRETED_RULE);
	struct dg_exec_facts f = in_web();
	int idx = 5;

	(void)state;
	f.kind = DG_KIND_INTERPRETED;
	f.path = "/x.sh";
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_BLOCK);
	assert_int_equal(idx, 0);
	f.kind = DG_KIND_SCRIPT;
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_NONE);
	f.kind = DG_KIND_INTERPRETED;
	f.origin = DG_ORIGIN_IMAGE;
	assert_int_equal(dg_policy_decide(p, &f, &idx), DG_VERDICT_NONE);
	dg_policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_is_opt_in), cmocka_unit_test(test_default_list),
		cmocka_unit_test(test_given_list),     cmocka_unit_test(test_errors),
		cmocka_unit_test(test_decide),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
