// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of dg_profile_merge(): union of allows, strictest default,
 * refusals, and the fate of non-allow rules.
 */
#include <errno.h>

#include "generator/learned.h"
#include "generator/profile_load.h"
#include "test_common.h"

static struct dg_profile *from(const char *text)
{
	struct dg_profile *p = NULL;

	if (dg_profile_parse_string(text, "t.json", &p) < 0)
		fail_msg("%s", dg_errmsg());
	return p;
}

static size_t count_rules(const struct dg_profile *p, enum dg_action_kind kind, bool with_args)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_rules; i++)
		n += p->rules[i].action.kind == kind && (p->rules[i].n_args > 0) == with_args;
	return n;
}

static void test_merge_files(void **state)
{
	struct dg_profile *in[2] = {load("merge_a.json"), load("merge_b.json")};
	struct dg_profile *m = NULL;
	const struct dg_rule *allow, *enosys;
	static const char *const want[] = {"clone3", "close", "exit_group",
					   "openat", "read",  "write"};

	(void)state;
	assert_int_equal(dg_profile_merge(in, 2, &m), 0);
	assert_non_null(m);

	/* Architectures: union in first-seen order; flags: union. */
	assert_int_equal(m->n_arches, 3);
	assert_int_equal(m->arches[0], SCMP_ARCH_X86_64);
	assert_int_equal(m->arches[1], SCMP_ARCH_X86);
	assert_int_equal(m->arches[2], SCMP_ARCH_AARCH64);
	assert_int_equal(m->n_flags, 1);
	assert_int_equal(m->default_action.kind, DG_ACT_ERRNO);
	assert_int_equal(m->default_action.ret, 1);

	/* One sorted unconditional ALLOW rule, first. */
	assert_int_equal(count_rules(m, DG_ACT_ALLOW, false), 1);
	allow = &m->rules[0];
	assert_int_equal(allow->action.kind, DG_ACT_ALLOW);
	assert_int_equal(allow->n_names, 6);
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(allow->names[i], want[i]);

	/* clone3 -> ENOSYS of input 1 dropped, as input 2 allows clone3; openat2 kept. */
	assert_null(find_rule(m, DG_ACT_ERRNO, false, "clone3"));
	enosys = find_rule(m, DG_ACT_ERRNO, false, "openat2");
	assert_non_null(enosys);
	assert_int_equal(enosys->n_names, 1);
	assert_int_equal(enosys->action.ret, 38);

	/* The identical conditional socket rules of both inputs: kept once. */
	assert_int_equal(count_rules(m, DG_ACT_ALLOW, true), 1);
	assert_non_null(find_rule(m, DG_ACT_ALLOW, true, "socket"));
	assert_int_equal(m->n_rules, 3);
	assert_int_equal(dg_profile_validate(m), 0);

	dg_profile_free(m);
	dg_profile_free(in[0]);
	dg_profile_free(in[1]);
}

static void test_merge_strictest_default(void **state)
{
	struct dg_profile *in[3] = {
		from("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
		     "[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]}"),
		from("{\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\",\"syscalls\":"
		     "[{\"names\":[\"write\"],\"action\":\"SCMP_ACT_ALLOW\"}]}"),
		from("{\"defaultAction\":\"SCMP_ACT_TRAP\"}"),
	};
	struct dg_profile *m = NULL;

	(void)state;
	assert_int_equal(dg_profile_merge(in, 3, &m), 0);
	assert_int_equal(m->default_action.kind, DG_ACT_KILL_PROCESS);
	assert_int_equal(m->n_rules, 1);
	assert_int_equal(m->rules[0].n_names, 2);
	dg_profile_free(m);

	/* Same kind, another errno: the first is kept (with a warning). */
	dg_profile_free(in[1]);
	in[1] = from("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38}");
	assert_int_equal(dg_profile_merge(in, 2, &m), 0);
	assert_int_equal(m->default_action.kind, DG_ACT_ERRNO);
	assert_false(m->default_action.has_ret);
	dg_profile_free(m);

	for (size_t i = 0; i < 3; i++)
		dg_profile_free(in[i]);
}

