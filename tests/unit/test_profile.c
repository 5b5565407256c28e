// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the profile model: names, parse (and every error class with
 * its path), compile and serialisation (the atomic write: test_profile_write.c).
 * Data files: $DG_TEST_DATA or -DTEST_DATA_DIR (tests/unit/data).
 */
#include <errno.h>

#include "test_common.h"

static void test_action_names(void **state)
{
	enum dg_action_kind k;
	struct dg_action a = {.kind = DG_ACT_ERRNO};

	(void)state;
	assert_int_equal(dg_action_from_name("SCMP_ACT_KILL", &k), 0);
	assert_int_equal(k, DG_ACT_KILL_THREAD);
	assert_int_equal(dg_action_from_name("SCMP_ACT_KILL_PROCESS", &k), 0);
	assert_int_equal(k, DG_ACT_KILL_PROCESS);
	assert_int_equal(dg_action_from_name("SCMP_ACT_NOTIFY", &k), 0);
	assert_int_equal(k, DG_ACT_NOTIFY);
	for (int i = DG_ACT_KILL_PROCESS; i <= DG_ACT_ALLOW; i++) {
		assert_int_equal(dg_action_from_name(dg_action_name(i), &k), 0);
		assert_int_equal(k, i);
	}
	assert_null(dg_action_name((enum dg_action_kind)99));
	assert_int_equal(dg_action_from_name("SCMP_ACT_DENY", &k), -EINVAL);
	assert_contains(dg_errmsg(), "unknown action \"SCMP_ACT_DENY\"");

	assert_int_equal(dg_action_to_scmp(&a), SCMP_ACT_ERRNO(EPERM));
	a.has_ret = true;
	a.ret = 38;
	assert_int_equal(dg_action_to_scmp(&a), SCMP_ACT_ERRNO(38));
	a.kind = DG_ACT_ALLOW;
	assert_int_equal(dg_action_to_scmp(&a), SCMP_ACT_ALLOW);
	a.kind = DG_ACT_KILL_THREAD;
	assert_int_equal(dg_action_to_scmp(&a), SCMP_ACT_KILL_THREAD);
}

static void test_arch_and_op_names(void **state)
{
	enum scmp_compare op;
	uint32_t t;

	(void)state;
	assert_int_equal(dg_arch_from_name("SCMP_ARCH_X86_64", &t), 0);
	assert_int_equal(t, SCMP_ARCH_X86_64);
	assert_string_equal(dg_arch_name(t), "SCMP_ARCH_X86_64");
	assert_int_equal(dg_arch_from_name("SCMP_ARCH_AARCH64", &t), 0);
	assert_int_equal(t, SCMP_ARCH_AARCH64);
	assert_string_equal(dg_arch_name(SCMP_ARCH_X86), "SCMP_ARCH_X86");
	assert_string_equal(dg_arch_name(SCMP_ARCH_MIPSEL64N32), "SCMP_ARCH_MIPSEL64N32");
	assert_string_equal(dg_arch_name(SCMP_ARCH_S390X), "SCMP_ARCH_S390X");
	assert_null(dg_arch_name(0x1234));
	assert_int_equal(dg_arch_from_name("x86_64", &t), -EINVAL);
	assert_int_equal(dg_arch_from_name("SCMP_ARCH_x86_64", &t), -EINVAL);
	assert_int_equal(dg_arch_from_name("SCMP_ARCH_VAX", &t), -EINVAL);
	assert_contains(dg_errmsg(), "unknown architecture \"SCMP_ARCH_VAX\"");
	assert_int_equal(dg_arch_from_name("SCMP_ARCH_", &t), -EINVAL);

	assert_int_equal(dg_op_from_name("SCMP_CMP_MASKED_EQ", &op), 0);
	assert_int_equal(op, SCMP_CMP_MASKED_EQ);
	assert_string_equal(dg_op_name(SCMP_CMP_NE), "SCMP_CMP_NE");
	assert_int_equal(dg_op_from_name("SCMP_CMP_XX", &op), -EINVAL);
}

