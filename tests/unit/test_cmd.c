// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exit statuses and outputs of `driftguard check` and `driftguard merge`,
 * and the options' shared parsing (links the commands' library, dgcli).
 */
#include <argp.h>
#include <errno.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/options.h"
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

enum color { RED, GREEN, BLUE };
static const char *const color_names[] = {[RED] = "red", [GREEN] = "green", [BLUE] = "blue"};

struct choice_test {
	int color; /* what --color gave, -1: nothing */
	FILE *err; /* argp's error stream, to read its message */
	char *err_text;
	size_t err_len;
};

static error_t choice_parse(int key, char *arg, struct argp_state *state)
{
	struct choice_test *t = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->err_stream = t->err;
		break;
	case 'c':
		t->color = DG_PARSE_CHOICE(state, "color", color_names, arg);
		if (t->color < 0)
			return EINVAL;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* Parse "prog --color ARG" without exiting on errors; argp's message in t->err_text. */
static int parse_color(const char *arg, struct choice_test *t)
{
	static const struct argp_option options[] = {{"color", 'c', "COLOR", 0, "", 0}, {0}};
	const struct argp argp = {.options = options, .parser = choice_parse};
	char *argv[] = {"prog", "--color", (char *)arg, NULL};
	int rc;

	t->color = -1;
	t->err = open_memstream(&t->err_text, &t->err_len);
	assert_non_null(t->err);
	rc = argp_parse(&argp, 3, argv, ARGP_NO_EXIT | ARGP_NO_HELP, NULL, t);
	fclose(t->err);
	return rc;
}

static void test_parse_choice(void **state)
{
	struct choice_test t;

	(void)state;
	assert_int_equal(parse_color("red", &t), 0);
	assert_int_equal(t.color, RED);
	assert_string_equal(t.err_text, "");
	free(t.err_text);
	assert_int_equal(parse_color("blue", &t), 0);
	assert_int_equal(t.color, BLUE);
	free(t.err_text);
	/* Anything else is a usage error that lists the choices. */
	assert_int_equal(parse_color("Red", &t), EINVAL);
	assert_int_equal(t.color, -1);
	assert_contains(t.err_text, "prog: --color is red, green or blue, not \"Red\"\n");
	free(t.err_text);
	assert_int_equal(parse_color("", &t), EINVAL);
	assert_contains(t.err_text, "--color is red, green or blue, not \"\"");
	free(t.err_text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test_setup_teardown(test_merge, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test(test_parse_choice),
	};

	dg_quiet = true;
	seccomp_host_independent();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