static void test_merge_refuses_permissive_default(void **state)
{
	struct dg_profile *in[2] = {load("merge_a.json"), load("allow_default.json")};
	struct dg_profile *m = NULL;

	(void)state;
	assert_int_equal(dg_profile_merge(in, 2, &m), -EINVAL);
	assert_null(m);
	assert_contains(dg_errmsg(),
			"input 2: default action SCMP_ACT_ALLOW permits every syscall");
	dg_profile_free(in[1]);
	in[1] = from("{\"defaultAction\":\"SCMP_ACT_LOG\"}");
	assert_int_equal(dg_profile_merge(in, 2, &m), -EINVAL);
	assert_contains(dg_errmsg(), "input 2: default action SCMP_ACT_LOG");
	assert_int_equal(dg_profile_merge(in, 0, &m), -EINVAL);
	assert_contains(dg_errmsg(), "nothing to merge");
	dg_profile_free(in[0]);
	dg_profile_free(in[1]);
}

static void test_merge_refuses_listener_conflict(void **state)
{
	struct dg_profile *in[3] = {
		from("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"listenerPath\":\"/run/a.sock\","
		     "\"syscalls\":[{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}"),
		from("{\"defaultAction\":\"SCMP_ACT_ERRNO\"}"),
		from("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"listenerPath\":\"/run/b.sock\"}"),
	};
	struct dg_profile *m = NULL;

	(void)state;
	assert_int_equal(dg_profile_merge(in, 3, &m), -EINVAL);
	assert_null(m);
	assert_contains(dg_errmsg(), "input 3: listenerPath \"/run/b.sock\" differs from "
				     "\"/run/a.sock\" of input 1");
	/* The same listener on both sides is fine, and it is kept. */
	assert_int_equal(dg_profile_merge(in, 2, &m), 0);
	assert_string_equal(m->listener_path, "/run/a.sock");
	assert_non_null(find_rule(m, DG_ACT_NOTIFY, false, "mount"));
	dg_profile_free(m);
	for (size_t i = 0; i < 3; i++)
		dg_profile_free(in[i]);
}

static void test_merge_non_allow_actions(void **state)
{
	struct dg_profile *in[3] = {
		from("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
		     "{\"names\":[\"clone3\",\"ptrace\",\"mount\"],\"action\":\"SCMP_ACT_ERRNO\","
		     "\"errnoRet\":38},"
		     "{\"names\":[\"kexec_load\"],\"action\":\"SCMP_ACT_LOG\"}]}"),
		from("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
		     "{\"names\":[\"ptrace\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"},"
		     "{\"names\":[\"kexec_load\"],\"action\":\"SCMP_ACT_KILL\"},"
		     "{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_ALLOW\","
		     "\"args\":[{\"index\":3,\"value\":1,\"op\":\"SCMP_CMP_MASKED_EQ\","
		     "\"valueTwo\":1}]}]}"),
		from("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
		     "{\"names\":[\"clone3\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}"),
	};
	struct dg_profile *m = NULL;
	const struct dg_rule *r;

	(void)state;
	assert_int_equal(dg_profile_merge(in, 3, &m), 0);
	/* Strictest action for ptrace. */
	r = find_rule(m, DG_ACT_KILL_PROCESS, false, "ptrace");
	assert_non_null(r);
	assert_null(find_rule(m, DG_ACT_ERRNO, false, "ptrace"));
	/* Same kind, another errno: the earlier input's ENOSYS stays. */
	r = find_rule(m, DG_ACT_ERRNO, false, "clone3");
	assert_non_null(r);
	assert_int_equal(r->action.ret, 38);
	/* LOG lets the call run: the union keeps it over a kill. */
	assert_non_null(find_rule(m, DG_ACT_LOG, false, "kexec_load"));
	assert_null(find_rule(m, DG_ACT_KILL_THREAD, false, "kexec_load"));
	/* mount is allowed with conditions by input 2: its unconditional ERRNO goes. */
	assert_non_null(find_rule(m, DG_ACT_ALLOW, true, "mount"));
	assert_null(find_rule(m, DG_ACT_ERRNO, false, "mount"));
	assert_int_equal(count_rules(m, DG_ACT_ALLOW, false), 0);
	assert_int_equal(dg_profile_validate(m), 0);
	dg_profile_free(m);
	for (size_t i = 0; i < 3; i++)
		dg_profile_free(in[i]);
}