static void test_parse_valid(void **state)
{
	struct dg_profile *p = load("valid.json");

	(void)state;
	assert_int_equal(p->default_action.kind, DG_ACT_ERRNO);
	assert_true(p->default_action.has_ret);
	assert_int_equal(p->default_action.ret, 1);
	assert_int_equal(p->n_arches, 3);
	assert_int_equal(p->arches[0], SCMP_ARCH_X86_64);
	assert_int_equal(p->arches[1], SCMP_ARCH_X86);
	assert_int_equal(p->arches[2], SCMP_ARCH_X32);
	assert_int_equal(p->n_flags, 1);
	assert_string_equal(p->flags[0], "SECCOMP_FILTER_FLAG_SPEC_ALLOW");
	assert_null(p->listener_path);
	assert_int_equal(p->n_rules, 5);
	/* Sorted and deduplicated ("read" twice). */
	assert_int_equal(p->rules[0].n_names, 4);
	assert_string_equal(p->rules[0].names[0], "exit_group");
	assert_string_equal(p->rules[0].names[1], "read");
	assert_string_equal(p->rules[0].names[2], "socketcall");
	assert_string_equal(p->rules[0].names[3], "write");
	assert_int_equal(p->rules[1].action.kind, DG_ACT_ERRNO);
	assert_int_equal(p->rules[1].action.ret, 38);
	assert_int_equal(p->rules[2].n_args, 1);
	assert_int_equal(p->rules[2].args[0].index, 0);
	assert_int_equal(p->rules[2].args[0].value, 40);
	assert_int_equal(p->rules[2].args[0].op, SCMP_CMP_NE);
	assert_int_equal(p->rules[3].args[0].value, 4294967295ULL);
	assert_int_equal(p->rules[4].action.kind, DG_ACT_KILL_THREAD);
	dg_profile_free(p);
}

static void test_round_trip(void **state)
{
	struct dg_profile *p = load("valid.json"), *q = NULL;
	char *s1, *s2;

	(void)state;
	s1 = dg_profile_to_string(p);
	assert_non_null(s1);
	assert_int_equal(dg_profile_parse_string(s1, "s1", &q), 0);
	s2 = dg_profile_to_string(q);
	assert_non_null(s2);
	assert_string_equal(s1, s2);
	assert_int_equal(q->n_rules, p->n_rules);
	assert_int_equal(q->n_arches, p->n_arches);
	assert_int_equal(q->rules[3].args[0].value, 4294967295ULL);
	free(s1);
	free(s2);
	dg_profile_free(p);
	dg_profile_free(q);
}

static void test_to_string_format(void **state)
{
	static const char *const expected = "{\n"
					    "  \"defaultAction\": \"SCMP_ACT_KILL_PROCESS\",\n"
					    "  \"architectures\": [\n"
					    "    \"SCMP_ARCH_X86_64\"\n"
					    "  ],\n"
					    "  \"listenerPath\": \"/run/agent.sock\",\n"
					    "  \"syscalls\": [\n"
					    "    {\n"
					    "      \"names\": [\n"
					    "        \"read\",\n"
					    "        \"write\"\n"
					    "      ],\n"
					    "      \"action\": \"SCMP_ACT_ALLOW\"\n"
					    "    },\n"
					    "    {\n"
					    "      \"names\": [\n"
					    "        \"clone3\"\n"
					    "      ],\n"
					    "      \"action\": \"SCMP_ACT_ERRNO\",\n"
					    "      \"errnoRet\": 38,\n"
					    "      \"args\": [\n"
					    "        {\n"
					    "          \"index\": 1,\n"
					    "          \"value\": 2,\n"
					    "          \"valueTwo\": 3,\n"
					    "          \"op\": \"SCMP_CMP_MASKED_EQ\"\n"
					    "        }\n"
					    "      ]\n"
					    "    }\n"
					    "  ]\n"
					    "}\n";
	/* Keys in scrambled order on input: the output order is fixed. */
	static const char *const in =
		"{\"syscalls\":[{\"action\":\"SCMP_ACT_ALLOW\",\"names\":[\"write\",\"read\"]},"
		"{\"args\":[{\"op\":\"SCMP_CMP_MASKED_EQ\",\"valueTwo\":3,\"value\":2,\"index\":1}]"
		","
		"\"errnoRet\":38,\"names\":[\"clone3\"],\"action\":\"SCMP_ACT_ERRNO\"}],"
		"\"listenerPath\":\"/run/agent.sock\",\"architectures\":[\"SCMP_ARCH_X86_64\"],"
		"\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\"}";
	struct dg_profile *p = NULL;
	char *s;

	(void)state;
	assert_int_equal(dg_profile_parse_string(in, "in", &p), 0);
	s = dg_profile_to_string(p);
	assert_string_equal(s, expected);
	free(s);
	dg_profile_free(p);
}

