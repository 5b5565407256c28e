// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of reading profiles as the container engines do
 * (generator/profile_load.h): Docker's and Podman's default profiles, the
 * conditions (includes/excludes: arches, caps, minKernel; archMap) evaluated
 * for a given host, Podman's errno names, unknown syscall names as warnings,
 * and every problem of a file reported in one run.
 * Data files: $DG_TEST_DATA or -DTEST_DATA_DIR (tests/unit/data).
 */
#include <errno.h>

#include <jansson.h>
#include <sys/capability.h>

#include "generator/profile_load.h"
#include "test_common.h"

#define MOBY "upstream/moby-default.json"
#define PODMAN "upstream/podman-seccomp.json"

/* An x86_64 machine with kernel 6.18 and a container with caps (a dg_caps_set_parse list). */
static struct dg_profile_host host_for(uint32_t arch, unsigned int kernel, unsigned int major,
				       const char *caps)
{
	struct dg_profile_host h = {.arch = arch, .kernel = kernel, .major = major};

	assert_int_equal(dg_caps_set_parse(caps, &h.caps), 0);
	return h;
}

/* Reads name from the data directory for h; fails the test on errors. */
static struct dg_profile *read_for(const char *name, const struct dg_profile_host *h,
				   struct dg_problems *problems)
{
	struct dg_profile *p = NULL;
	int rc = dg_profile_read_file(data_path(name), h, problems, &p);

	if (rc < 0)
		fail_msg("%s: %s", name, dg_errmsg());
	assert_int_equal(problems->n_errors, 0);
	assert_int_equal(dg_profile_validate(p), 0);
	return p;
}

static size_t count_warnings(const struct dg_problems *problems, const char *needle)
{
	size_t n = 0;

	for (size_t i = 0; i < problems->n; i++)
		n += !problems->v[i].error && strstr(problems->v[i].msg, needle);
	return n;
}

/* The problem that contains needle; fails when there is none. */
static const struct dg_problem *problem(const struct dg_problems *problems, const char *needle)
{
	for (size_t i = 0; i < problems->n; i++) {
		if (strstr(problems->v[i].msg, needle))
			return &problems->v[i];
	}
	fail_msg("no problem contains \"%s\"", needle);
	return NULL;
}

static bool allows(const struct dg_profile *p, const char *name)
{
	return find_rule(p, DG_ACT_ALLOW, false, name) != NULL;
}

/* Each warning names, at its JSON path, a syscall this libseccomp does not know. */
static void assert_unknown_name_warnings(const struct dg_problems *problems)
{
	for (size_t i = 0; i < problems->n; i++) {
		const char *q = strstr(problems->v[i].msg, "unknown syscall \"");
		char name[64];

		assert_false(problems->v[i].error);
		assert_non_null(q);
		assert_int_equal(sscanf(q, "unknown syscall \"%63[^\"]", name), 1);
		assert_int_equal(seccomp_syscall_resolve_name(name), __NR_SCMP_ERROR);
		assert_contains(problems->v[i].msg, "ignored: libseccomp");
		assert_contains(problems->v[i].msg, "runc and crun leave it out too");
	}
}

static bool libseccomp_is(unsigned int major, unsigned int minor, unsigned int micro)
{
	const struct scmp_version *v = seccomp_version();

	return v->major == major && v->minor == minor && v->micro == micro;
}