static void test_merge_conditional_denials(void **state)
{
	struct dg_profile *in[2] = {
		from("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
		     "{\"names\":[\"personality\",\"socket\"],\"action\":\"SCMP_ACT_ERRNO\","
		     "\"args\":[{\"index\":0,\"value\":40,\"op\":\"SCMP_CMP_EQ\"}]}]}"),
		from("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
		     "{\"names\":[\"socket\"],\"action\":\"SCMP_ACT_ALLOW\"}]}"),
	};
	struct dg_profile *m = NULL;
	const struct dg_rule *r;

	(void)state;
	assert_int_equal(dg_profile_merge(in, 2, &m), 0);
	/* socket is allowed outright by input 2: the conditional denial keeps personality only. */
	r = find_rule(m, DG_ACT_ERRNO, true, "personality");
	assert_non_null(r);
	assert_int_equal(r->n_names, 1);
	assert_null(find_rule(m, DG_ACT_ERRNO, true, "socket"));
	assert_non_null(find_rule(m, DG_ACT_ALLOW, false, "socket"));
	dg_profile_free(m);
	dg_profile_free(in[0]);
	dg_profile_free(in[1]);
}

static void test_merge_single_and_idempotent(void **state)
{
	struct dg_profile *a = load("valid.json"), *m = NULL, *mm = NULL;
	struct dg_profile *in[2] = {a, a};
	char *s1, *s2;

	(void)state;
	assert_int_equal(dg_profile_merge(in, 1, &m), 0);
	assert_int_equal(dg_profile_merge(in, 2, &mm), 0);
	/* Only the comments differ: they count the inputs. */
	assert_int_equal(dg_profile_set_comment(m, NULL), 0);
	assert_int_equal(dg_profile_set_comment(mm, NULL), 0);
	s1 = dg_profile_to_string(m);
	s2 = dg_profile_to_string(mm);
	assert_string_equal(s1, s2);
	assert_int_equal(m->n_rules, a->n_rules);
	free(s1);
	free(s2);
	dg_profile_free(m);
	dg_profile_free(mm);
	dg_profile_free(a);
}

/* The merged profile says what it was merged from; the inputs' comments survive. */
static void test_merge_comments(void **state)
{
	struct dg_profile *a = from("{\"comment\": \"learned from container runc:web\", "
				    "\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": []}");
	struct dg_profile *b = from("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": []}");
	struct dg_profile *in[2] = {a, b}, *m = NULL, *back = NULL;
	char *text;

	(void)state;
	assert_string_equal(a->comment, "learned from container runc:web");
	assert_null(b->comment);
	assert_int_equal(dg_profile_merge(in, 2, &m), 0);
	assert_string_equal(m->comment, "merged by driftguard from: learned from container "
					"runc:web | input 2 (no comment)");
	text = dg_profile_to_string(m);
	assert_non_null(text);
	assert_int_equal(dg_profile_parse_string(text, "m.json", &back), 0);
	assert_string_equal(back->comment, m->comment);
	free(text);
	dg_profile_free(back);
	dg_profile_free(m);
	dg_profile_free(b);
	dg_profile_free(a);
}

static void test_merge_result_must_compile(void **state)
{
	/* Inputs that are not valid (built by code) give a merge error, never a bad profile. */
	struct dg_profile *a = dg_profile_new(), *m = NULL;
	struct dg_action allow = {.kind = DG_ACT_ALLOW};
	struct dg_arg arg = {.index = 6, .value = 1, .op = SCMP_CMP_EQ};
	const char *names[] = {"read"};

	(void)state;
	assert_int_equal(dg_profile_add_rule(a, names, 1, &allow, &arg, 1), 0);
	assert_int_equal(dg_profile_merge(&a, 1, &m), -EINVAL);
	assert_null(m);
	assert_contains(dg_errmsg(), "the merged profile does not compile: syscalls[0] (\"read\")");
	dg_profile_free(a);
}

