// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exit statuses and outputs of `driftguard check`, `driftguard merge` and
 * `driftguard convert`, and the options' shared parsing (links the
 * commands' library, dgcli).
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "test_common.h"
#include "test_files.h"

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

/* Runs cmd with its standard error in a file; returns the exit status, *err the text. */
static int run_capturing_stderr(int (*cmd)(int, char **), int argc, char **argv, char **err)
{
	char path[128];
	int saved, fd, rc;
	FILE *f;

	snprintf(path, sizeof(path), "%s/stderr", tmpdir);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
	rc = cmd(argc, argv);
	fflush(stderr);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	f = fopen(path, "re");
	assert_non_null(f);
	*err = calloc(1, 1 << 16);
	assert_non_null(*err);
	assert_true(fread(*err, 1, (1 << 16) - 1, f) < (1 << 16) - 1);
	fclose(f);
	return rc;
}

static size_t count_lines(const char *text, const char *prefix)
{
	size_t n = 0, len = strlen(prefix);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		n += strncmp(l, prefix, len) == 0;
	return n;
}

static size_t count_matches(const char *text, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static void test_check_upstream_defaults(void **state)
{
	char *moby = data("upstream/moby-default.json"),
	     *podman = data("upstream/podman-seccomp.json");
	char *argv[] = {"check", moby, podman, NULL};
	char *podman_argv[] = {"check", "--container-caps", "podman", podman, NULL};
	char *strict_argv[] = {"check", "--strict", podman, NULL};
	char *err;

	(void)state;
	/* Both defaults are fine: at most warnings, for names this libseccomp does not know. */
	assert_int_equal(run_capturing_stderr(cmd_check, 3, argv, &err), 0);
	assert_int_equal(count_lines(err, "driftguard check: warning: "), count_lines(err, ""));
	assert_int_equal(count_matches(err, "unknown syscall \""), count_lines(err, ""));
	free(err);
	assert_int_equal(run_capturing_stderr(cmd_check, 4, podman_argv, &err), 0);
	free(err);
	/* As a runtime reads it, Podman's profile has 48 problems: all reported by one run. */
	assert_int_equal(run_capturing_stderr(cmd_check, 3, strict_argv, &err), 1);
	assert_int_equal(count_lines(err, "driftguard check: "), 48);
	free(err);
	free(moby);
	free(podman);
}

static void test_check_every_problem(void **state)
{
	char *bad = data("broken_many.json");
	char *argv[] = {"check", bad, NULL};
	char *quiet_argv[] = {"check", "-q", bad, NULL};
	char *err;

	(void)state;
	/* 13 distinct errors and a warning: 14 lines, one run. */
	assert_int_equal(run_capturing_stderr(cmd_check, 2, argv, &err), 1);
	assert_int_equal(count_lines(err, "driftguard check: "), 14);
	assert_int_equal(count_lines(err, "driftguard check: warning: "), 1);
	assert_contains(err, "broken_many.json: syscalls[8].args[0].op: unknown operator");
	free(err);
	/* -q: errors only. */
	assert_int_equal(run_capturing_stderr(cmd_check, 3, quiet_argv, &err), 1);
	assert_int_equal(count_lines(err, "driftguard check: "), 13);
	assert_int_equal(count_lines(err, "driftguard check: warning: "), 0);
	free(err);
	free(bad);
}

static void test_convert(void **state)
{
	char *podman = data("upstream/podman-seccomp.json"), *bad = data("broken_many.json");
	char out[128], yaml[128], json[128];
	char *spo_argv[] = {"convert", podman,	 "-o",	   out, "--format",
			    "spo",     "--name", "podman", NULL};
	char *k8s_argv[] = {"convert", podman, "-o", yaml, "--format", "k8s", NULL};
	char *oci_argv[] = {"convert", "--container-caps", "podman", podman, "-o", json, NULL};
	char *bad_argv[] = {"convert", bad, "-o", out, NULL};
	struct dg_profile *p = NULL;
	char *err;

	(void)state;
	snprintf(out, sizeof(out), "%s/podman-spo.yaml", tmpdir);
	snprintf(yaml, sizeof(yaml), "%s/web.yaml", tmpdir);
	snprintf(json, sizeof(json), "%s/web.json", tmpdir);
	assert_int_equal(run_capturing_stderr(cmd_convert, 8, spo_argv, &err), 0);
	/* The one thing SPO's schema cannot hold, said. */
	assert_contains(err, "warning: ");
	assert_contains(err, "defaultErrnoRet 38: SPO's schema has none");
	free(err);
	assert_int_equal(access(out, F_OK), 0);
	assert_int_equal(cmd_convert(6, k8s_argv), 0);
	assert_int_equal(access(yaml, F_OK), 0);
	assert_int_equal(dg_profile_parse_file(json, &p), 0);
	dg_profile_free(p);
	assert_int_equal(cmd_convert(6, oci_argv), 0);
	assert_int_equal(dg_profile_parse_file(json, &p), 0);
	assert_int_equal(p->default_action.ret, ENOSYS);
	dg_profile_free(p);

	assert_int_equal(unlink(out), 0);
	assert_int_equal(run_capturing_stderr(cmd_convert, 4, bad_argv, &err), 1);
	assert_contains(err, "broken_many.json: 13 problems, nothing written");
	free(err);
	assert_int_equal(access(out, F_OK), -1);
	free(podman);
	free(bad);
}

static void test_merge_with_docker_default(void **state)
{
	char *a = data("merge_a.json"), *moby = data("upstream/moby-default.json");
	char *bad = data("broken_many.json"), *syntax = data("syntax.json");
	char out[128];
	char *argv[] = {"merge", a, moby, "-o", out, "--format", "spo", NULL};
	char *bad_argv[] = {"merge", bad, a, syntax, "-o", out, NULL};
	char *err, *text;
	FILE *f;

	(void)state;
	snprintf(out, sizeof(out), "%s/merged.yaml", tmpdir);
	assert_int_equal(cmd_merge(7, argv), 0);
	f = fopen(out, "re");
	assert_non_null(f);
	text = calloc(1, 1 << 16);
	assert_non_null(text);
	assert_true(fread(text, 1, (1 << 16) - 1, f) > 0);
	fclose(f);
	assert_contains(text, "kind: SeccompProfile");
	assert_contains(text, "  name: merged\n");
	free(text);
	assert_int_equal(unlink(out), 0);

	/* Every problem of every input, then nothing written. */
	assert_int_equal(run_capturing_stderr(cmd_merge, 6, bad_argv, &err), 1);
	assert_int_equal(count_lines(err, "driftguard merge: "), 16);
	assert_contains(err, "syntax.json:4:32: '}' expected");
	assert_contains(err, "2 of 3 inputs have problems (listed above); nothing written");
	free(err);
	assert_int_equal(access(out, F_OK), -1);

	/* A wrong -o is said first, before the inputs are parsed. */
	snprintf(out, sizeof(out), "%s/missing/merged.yaml", tmpdir);
	assert_int_equal(run_capturing_stderr(cmd_merge, 6, bad_argv, &err), 1);
	assert_int_equal(count_lines(err, "driftguard merge: "), 1);
	assert_contains(err, "/missing/merged.yaml: cannot create a file in ");
	free(err);
	free(a);
	free(moby);
	free(bad);
	free(syntax);
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
		cmocka_unit_test_setup_teardown(test_check_upstream_defaults, setup_tmpdir,
						teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_check_every_problem, setup_tmpdir,
						teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_convert, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_merge_with_docker_default, setup_tmpdir,
						teardown_tmpdir),
		cmocka_unit_test(test_parse_choice),
	};

	dg_quiet = true;
	seccomp_host_independent();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