static void test_moby_default(void **state)
{
	struct dg_profile_host h = host_for(SCMP_ARCH_X86_64, 6, 18, "docker");
	struct dg_problems problems = {0};
	struct dg_profile *p;
	const struct dg_rule *r;

	(void)state;
	p = read_for(MOBY, &h, &problems);
	assert_unknown_name_warnings(&problems);
	/* The names of the unconditional rule that Linux added after libseccomp 2.5.4. */
	if (libseccomp_is(2, 5, 4))
		assert_int_equal(problems.n, 9);
	assert_int_equal(p->default_action.kind, DG_ACT_ERRNO);
	assert_int_equal(p->default_action.ret, 1);
	/* archMap: x86_64 and its sub-architectures. */
	assert_int_equal(p->n_arches, 3);
	assert_int_equal(p->arches[0], SCMP_ARCH_X86_64);
	assert_int_equal(p->arches[1], SCMP_ARCH_X86);
	assert_int_equal(p->arches[2], SCMP_ARCH_X32);
	assert_true(allows(p, "read"));
	assert_true(allows(p, "ptrace"));     /* includes minKernel 4.8 */
	assert_true(allows(p, "arch_prctl")); /* includes arches amd64 */
	assert_false(allows(p, "arm_fadvise64_64"));
	assert_false(allows(p, "mount")); /* includes caps CAP_SYS_ADMIN */
	assert_true(allows(p, "chroot")); /* CAP_SYS_CHROOT is Docker's */
	r = find_rule(p, DG_ACT_ERRNO, false, "clone3");
	assert_non_null(r);
	assert_int_equal(r->action.ret, ENOSYS);
	assert_non_null(find_rule(p, DG_ACT_ALLOW, true, "personality"));
	dg_profile_free(p);
	dg_problems_free(&problems);

	/* With every capability: CAP_SYS_ADMIN's rules in, clone3's ENOSYS out. */
	h = host_for(SCMP_ARCH_X86_64, 6, 18, "all");
	p = read_for(MOBY, &h, &problems);
	assert_unknown_name_warnings(&problems);
	if (libseccomp_is(2, 5, 4))
		assert_int_equal(problems.n, 12); /* + lsm_* of the CAP_SYS_ADMIN rule */
	assert_true(allows(p, "mount"));
	assert_true(allows(p, "clone3"));
	assert_null(find_rule(p, DG_ACT_ERRNO, false, "clone3"));
	dg_profile_free(p);
	dg_problems_free(&problems);
}

static void test_moby_default_elsewhere(void **state)
{
	struct dg_profile_host h = host_for(SCMP_ARCH_AARCH64, 4, 4, "docker");
	struct dg_problems problems = {0};
	struct dg_profile *p;

	(void)state;
	p = read_for(MOBY, &h, &problems);
	assert_int_equal(p->n_arches, 2);
	assert_int_equal(p->arches[0], SCMP_ARCH_AARCH64);
	assert_int_equal(p->arches[1], SCMP_ARCH_ARM);
	assert_true(allows(p, "arm_fadvise64_64"));
	assert_false(allows(p, "arch_prctl"));
	assert_false(allows(p, "ptrace")); /* kernel 4.4 < 4.8 */
	dg_profile_free(p);
	dg_problems_free(&problems);
}

static void test_podman_default(void **state)
{
	struct dg_profile_host h = host_for(SCMP_ARCH_X86_64, 6, 18, "podman");
	struct dg_problems problems = {0};
	struct dg_profile *p;
	const struct dg_rule *r;

	(void)state;
	p = read_for(PODMAN, &h, &problems);
	assert_unknown_name_warnings(&problems);
	if (libseccomp_is(2, 5, 4))
		assert_int_equal(problems.n, 0);
	/* defaultErrno "ENOSYS" (with defaultErrnoRet 38). */
	assert_int_equal(p->default_action.kind, DG_ACT_ERRNO);
	assert_true(p->default_action.has_ret);
	assert_int_equal(p->default_action.ret, ENOSYS);
	assert_int_equal(p->n_arches, 3);
	/* errno "EPERM" with errnoRet 1; chroot allowed (CAP_SYS_CHROOT is Podman's). */
	r = find_rule(p, DG_ACT_ERRNO, false, "bdflush");
	assert_non_null(r);
	assert_int_equal(r->action.ret, EPERM);
	assert_true(allows(p, "chroot"));
	assert_null(find_rule(p, DG_ACT_ERRNO, false, "chroot"));
	/* Podman has no CAP_AUDIT_WRITE: socket is allowed with conditions, EINVAL for audit. */
	assert_false(allows(p, "socket"));
	r = find_rule(p, DG_ACT_ERRNO, true, "socket");
	assert_non_null(r);
	assert_int_equal(r->action.ret, EINVAL);
	dg_profile_free(p);
	dg_problems_free(&problems);

	/* Docker's set has CAP_AUDIT_WRITE: socket allowed outright. */
	h = host_for(SCMP_ARCH_X86_64, 6, 18, "docker");
	p = read_for(PODMAN, &h, &problems);
	assert_true(allows(p, "socket"));
	assert_null(find_rule(p, DG_ACT_ERRNO, true, "socket"));
	dg_profile_free(p);
	dg_problems_free(&problems);
}

