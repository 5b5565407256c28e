// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exit statuses and outputs of `driftguard check` and `driftguard merge`
 * (links the commands' library, dgcli).
 */
#include <errno.h>
#include <unistd.h>

#include "cli/commands.h"
#include "test_common.h"

static char tmpdir[64];

static int setup_tmpdir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/dg-cmd-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmpdir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Copies, since data_path() reuses one buffer. */
static char *data(const char *name)
{
	char *s = strdup(data_path(name));

	assert_non_null(s);
	return s;
}

static void test_check(void **state)
{
	char *valid = data("valid.json"), *cfg = data("config.json"), *bad = data("syntax.json");
	char *ok_argv[] = {"check", "-q", valid, cfg, NULL};
	char *bad_argv[] = {"check", "-q", valid, bad, NULL};

	(void)state;
	assert_int_equal(cmd_check(4, ok_argv), 0);
	assert_int_equal(cmd_check(4, bad_argv), 1);
	free(valid);
	free(cfg);
	free(bad);
}

static void test_merge(void **state)
{
	char *a = data("merge_a.json"), *b = data("merge_b.json"),
	     *allow = data("allow_default.json");
	char out[128];
	char *ok_argv[] = {"merge", a, b, "-o", out, NULL};
	char *bad_argv[] = {"merge", a, allow, "-o", out, NULL};
	char *check_argv[] = {"check", "-q", out, NULL};
	struct dg_profile *p = NULL;

	(void)state;
	snprintf(out, sizeof(out), "%s/refused.json", tmpdir);
	assert_int_equal(cmd_merge(5, bad_argv), 1);
	assert_contains(dg_errmsg(), "allow_default.json: default action SCMP_ACT_ALLOW");
	assert_int_equal(access(out, F_OK), -1);

	snprintf(out, sizeof(out), "%s/merged.json", tmpdir);
	assert_int_equal(cmd_merge(5, ok_argv), 0);
	assert_int_equal(cmd_check(3, check_argv), 0);
	assert_int_equal(dg_profile_parse_file(out, &p), 0);
	assert_int_equal(p->n_arches, 3);
	dg_profile_free(p);
	free(a);
	free(b);
	free(allow);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test_setup_teardown(test_merge, setup_tmpdir, teardown_tmpdir),
	};

	dg_quiet = true;
	seccomp_host_independent();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