static void test_syntax_error(void **state)
{
	struct dg_profile *p = NULL;
	char expected[4200];

	(void)state;
	/* Line 4, `    { "names": ["read"] "action"`: jansson points at the end of the token. */
	assert_int_equal(dg_profile_parse_file(data_path("syntax.json"), &p), -EINVAL);
	assert_null(p);
	snprintf(expected, sizeof(expected), "%s:4:32: '}' expected near '\"action\"'",
		 data_path("syntax.json"));
	assert_string_equal(dg_errmsg(), expected);

	assert_string_equal(parse_error("{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n}"),
			    "t.json:3:1: string or '}' expected near '}'");
	assert_string_equal(parse_error(""), "t.json:1:0: '[' or '{' expected near end of file");
}

static void test_duplicate_key(void **state)
{
	(void)state;
	assert_string_equal(parse_error("{\"defaultAction\": \"SCMP_ACT_ERRNO\",\n"
					" \"defaultAction\": \"SCMP_ACT_ALLOW\"}"),
			    "t.json:2:16: duplicate object key near '\"defaultAction\"'");
}

static void test_missing_file(void **state)
{
	struct dg_profile *p = NULL;

	(void)state;
	assert_int_equal(dg_profile_parse_file("/nonexistent/p.json", &p), -ENOENT);
	assert_string_equal(dg_errmsg(),
			    "/nonexistent/p.json: cannot open: No such file or directory");
}

static void test_unknown_syscall(void **state)
{
	struct dg_profile *p = NULL;
	char expected[4200];

	(void)state;
	assert_int_equal(dg_profile_parse_file(data_path("unknown_syscall.json"), &p), -EINVAL);
	snprintf(expected, sizeof(expected),
		 "%s: syscalls[1].names[1]: unknown syscall \"foo\" (libseccomp %u.%u.%u)",
		 data_path("unknown_syscall.json"), SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
	assert_string_equal(dg_errmsg(), expected);
	assert_contains(parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
				    "[{\"names\":[\"read\",\"\"],\"action\":\"SCMP_ACT_ALLOW\"}]}"),
			"t.json: syscalls[0].names[1]: empty syscall name");
}

static void test_bad_action(void **state)
{
	(void)state;
	assert_contains(parse_error("{\"defaultAction\":\"SCMP_ACT_DENY\"}"),
			"t.json: defaultAction: unknown action \"SCMP_ACT_DENY\"; use one of");
	assert_contains(parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
				    "[{\"names\":[\"read\"],\"action\":\"ALLOW\"}]}"),
			"t.json: syscalls[0].action: unknown action \"ALLOW\"");
	assert_string_equal(parse_error("{\"syscalls\":[]}"),
			    "t.json: \"defaultAction\" is required (e.g. \"SCMP_ACT_ERRNO\")");
	assert_string_equal(parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
					"[{\"names\":[\"read\"]}]}"),
			    "t.json: syscalls[0]: \"action\" is required");
}

static void test_errno_ret_misuse(void **state)
{
	(void)state;
	assert_string_equal(
		parse_error(
			"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
			"[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"errnoRet\":1}]}"),
		"t.json: syscalls[0].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take a "
		"return value, not SCMP_ACT_ALLOW; remove it");
	assert_contains(parse_error("{\"defaultAction\":\"SCMP_ACT_KILL\",\"defaultErrnoRet\":1}"),
			"t.json: defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take");
	assert_string_equal(parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\","
					"\"defaultErrnoRet\":-1}"),
			    "t.json: defaultErrnoRet: must be a non-negative integer, not -1");
	assert_contains(parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\","
				    "\"defaultErrnoRet\":70000}"),
			"t.json: defaultErrnoRet: 70000 is out of range 0..65535");
	assert_string_equal(
		parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\","
			    "\"defaultErrnoRet\":\"1\"}"),
		"t.json: defaultErrnoRet: must be a non-negative integer, not a string");
}