static void test_upstream_strict(void **state)
{
	struct dg_problems problems = {0};
	struct dg_profile *p = NULL;
	size_t unknown = 0;
	json_error_t e;
	json_t *root, *rule;
	size_t i, k;

	(void)state;
	/* Read as a runtime would: every engine key is one error, all in one run. */
	assert_int_equal(dg_profile_read_file(data_path(PODMAN), NULL, &problems, &p), -EINVAL);
	assert_null(p);
	assert_int_equal(problems.n_errors, 48);
	assert_int_equal(problems.n, 48);
	assert_contains(problem(&problems, "archMap")->msg, "\"archMap\" is Docker-only");
	assert_contains(problem(&problems, "syscalls[39].includes")->msg, "is Docker-only");
	assert_contains(dg_errmsg(), "(and 47 more problems)");
	dg_problems_free(&problems);

	/* moby: 26 engine keys, and the names libseccomp does not know are errors too. */
	root = json_load_file(data_path(MOBY), 0, &e);
	assert_non_null(root);
	json_array_foreach(json_object_get(root, "syscalls"), i, rule)
	{
		json_t *name;

		json_array_foreach(json_object_get(rule, "names"), k, name) unknown +=
			seccomp_syscall_resolve_name(json_string_value(name)) == __NR_SCMP_ERROR;
	}
	json_decref(root);
	assert_int_equal(dg_profile_read_file(data_path(MOBY), NULL, &problems, &p), -EINVAL);
	assert_int_equal(problems.n_errors, 26 + unknown);
	dg_problems_free(&problems);
}

static void test_engine_keys(void **state)
{
	struct dg_profile_host h = host_for(SCMP_ARCH_X86_64, 6, 18, "docker");
	struct dg_problems problems = {0};
	struct dg_profile *p;
	const struct dg_rule *r;

	(void)state;
	p = read_for("engine_keys.json", &h, &problems);
	assert_int_equal(problems.n, 3);
	assert_contains(problems.v[0].msg, "engine_keys.json: syscalls[0].names[2]: unknown "
					   "syscall \"nosuchcall\" ignored");
	assert_contains(problems.v[1].msg, "syscalls[2].names[0]: unknown syscall \"nosuchcall2\"");
	assert_contains(problems.v[2].msg,
			"syscalls[9].includes.caps[1]: unknown capability \"CAP_FUTURE_THING\" "
			"(libcap does not know it): taken as not in the container's set");
	assert_int_equal(p->default_action.ret, ENOSYS);
	assert_int_equal(p->n_arches, 3);
	assert_true(allows(p, "read"));
	assert_true(allows(p, "close")); /* the legacy "name" */
	assert_true(allows(p, "ptrace"));
	assert_false(allows(p, "pidfd_open")); /* excludes minKernel 5.3 */
	assert_true(allows(p, "arch_prctl"));
	assert_false(allows(p, "sync_file_range2"));
	assert_false(allows(p, "mount"));
	assert_false(allows(p, "chroot")); /* an unknown capability is never held */
	r = find_rule(p, DG_ACT_ERRNO, false, "clone3");
	assert_non_null(r);
	assert_int_equal(r->action.ret, ENOSYS);
	r = find_rule(p, DG_ACT_ERRNO, false, "acct");
	assert_non_null(r);
	assert_int_equal(r->action.ret, 1);
	/* Rules 0, 1, 3, 5, 8, 10: the rule of unknown names only is left out too. */
	assert_int_equal(p->n_rules, 6);
	dg_profile_free(p);
	dg_problems_free(&problems);

	h = host_for(SCMP_ARCH_AARCH64, 4, 4, "all,-CAP_SYS_CHROOT");
	p = read_for("engine_keys.json", &h, &problems);
	/* The CAP_SYS_ADMIN rule now applies: its unknown name is reported too. */
	assert_int_equal(count_warnings(&problems, "unknown syscall"), 3);
	assert_int_equal(p->n_arches, 2);
	assert_false(allows(p, "ptrace"));
	assert_true(allows(p, "pidfd_open"));
	assert_false(allows(p, "arch_prctl"));
	assert_true(allows(p, "sync_file_range2"));
	assert_true(allows(p, "mount"));
	assert_null(find_rule(p, DG_ACT_ERRNO, false, "clone3"));
	dg_profile_free(p);
	dg_problems_free(&problems);
}

