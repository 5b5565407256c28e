// SPDX-License-Identifier: GPL-2.0-only
/*
 * Recorded syscall bytes -> profile: names per ABI from libseccomp, the
 * architectures actually used, the ENOSYS fallbacks, what is always allowed
 * and the runtime baselines.
 * x32 cannot be exercised on a real kernel here (Debian kernels lack
 * CONFIG_X86_X32_ABI), so its naming is tested through the generator.
 */
#include "test_common.h"

#include <errno.h>

#include "common/errors.h"
#include "generator/learned.h"
#include "generator/runtime_baselines.h"

static struct dg_syscalls *new_set(void)
{
	struct dg_syscalls *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	return s;
}

static bool rule_has(const struct dg_rule *r, const char *name)
{
	for (size_t i = 0; i < r->n_names; i++)
		if (!strcmp(r->names[i], name))
			return true;
	return false;
}

static const struct dg_rule *allow_rule(const struct dg_profile *p)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].action.kind == DG_ACT_ALLOW && !p->rules[i].n_args)
			return &p->rules[i];
	fail_msg("no unconditional ALLOW rule");
	return NULL;
}

static bool has_arch(const struct dg_profile *p, uint32_t arch)
{
	for (size_t i = 0; i < p->n_arches; i++)
		if (p->arches[i] == arch)
			return true;
	return false;
}

static void test_i386_named_with_i386_table(void **state)
{
	struct dg_syscalls *s = new_set();
	struct dg_profile *p = NULL;

	(void)state;
	s->seen[DG_ABI_X86_64][59] = 1; /* execve */
	s->seen[DG_ABI_I386][20] = 1;	/* i386 getpid; x86-64 20 is writev */
	assert_int_equal(dg_profile_from_syscalls(s, 0, &p), 0);
	assert_true(rule_has(allow_rule(p), "getpid"));
	assert_true(rule_has(allow_rule(p), "execve"));
	assert_false(rule_has(allow_rule(p), "writev"));
	assert_true(has_arch(p, SCMP_ARCH_X86_64));
	assert_true(has_arch(p, SCMP_ARCH_X86));
	assert_false(has_arch(p, SCMP_ARCH_X32));
	assert_int_equal(p->default_action.kind, DG_ACT_ERRNO);
	assert_int_equal(p->default_action.ret, 1);
	assert_int_equal(dg_profile_validate(p), 0);
	dg_profile_free(p);
	free(s);
}

static void test_x32_named_and_listed(void **state)
{
	struct dg_syscalls *s = new_set();
	struct dg_profile *p = NULL;

	(void)state;
	s->seen[DG_ABI_X32][0] = 1;   /* read */
	s->seen[DG_ABI_X32][512] = 1; /* x32 rt_sigaction (x32-only number) */
	assert_int_equal(dg_profile_from_syscalls(s, 0, &p), 0);
	assert_true(rule_has(allow_rule(p), "read"));
	assert_true(rule_has(allow_rule(p), "rt_sigaction"));
	assert_true(has_arch(p, SCMP_ARCH_X32));
	assert_true(has_arch(p, SCMP_ARCH_X86_64)); /* native: always */
	assert_false(has_arch(p, SCMP_ARCH_X86));
	dg_profile_free(p);
	free(s);
}

static void test_names_sorted_unique_across_abis(void **state)
{
	struct dg_syscalls *s = new_set();
	struct dg_profile *p = NULL;
	const struct dg_rule *r;

	(void)state;
	s->seen[DG_ABI_X86_64][0] = 1; /* read */
	s->seen[DG_ABI_I386][3] = 1;   /* read */
	s->seen[DG_ABI_X86_64][1] = 1; /* write */
	assert_int_equal(dg_profile_from_syscalls(s, 0, &p), 0);
	r = allow_rule(p);
	for (size_t i = 1; i < r->n_names; i++)
		assert_true(strcmp(r->names[i - 1], r->names[i]) < 0);
	dg_profile_free(p);
	free(s);
}

static void test_enosys_for_unrecorded_fallbacks_only(void **state)
{
	struct dg_syscalls *s = new_set();
	struct dg_profile *p = NULL;
	const struct dg_rule *enosys = NULL;

	(void)state;
	s->seen[DG_ABI_X86_64][435] = 1; /* clone3 recorded: allowed, not ENOSYS */
	assert_int_equal(dg_profile_from_syscalls(s, 0, &p), 0);
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].action.kind == DG_ACT_ERRNO && p->rules[i].action.ret == ENOSYS)
			enosys = &p->rules[i];
	assert_non_null(enosys);
	assert_false(rule_has(enosys, "clone3"));
	assert_true(rule_has(enosys, "faccessat2"));
	assert_true(rule_has(allow_rule(p), "clone3"));
	dg_profile_free(p);
	free(s);
}