static void test_moby_keys(void **state)
{
	struct dg_profile *p = NULL;
	char expected[4200];

	(void)state;
	/* Empty includes/excludes (old moby style) pass; a real "includes" does not. */
	assert_int_equal(dg_profile_parse_file(data_path("moby_includes.json"), &p), -EINVAL);
	snprintf(expected, sizeof(expected),
		 "%s: syscalls[1].includes: \"includes\" is Docker-only",
		 data_path("moby_includes.json"));
	assert_contains(dg_errmsg(), expected);
	assert_contains(dg_errmsg(), "driftguard needs the OCI form");
	assert_contains(parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":"
				    "[{\"architecture\":\"SCMP_ARCH_X86_64\"}]}"),
			"t.json: archMap: \"archMap\" is Docker-only");
	assert_contains(parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
				    "[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\","
				    "\"excludes\":{\"arches\":[\"s390x\"]}}]}"),
			"t.json: syscalls[0].excludes: \"excludes\" is Docker-only");
	assert_int_equal(dg_profile_parse_string("{\"defaultAction\":\"SCMP_ACT_ERRNO\","
						 "\"comment\":\"x\",\"archMap\":null}",
						 "t.json", &p),
			 0);
	dg_profile_free(p);
}

static void test_unknown_key(void **state)
{
	(void)state;
	assert_string_equal(
		parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrno\":1}"),
		"t.json: defaultErrno: unknown key \"defaultErrno\"; not part of an OCI seccomp "
		"profile");
	assert_contains(parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
				    "[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"},"
				    "{\"name\":\"write\",\"action\":\"SCMP_ACT_ALLOW\"}]}"),
			"t.json: syscalls[1].name: unknown key \"name\"");
	assert_contains(
		parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
			    "[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":"
			    "[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_EQ\",\"x\":1}]}]}"),
		"t.json: syscalls[0].args[0].x: unknown key \"x\"");
}

static void test_config_json(void **state)
{
	struct dg_profile *p = load("config.json");
	char expected[4200];

	(void)state;
	assert_int_equal(p->default_action.kind, DG_ACT_ERRNO);
	assert_int_equal(p->n_rules, 2);
	assert_int_equal(dg_profile_validate(p), 0);
	dg_profile_free(p);
	p = NULL;

	assert_int_equal(dg_profile_parse_file(data_path("config_noseccomp.json"), &p), -EINVAL);
	snprintf(expected, sizeof(expected), "%s: linux.seccomp: not present",
		 data_path("config_noseccomp.json"));
	assert_contains(dg_errmsg(), expected);

	/* Paths inside a config.json start at linux.seccomp. */
	assert_contains(parse_error("{\"ociVersion\":\"1.0.2\",\"linux\":{\"seccomp\":"
				    "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
				    "[{\"names\":[\"nosuch\"],\"action\":\"SCMP_ACT_ALLOW\"}]}}}"),
			"t.json: linux.seccomp.syscalls[0].names[0]: unknown syscall \"nosuch\"");
	assert_string_equal(parse_error("{\"ociVersion\":\"1.0.2\",\"linux\":{\"seccomp\":[]}}"),
			    "t.json: linux.seccomp: must be an object (an OCI linux.seccomp "
			    "profile), not an array");
}