/* broken_many.json has 13 distinct errors (and one warning): all come out of one read. */
static void test_every_problem_in_one_run(void **state)
{
	static const char *const expected[] = {
		"broken_many.json: extra: unknown key \"extra\"",
		"broken_many.json: defaultAction: unknown action \"SCMP_ACT_DENY\"",
		"broken_many.json: defaultErrno: unknown errno \"EFOO\"",
		"broken_many.json: archMap: both \"architectures\" and \"archMap\" are given",
		"broken_many.json: flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_NEW_LISTENER\"",
		"broken_many.json: syscalls[1].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE "
		"take a return value, not SCMP_ACT_ALLOW",
		"broken_many.json: syscalls[2].errno: \"errno\" EPERM (1) and \"errnoRet\" 38 "
		"disagree",
		"broken_many.json: syscalls[3].includes.caps[0]: \"sys_admin\" never matches",
		"broken_many.json: syscalls[4].excludes.arches[0]: unknown architecture \"x86_64\"",
		"broken_many.json: syscalls[5].includes.minKernel: invalid kernel version "
		"\"5.3.1\"",
		"broken_many.json: syscalls[6].name: both \"name\" and \"names\" are given",
		"broken_many.json: syscalls[7].args[0].index: 9 is out of range",
		"broken_many.json: syscalls[8].args[0].op: unknown operator \"EQ\"",
	};
	struct dg_profile_host h = host_for(SCMP_ARCH_X86_64, 6, 18, "docker");
	struct dg_problems problems = {0};
	struct dg_profile *p = NULL;
	const size_t n = sizeof(expected) / sizeof(expected[0]);

	(void)state;
	assert_int_equal(dg_profile_read_file(data_path("broken_many.json"), &h, &problems, &p),
			 -EINVAL);
	assert_null(p);
	assert_int_equal(problems.n_errors, n);
	assert_int_equal(problems.n, n + 1);
	for (size_t i = 0; i < n; i++)
		assert_true(problem(&problems, expected[i])->error);
	assert_false(problem(&problems, "unknown syscall \"nosuchcall\" ignored")->error);
	assert_contains(dg_errmsg(), "(and 12 more problems)");
	dg_problems_free(&problems);
}