/* A socket rule for family 16 (AF_NETLINK) with this action, and what else the profile allows. */
static struct dg_profile *netlink_rule(const char *allow, const char *action, int errno_ret,
				       bool swap_args)
{
	char text[1024], ret[32] = "";
	const char *a = "{\"index\":0,\"value\":16,\"op\":\"SCMP_CMP_EQ\"}";
	const char *b = "{\"index\":2,\"value\":9,\"op\":\"SCMP_CMP_EQ\"}";

	if (errno_ret >= 0)
		snprintf(ret, sizeof(ret), ",\"errnoRet\":%d", errno_ret);
	snprintf(text, sizeof(text),
		 "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":["
		 "{\"names\":[\"%s\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		 "{\"names\":[\"socket\"],\"action\":\"%s\"%s,\"args\":[%s,%s]}]}",
		 allow, action, ret, swap_args ? b : a, swap_args ? a : b);
	return from(text);
}

/* issue 10: conditional ERRNO rules that differ only in errnoRet made libseccomp refuse. */
static void test_merge_conditional_errno_conflict(void **state)
{
	struct dg_profile *in[3] = {
		netlink_rule("read", "SCMP_ACT_ERRNO", ENOSYS, false),
		netlink_rule("write", "SCMP_ACT_ERRNO", EINVAL, true),
		netlink_rule("close", "SCMP_ACT_ERRNO", -1, false),
	};
	struct dg_profile *rev[2] = {in[1], in[0]}, *m = NULL;
	const struct dg_rule *r;

	(void)state;
	/* The same comparisons in another order are the same condition. */
	assert_int_equal(dg_profile_merge(in, 3, &m), 0);
	assert_int_equal(count_rules(m, DG_ACT_ERRNO, true), 1);
	r = find_rule(m, DG_ACT_ERRNO, true, "socket");
	assert_non_null(r);
	/* Both deny: the earlier input's errno stays (with a warning naming both). */
	assert_int_equal(r->action.ret, ENOSYS);
	assert_int_equal(r->n_args, 2);
	assert_int_equal(m->rules[0].n_names, 3);
	assert_int_equal(dg_profile_validate(m), 0);
	dg_profile_free(m);

	assert_int_equal(dg_profile_merge(rev, 2, &m), 0);
	assert_int_equal(find_rule(m, DG_ACT_ERRNO, true, "socket")->action.ret, EINVAL);
	dg_profile_free(m);
	for (size_t i = 0; i < 3; i++)
		dg_profile_free(in[i]);
}

static void test_merge_conditional_actions(void **state)
{
	struct dg_profile *in[3] = {
		netlink_rule("read", "SCMP_ACT_ERRNO", ENOSYS, false),
		netlink_rule("write", "SCMP_ACT_KILL_PROCESS", -1, true),
		netlink_rule("close", "SCMP_ACT_ALLOW", -1, false),
	};
	struct dg_profile *m = NULL;

	(void)state;
	/* Different actions for the same condition: the strictest, as for unconditional names. */
	assert_int_equal(dg_profile_merge(in, 2, &m), 0);
	assert_non_null(find_rule(m, DG_ACT_KILL_PROCESS, true, "socket"));
	assert_null(find_rule(m, DG_ACT_ERRNO, true, "socket"));
	dg_profile_free(m);
	/* ... but an allow for that condition is the union's. */
	assert_int_equal(dg_profile_merge(in, 3, &m), 0);
	assert_non_null(find_rule(m, DG_ACT_ALLOW, true, "socket"));
	assert_int_equal(count_rules(m, DG_ACT_ALLOW, true), 1);
	assert_int_equal(m->n_rules, 2);
	assert_int_equal(dg_profile_validate(m), 0);
	dg_profile_free(m);
	for (size_t i = 0; i < 3; i++)
		dg_profile_free(in[i]);
}

/* Names a learned profile has (x86-64 numbers). */
static struct dg_profile *learned_profile(void)
{
	static const char *const seen[] = {"read", "write",  "openat", "close", "exit_group",
					   "mmap", "execve", "mount",  "clone3"};
	struct dg_syscalls *s = calloc(1, sizeof(*s));
	struct dg_profile *p = NULL;

	assert_non_null(s);
	for (size_t i = 0; i < sizeof(seen) / sizeof(seen[0]); i++)
		s->seen[DG_ABI_X86_64]
		       [seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, seen[i])] = 1;
	assert_int_equal(dg_profile_from_syscalls(s, 0, &p), 0);
	free(s);
	return p;
}

static bool allows_outright(const struct dg_profile *p, const char *name)
{
	return find_rule(p, DG_ACT_ALLOW, false, name) != NULL;
}

static void test_merge_learned_with_docker_default(void **state)
{
	struct dg_profile_host h = {.arch = SCMP_ARCH_X86_64, .kernel = 6, .major = 18};
	struct dg_problems problems = {0};
	struct dg_profile *in[2] = {learned_profile(), NULL}, *m = NULL;
	const struct dg_rule *allow;

	(void)state;
	assert_int_equal(dg_caps_set_parse("docker", &h.caps), 0);
	assert_int_equal(dg_profile_read_file(data_path("upstream/moby-default.json"), &h,
					      &problems, &in[1]),
			 0);
	assert_int_equal(dg_profile_merge(in, 2, &m), 0);
	assert_int_equal(dg_profile_validate(m), 0);
	/* The union: every name either input allows outright is allowed outright. */
	for (size_t i = 0; i < 2; i++) {
		for (size_t k = 0; k < in[i]->n_rules; k++) {
			const struct dg_rule *r = &in[i]->rules[k];

			for (size_t j = 0;
			     r->action.kind == DG_ACT_ALLOW && !r->n_args && j < r->n_names; j++)
				assert_true(allows_outright(m, r->names[j]));
		}
	}
	/* Docker's conditional allows stay; the learned clone3 wins over Docker's ENOSYS. */
	assert_int_equal(count_rules(m, DG_ACT_ALLOW, true),
			 count_rules(in[1], DG_ACT_ALLOW, true));
	assert_true(allows_outright(m, "mount"));
	assert_true(allows_outright(m, "clone3"));
	assert_null(find_rule(m, DG_ACT_ERRNO, false, "clone3"));
	/* The learned ENOSYS fallbacks that Docker allows are gone; nothing else is denied. */
	allow = &m->rules[0];
	assert_int_equal(allow->action.kind, DG_ACT_ALLOW);
	for (size_t k = 1; k < m->n_rules; k++) {
		for (size_t j = 0; !m->rules[k].n_args && j < m->rules[k].n_names; j++)
			assert_false(allows_outright(m, m->rules[k].names[j]));
	}
	assert_null(find_rule(m, DG_ACT_ERRNO, false, "statx"));
	assert_int_equal(m->default_action.ret, 1);
	assert_int_equal(m->n_arches, 3);
	dg_profile_free(m);
	dg_profile_free(in[0]);
	dg_profile_free(in[1]);
	dg_problems_free(&problems);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_files),
		cmocka_unit_test(test_merge_strictest_default),
		cmocka_unit_test(test_merge_refuses_permissive_default),
		cmocka_unit_test(test_merge_refuses_listener_conflict),
		cmocka_unit_test(test_merge_non_allow_actions),
		cmocka_unit_test(test_merge_conditional_denials),
		cmocka_unit_test(test_merge_single_and_idempotent),
		cmocka_unit_test(test_merge_result_must_compile),
		cmocka_unit_test(test_merge_comments),
		cmocka_unit_test(test_merge_conditional_errno_conflict),
		cmocka_unit_test(test_merge_conditional_actions),
		cmocka_unit_test(test_merge_learned_with_docker_default),
	};

	seccomp_host_independent();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