static void test_wrong_types(void **state)
{
	(void)state;
	assert_string_equal(parse_error("[]"), "t.json: must be an object (an OCI linux.seccomp "
					       "profile), not an array");
	assert_string_equal(parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":{}}"),
			    "t.json: syscalls: must be an array of rules, not an object");
	assert_string_equal(parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
					"[{\"names\":\"read\",\"action\":\"SCMP_ACT_ALLOW\"}]}"),
			    "t.json: syscalls[0].names: must be an array of syscall names, not a "
			    "string");
	assert_string_equal(parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
					"[{\"names\":[],\"action\":\"SCMP_ACT_ALLOW\"}]}"),
			    "t.json: syscalls[0].names: is empty; a rule needs at least one "
			    "syscall name");
	assert_string_equal(
		parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
			    "[{\"names\":[\"read\",3],\"action\":\"SCMP_ACT_ALLOW\"}]}"),
		"t.json: syscalls[0].names[1]: must be a string, not an integer");
	assert_string_equal(
		parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
			    "[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":"
			    "[{\"index\":7,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}"),
		"t.json: syscalls[0].args[0].index: 7 is out of range; syscalls have "
		"arguments 0..5");
	assert_string_equal(
		parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
			    "[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":"
			    "[{\"index\":0,\"value\":-5,\"op\":\"SCMP_CMP_EQ\"}]}]}"),
		"t.json: syscalls[0].args[0].value: must be a non-negative integer, "
		"not -5");
	assert_string_equal(
		parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
			    "[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":"
			    "[{\"index\":0,\"value\":1.5,\"op\":\"SCMP_CMP_EQ\"}]}]}"),
		"t.json: syscalls[0].args[0].value: must be a non-negative integer, "
		"not a real number");
	assert_contains(parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
				    "[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":"
				    "[{\"index\":0,\"value\":1,\"op\":\"EQ\"}]}]}"),
			"t.json: syscalls[0].args[0].op: unknown operator \"EQ\"");
	assert_string_equal(
		parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
			    "[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":"
			    "[{\"index\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}"),
		"t.json: syscalls[0].args[0]: \"value\" is required");
	assert_contains(parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":"
				    "[\"SCMP_ARCH_X86_64\",\"amd64\"]}"),
			"t.json: architectures[1]: unknown architecture \"amd64\"");
	assert_contains(parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"flags\":"
				    "[\"SECCOMP_FILTER_FLAG_NEW_LISTENER\"]}"),
			"t.json: flags[0]: unknown flag \"SECCOMP_FILTER_FLAG_NEW_LISTENER\"");
	assert_string_equal(parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\","
					"\"listenerPath\":5}"),
			    "t.json: listenerPath: must be a string, not an integer");
}

static void test_nulls_are_absent(void **state)
{
	struct dg_profile *p = NULL;

	(void)state;
	/* Go's encoding/json (runc) reads null as absent: kguardian#1042 writes them. */
	assert_int_equal(dg_profile_parse_string("{\"defaultAction\":\"SCMP_ACT_ERRNO\","
						 "\"architectures\":null,\"flags\":null,"
						 "\"syscalls\":[{\"names\":[\"read\"],\"action\":"
						 "\"SCMP_ACT_ALLOW\",\"args\":null,"
						 "\"errnoRet\":null}]}",
						 "t.json", &p),
			 0);
	assert_int_equal(p->n_arches, 0);
	assert_int_equal(p->rules[0].n_args, 0);
	assert_false(p->rules[0].action.has_ret);
	dg_profile_free(p);
}