static void test_condition_errors(void **state)
{
	static const struct {
		const char *rule, *message;
	} cases[] = {
		{"\"includes\":{\"minKernel\":\"0.0\"}", "it cannot be 0.0"},
		{"\"includes\":{\"minKernel\":\"256.1\"}", "each 0..255"},
		{"\"includes\":{\"minKernel\":\"4\"}", "write \"<kernel>.<major>\""},
		{"\"includes\":{\"minKernel\":4.8}", "minKernel: must be a string, not a real"},
		{"\"excludes\":{\"caps\":\"CAP_SYS_ADMIN\"}", "must be an array of strings"},
		{"\"excludes\":{\"arch\":[\"amd64\"]}", "excludes.arch: unknown key \"arch\""},
		{"\"includes\":[]", "includes: must be an object (caps, arches, minKernel)"},
		{"\"errno\":\"EFOO\"", "errno: unknown errno \"EFOO\""},
		{"\"errno\":\"70000\"", "errno: 70000 is out of range 0..65535"},
	};
	struct dg_profile_host h = host_for(SCMP_ARCH_X86_64, 6, 18, "docker");

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dg_problems problems = {0};
		struct dg_profile *p = NULL;
		char text[512];

		snprintf(
			text, sizeof(text),
			"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],"
			"\"action\":\"SCMP_ACT_ERRNO\",%s}]}",
			cases[i].rule);
		assert_int_equal(dg_profile_read_string(text, "t.json", &h, &problems, &p),
				 -EINVAL);
		assert_int_equal(problems.n_errors, 1);
		assert_contains(problems.v[0].msg, cases[i].message);
		dg_problems_free(&problems);
	}
}

static void test_errno_on_other_actions(void **state)
{
	struct dg_profile_host h = host_for(SCMP_ARCH_X86_64, 6, 18, "docker");
	struct dg_problems problems = {0};
	struct dg_profile *p = NULL;

	(void)state;
	/* As errnoRet: only ERRNO and TRACE take one. */
	assert_int_equal(dg_profile_read_string("{\"defaultAction\":\"SCMP_ACT_KILL\","
						"\"defaultErrno\":\"EPERM\"}",
						"t.json", &h, &problems, &p),
			 -EINVAL);
	assert_string_equal(problems.v[0].msg,
			    "t.json: defaultErrno: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take a "
			    "return value, not SCMP_ACT_KILL; remove it");
	dg_problems_free(&problems);
	/* "" is Go's zero value: not given. */
	assert_int_equal(dg_profile_read_string("{\"defaultAction\":\"SCMP_ACT_KILL\","
						"\"defaultErrno\":\"\"}",
						"t.json", &h, &problems, &p),
			 0);
	assert_false(p->default_action.has_ret);
	dg_profile_free(p);
	dg_problems_free(&problems);
}

static void test_config_json_stays_oci(void **state)
{
	struct dg_profile_host h = host_for(SCMP_ARCH_X86_64, 6, 18, "docker");
	struct dg_problems problems = {0};
	struct dg_profile *p = NULL;

	(void)state;
	/* The runtime reads config.json: engine keys would be ignored, so they are errors... */
	assert_int_equal(dg_profile_read_string(
				 "{\"ociVersion\":\"1.0.2\",\"linux\":{\"seccomp\":{"
				 "\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":"
				 "[\"mount\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":"
				 "[\"CAP_SYS_ADMIN\"]}}]}}}",
				 "config.json", &h, &problems, &p),
			 -EINVAL);
	assert_string_equal(problems.v[0].msg,
			    "config.json: linux.seccomp.syscalls[0].includes: \"includes\" is "
			    "Docker-only (moby default.json form): the runtime reads this "
			    "config.json and ignores it, which changes what the profile allows; "
			    "remove it");
	dg_problems_free(&problems);
	/* ... while unknown names are left out, as the runtime does. */
	assert_int_equal(dg_profile_read_string(
				 "{\"ociVersion\":\"1.0.2\",\"linux\":{\"seccomp\":{"
				 "\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":"
				 "[\"read\",\"nosuchcall\"],\"action\":\"SCMP_ACT_ALLOW\"}]}}}",
				 "config.json", &h, &problems, &p),
			 0);
	assert_int_equal(problems.n, 1);
	assert_contains(problems.v[0].msg, "config.json: linux.seccomp.syscalls[0].names[1]: "
					   "unknown syscall \"nosuchcall\" ignored");
	assert_int_equal(p->rules[0].n_names, 1);
	dg_profile_free(p);
	dg_problems_free(&problems);
}