static void test_always_and_runtime_baselines(void **state)
{
	struct dg_syscalls *s = new_set();
	struct dg_profile *p = NULL;

	(void)state;
	s->seen[DG_ABI_X86_64][59] = 1;
	assert_int_equal(dg_profile_from_syscalls(s, 0, &p), 0);
	assert_true(rule_has(allow_rule(p), "rt_sigreturn"));
	assert_true(rule_has(allow_rule(p), "exit"));
	assert_true(rule_has(allow_rule(p), "exit_group"));
	assert_false(rule_has(allow_rule(p), "futex"));
	dg_profile_free(p);
	/* runc (Go): its scheduler's syscalls; without noNewPrivileges, its privilege drop */
	assert_int_equal(dg_profile_from_syscalls(s, DG_BASELINE_RUNC, &p), 0);
	assert_true(rule_has(allow_rule(p), "futex"));
	assert_true(rule_has(allow_rule(p), "sched_yield"));
	assert_true(rule_has(allow_rule(p), "setuid"));
	assert_false(rule_has(allow_rule(p), "setresuid"));
	dg_profile_free(p);
	/* crun without noNewPrivileges: setresgid/setresuid */
	assert_int_equal(dg_profile_from_syscalls(s, DG_BASELINE_CRUN, &p), 0);
	assert_true(rule_has(allow_rule(p), "setresuid"));
	assert_true(rule_has(allow_rule(p), "setresgid"));
	assert_false(rule_has(allow_rule(p), "setgroups"));
	dg_profile_free(p);
	assert_int_equal(dg_profile_from_syscalls(s, DG_BASELINE_ALL, &p), 0);
	assert_true(rule_has(allow_rule(p), "setresuid"));
	assert_true(rule_has(allow_rule(p), "setgroups"));
	dg_profile_free(p);
	free(s);
}

static void test_baseline_names_and_descriptions(void **state)
{
	unsigned int which = 99;
	char buf[256];

	(void)state;
	assert_int_equal(dg_runtime_baseline_parse("all", &which), 0);
	assert_int_equal(which, DG_BASELINE_ALL);
	assert_int_equal(dg_runtime_baseline_parse("none", &which), 0);
	assert_int_equal(which, 0);
	assert_int_equal(dg_runtime_baseline_parse("crun", &which), 0);
	assert_int_equal(which, DG_BASELINE_CRUN);
	assert_int_equal(dg_runtime_baseline_parse("youki", &which), -EINVAL);
	assert_non_null(strstr(dg_errmsg(), "all, runc, crun or none"));
	dg_runtime_baseline_describe(0, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	dg_runtime_baseline_describe(DG_BASELINE_ALL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "runc, runc-nnp (runc "));
	assert_non_null(strstr(buf, "), crun, crun-nnp (crun "));
	dg_runtime_baseline_describe(DG_BASELINE_CRUN, buf, sizeof(buf));
	assert_null(strstr(buf, "runc"));
}

static void test_seen_by_name_on_any_abi(void **state)
{
	struct dg_syscalls *s = new_set();

	(void)state;
	assert_false(dg_syscalls_seen(s, "execve"));
	s->seen[DG_ABI_I386][11] = 1; /* i386 execve */
	assert_true(dg_syscalls_seen(s, "execve"));
	assert_false(dg_syscalls_seen(s, "execveat"));
	s->seen[DG_ABI_X32][545] = 1; /* x32 execveat, recorded without the x32 bit */
	assert_true(dg_syscalls_seen(s, "execveat"));
	assert_false(dg_syscalls_seen(s, "no_such_syscall"));
	free(s);
}

static void test_unnamed_number_is_not_invented(void **state)
{
	struct dg_syscalls *s = new_set();
	struct dg_profile *p = NULL;
	const struct dg_rule *r;

	(void)state;
	s->seen[DG_ABI_X86_64][1000] = 1; /* no such syscall */
	s->seen[DG_ABI_X86_64][59] = 1;
	assert_int_equal(dg_profile_from_syscalls(s, 0, &p), 0);
	r = allow_rule(p);
	for (size_t i = 0; i < r->n_names; i++)
		assert_true(seccomp_syscall_resolve_name(r->names[i]) != __NR_SCMP_ERROR);
	dg_profile_free(p);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_i386_named_with_i386_table),
		cmocka_unit_test(test_x32_named_and_listed),
		cmocka_unit_test(test_names_sorted_unique_across_abis),
		cmocka_unit_test(test_enosys_for_unrecorded_fallbacks_only),
		cmocka_unit_test(test_always_and_runtime_baselines),
		cmocka_unit_test(test_baseline_names_and_descriptions),
		cmocka_unit_test(test_seen_by_name_on_any_abi),
		cmocka_unit_test(test_unnamed_number_is_not_invented),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