static void test_notify(void **state)
{
	struct dg_profile *p = NULL;

	(void)state;
	assert_string_equal(
		parse_error("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":"
			    "[{\"names\":[\"mount\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}"),
		"t.json: syscalls[0].action: SCMP_ACT_NOTIFY needs \"listenerPath\", "
		"the socket of the seccomp agent; add it or use another action");
	assert_contains(parse_error("{\"defaultAction\":\"SCMP_ACT_NOTIFY\","
				    "\"listenerPath\":\"/run/a.sock\"}"),
			"t.json: defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
	assert_int_equal(dg_profile_parse_string("{\"defaultAction\":\"SCMP_ACT_ERRNO\","
						 "\"listenerPath\":\"/run/a.sock\","
						 "\"listenerMetadata\":\"m\",\"syscalls\":"
						 "[{\"names\":[\"write\",\"mount\"],"
						 "\"action\":\"SCMP_ACT_NOTIFY\"}]}",
						 "t.json", &p),
			 0);
	assert_string_equal(p->listener_metadata, "m");
	/* runc refuses to notify on write (it needs write to pass the fd). */
	assert_int_equal(dg_profile_validate(p), -EINVAL);
	assert_contains(dg_errmsg(), "syscalls[0] (\"write\"): SCMP_ACT_NOTIFY cannot be used");
	dg_profile_free(p);
}

static void test_compile_valid(void **state)
{
	struct dg_profile *p = load("valid.json");
	scmp_filter_ctx ctx = NULL;

	(void)state;
	assert_int_equal(dg_profile_compile(p, &ctx), 0);
	assert_non_null(ctx);
	assert_int_equal(seccomp_arch_exist(ctx, SCMP_ARCH_X86), 0);
	assert_int_equal(seccomp_arch_exist(ctx, SCMP_ARCH_X32), 0);
	assert_int_equal(seccomp_arch_exist(ctx, seccomp_arch_native()), 0);
	assert_int_equal(seccomp_arch_exist(ctx, SCMP_ARCH_AARCH64), -EEXIST);
	seccomp_release(ctx);
	assert_int_equal(dg_profile_validate(p), 0);
	dg_profile_free(p);
}

static void test_compile_bad_index(void **state)
{
	struct dg_arg arg = {.index = 7, .value = 1, .op = SCMP_CMP_EQ};
	struct dg_profile *p = one_rule("read", &arg, 1);
	scmp_filter_ctx ctx = NULL;

	(void)state;
	assert_int_equal(dg_profile_compile(p, &ctx), -EINVAL);
	assert_null(ctx);
	assert_string_equal(dg_errmsg(), "syscalls[0] (\"read\"): libseccomp refused the rule: "
					 "Invalid argument");
	/* ... and nothing invalid gets serialised to a file either. */
	dg_profile_free(p);
}

static void test_compile_runc_rules(void **state)
{
	/* One argument compared twice: split into one rule per comparison, as runc. */
	struct dg_arg args[] = {
		{.index = 0, .value = 1, .op = SCMP_CMP_EQ},
		{.index = 0, .value = 2, .op = SCMP_CMP_EQ},
	};
	struct dg_profile *p = one_rule("personality", args, 2);
	struct dg_action eperm = {.kind = DG_ACT_ERRNO};
	const char *names[] = {"ptrace"};

	(void)state;
	assert_int_equal(dg_profile_validate(p), 0);
	/* A rule equal to the default (ERRNO/EPERM) is skipped, not an -EACCES. */
	assert_int_equal(dg_profile_add_rule(p, names, 1, &eperm, NULL, 0), 0);
	assert_int_equal(dg_profile_validate(p), 0);
	/* An unknown name built by code (not parsed) is still caught. */
	names[0] = "nosuchcall";
	eperm.has_ret = true;
	eperm.ret = 38;
	assert_int_equal(dg_profile_add_rule(p, names, 1, &eperm, NULL, 0), 0);
	assert_int_equal(dg_profile_validate(p), -EINVAL);
	assert_contains(dg_errmsg(), "syscalls[2] (\"nosuchcall\"): unknown syscall");
	dg_profile_free(p);
}

static void test_add_rule(void **state)
{
	struct dg_profile *p = dg_profile_new();
	struct dg_action allow = {.kind = DG_ACT_ALLOW};
	const char *names[] = {"write", "read", "write", "close", "read"};
	const char *empty[] = {""};

	(void)state;
	assert_int_equal(dg_profile_add_rule(p, names, 5, &allow, NULL, 0), 0);
	assert_int_equal(p->rules[0].n_names, 3);
	assert_string_equal(p->rules[0].names[0], "close");
	assert_string_equal(p->rules[0].names[1], "read");
	assert_string_equal(p->rules[0].names[2], "write");
	assert_int_equal(dg_profile_add_rule(p, names, 0, &allow, NULL, 0), -EINVAL);
	assert_int_equal(dg_profile_add_rule(p, empty, 1, &allow, NULL, 0), -EINVAL);
	assert_int_equal(p->n_rules, 1);
	assert_int_equal(dg_profile_add_arch(p, SCMP_ARCH_X86), 0);
	assert_int_equal(dg_profile_add_arch(p, SCMP_ARCH_X86), 0);
	assert_int_equal(p->n_arches, 1);
	dg_profile_free(p);
}

static void test_to_string_unrepresentable(void **state)
{
	struct dg_arg arg = {.index = 0, .value = UINT64_MAX, .op = SCMP_CMP_EQ};
	struct dg_profile *p = one_rule("read", &arg, 1);

	(void)state;
	/* jansson integers are signed: refuse rather than write a negative number. */
	assert_null(dg_profile_to_string(p));
	assert_contains(dg_errmsg(), "cannot serialise the profile");
	dg_profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_action_names),
		cmocka_unit_test(test_arch_and_op_names),
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_to_string_format),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_unknown_syscall),
		cmocka_unit_test(test_bad_action),
		cmocka_unit_test(test_errno_ret_misuse),
		cmocka_unit_test(test_moby_keys),
		cmocka_unit_test(test_unknown_key),
		cmocka_unit_test(test_config_json),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_nulls_are_absent),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_compile_valid),
		cmocka_unit_test(test_compile_bad_index),
		cmocka_unit_test(test_compile_runc_rules),
		cmocka_unit_test(test_add_rule),
		cmocka_unit_test(test_to_string_unrepresentable),
	};

	seccomp_host_independent();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