static void test_caps_set_parse(void **state)
{
	uint64_t set;

	(void)state;
	assert_int_equal(dg_caps_set_parse("docker", &set), 0);
	assert_int_equal(__builtin_popcountll(set), 14);
	assert_true(set & (1ULL << CAP_AUDIT_WRITE));
	assert_int_equal(dg_caps_set_parse("podman", &set), 0);
	assert_int_equal(__builtin_popcountll(set), 11);
	assert_false(set & (1ULL << CAP_AUDIT_WRITE));
	assert_int_equal(dg_caps_set_parse("docker,CAP_SYS_ADMIN,-net_raw", &set), 0);
	assert_int_equal(__builtin_popcountll(set), 14);
	assert_true(set & (1ULL << CAP_SYS_ADMIN));
	assert_false(set & (1ULL << CAP_NET_RAW));
	assert_int_equal(dg_caps_set_parse("none,sys_admin", &set), 0);
	assert_int_equal(set, 1ULL << CAP_SYS_ADMIN);
	assert_int_equal(dg_caps_set_parse("all,-CAP_SYS_ADMIN", &set), 0);
	assert_false(set & (1ULL << CAP_SYS_ADMIN));
	assert_true(set & (1ULL << CAP_BPF));
	assert_int_equal(dg_caps_set_parse("docker,CAP_FROB", &set), -EINVAL);
	assert_contains(dg_errmsg(), "\"CAP_FROB\" is not a capability libcap knows");
	/* libcap takes numbers; the engines compare names. */
	assert_int_equal(dg_caps_set_parse("21", &set), -EINVAL);
}

static void test_errno_names(void **state)
{
	uint32_t v;

	(void)state;
	assert_int_equal(dg_errno_from_string("EPERM", &v), 0);
	assert_int_equal(v, EPERM);
	assert_int_equal(dg_errno_from_string("ENOSYS", &v), 0);
	assert_int_equal(v, ENOSYS);
	assert_int_equal(dg_errno_from_string("EOWNERDEAD", &v), 0);
	assert_int_equal(v, EOWNERDEAD);
	assert_int_equal(dg_errno_from_string("38", &v), 0);
	assert_int_equal(v, 38);
	assert_int_equal(dg_errno_from_string("007", &v), 0);
	assert_int_equal(v, 7);
	/* Not in containers/common's table, or not a decimal number. */
	assert_int_equal(dg_errno_from_string("ENOKEY", &v), -EINVAL);
	assert_int_equal(dg_errno_from_string("eperm", &v), -EINVAL);
	assert_int_equal(dg_errno_from_string("-1", &v), -EINVAL);
	assert_int_equal(dg_errno_from_string("0x26", &v), -EINVAL);
	assert_int_equal(dg_errno_from_string("4294967296", &v), -EINVAL);
	assert_contains(dg_errmsg(), "unknown errno \"4294967296\"");
}

static void test_host_detect(void **state)
{
	struct dg_profile_host h;
	uint64_t docker;

	(void)state;
	assert_int_equal(dg_profile_host_detect(&h), 0);
	assert_int_equal(h.arch, seccomp_arch_native());
	assert_true(h.kernel >= 3);
	assert_int_equal(dg_caps_set_parse("docker", &docker), 0);
	assert_int_equal(h.caps, docker);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_moby_default),
		cmocka_unit_test(test_moby_default_elsewhere),
		cmocka_unit_test(test_podman_default),
		cmocka_unit_test(test_upstream_strict),
		cmocka_unit_test(test_engine_keys),
		cmocka_unit_test(test_every_problem_in_one_run),
		cmocka_unit_test(test_condition_errors),
		cmocka_unit_test(test_errno_on_other_actions),
		cmocka_unit_test(test_config_json_stays_oci),
		cmocka_unit_test(test_caps_set_parse),
		cmocka_unit_test(test_errno_names),
		cmocka_unit_test(test_host_detect),
	};

	seccomp_host_independent();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
