// SPDX-License-Identifier: GPL-2.0-only
/*
 * `driftguard hook`'s input: the OCI state on stdin and podman's
 * io.containers.trace-syscall annotation, with oci-seccomp-bpf-hook's syntax
 * "[if:IN;]of:OUT" and a message that says what is wrong for each bad value.
 */
#include "test_common.h"

#include "generator/hook_request.h"

static void expect_paths(const char *value, const char *output, const char *input)
{
	struct dg_hook_request r;

	if (dg_hook_parse_annotation(value, &r))
		fail_msg("\"%s\": %s", value, dg_errmsg());
	assert_string_equal(r.output, output);
	assert_string_equal(r.input, input);
}

static void expect_error(const char *value, const char *msg_part)
{
	struct dg_hook_request r;

	assert_int_equal(dg_hook_parse_annotation(value, &r), -EINVAL);
	if (!strstr(dg_errmsg(), msg_part))
		fail_msg("\"%s\": \"%s\" does not say \"%s\"", value, dg_errmsg(), msg_part);
	dg_err_clear();
}

static void test_annotation_good(void **state)
{
	(void)state;
	expect_paths("of:/tmp/p.json", "/tmp/p.json", "");
	expect_paths("if:/a/in.json;of:/b/out.json", "/b/out.json", "/a/in.json");
	/* Either order, blanks around a path dropped, as the peer does. */
	expect_paths("of: /b/out.json ;if:\t/a/in.json", "/b/out.json", "/a/in.json");
}

static void test_annotation_bad(void **state)
{
	(void)state;
	expect_error("", "starts with neither if: nor of:");
	expect_error("of:", "of: has no path");
	expect_error("of:p.json", "the of: path \"p.json\" is relative");
	expect_error("if:in.json;of:/p.json", "the if: path \"in.json\" is relative");
	expect_error("if:/in.json", "no of: (where to write the profile) given");
	expect_error("if:/a;of:/b;of:/c", "more than one ';'");
	expect_error("of:/a;of:/b", "of: given twice");
	expect_error("if:/a;if:/b", "if: given twice");
	expect_error("out:/a", "\"out:/a\" starts with neither if: nor of:");
	expect_error("of:/a;", "starts with neither if: nor of:");
	/* The value is quoted in every message. */
	expect_error("of:rel", "io.containers.trace-syscall=\"of:rel\"");
}

static void test_state(void **state)
{
	struct dg_hook_request r;

	(void)state;
	assert_int_equal(dg_hook_request_parse(
				 "{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"created\","
				 "\"pid\":4242,\"bundle\":\"/run/b\",\"annotations\":"
				 "{\"io.containers.trace-syscall\":\"if:/i.json;of:/o.json\","
				 "\"other\":\"x\"}}",
				 &r),
			 0);
	assert_int_equal(r.pid, 4242);
	assert_string_equal(r.id, "c1");
	assert_string_equal(r.bundle, "/run/b");
	assert_string_equal(r.output, "/o.json");
	assert_string_equal(r.input, "/i.json");
}

static void expect_state_error(const char *text, const char *msg_part)
{
	struct dg_hook_request r;

	assert_int_equal(dg_hook_request_parse(text, &r), -EINVAL);
	if (!strstr(dg_errmsg(), msg_part))
		fail_msg("%s: \"%s\" does not say \"%s\"", text, dg_errmsg(), msg_part);
	dg_err_clear();
}

static void test_state_bad(void **state)
{
	(void)state;
	expect_state_error("", "stdin is not the container state");
	expect_state_error("[1]", "not an object");
	expect_state_error("{\"id\":\"c1\"}", "no valid \"pid\"");
	expect_state_error("{\"id\":\"c1\",\"pid\":0}", "no valid \"pid\"");
	expect_state_error("{\"pid\":5}", "has no \"id\"");
	expect_state_error("{\"id\":\"c1\",\"pid\":5}", "has no io.containers.trace-syscall");
	expect_state_error("{\"id\":\"c1\",\"pid\":5,\"annotations\":"
			   "{\"io.containers.trace-syscall\":\"of:x\"}}",
			   "is relative");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_annotation_good),
		cmocka_unit_test(test_annotation_bad),
		cmocka_unit_test(test_state),
		cmocka_unit_test(test_state_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
