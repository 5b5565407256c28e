// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which container command learn is given: told by the Go build info of the
 * binary (a renamed copy keeps it), by its name otherwise, podman-remote by
 * its name only (it shares podman's main package).
 */
#include "test_common.h"

#include <sys/stat.h>
#include <unistd.h>

#include "generator/engine_cli.h"

static char dir[] = "/tmp/dg-engine-cli.XXXXXX";

/* An executable at DIR/name whose bytes hold a Go build info naming pkg (NULL: none). */
static void make_binary(const char *name, const char *pkg, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("\x7f"
	      "ELF some bytes of code, a string path\tnot a package\n and then ",
	      f);
	if (pkg)
		fprintf(f,
			"0w\xaf\x0c\x92t\x08\x02"
			"A\xe1\xc1\x07\xe6\xd6\x18\xe6path\t%s\nmod\t%s\n",
			pkg, pkg);
	fputs("more bytes, enough of them to be a file worth reading", f);
	fclose(f);
	assert_int_equal(chmod(path, 0755), 0);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static void test_told_by_build_info(void **state)
{
	char path[256], name[32];
	char *cmd[] = {path, "run", "--rm", "img", NULL};

	(void)state;
	make_binary("dk", "github.com/docker/cli/cmd/docker", path, sizeof(path));
	assert_int_equal(dg_engine_cli_of(cmd, name, sizeof(name)), DG_CLI_DAEMON_CLIENT);
	assert_string_equal(name, "docker");
	make_binary("pm", "github.com/containers/podman/v4/cmd/podman", path, sizeof(path));
	assert_int_equal(dg_engine_cli_of(cmd, name, sizeof(name)), DG_CLI_PODMAN);
	assert_string_equal(name, "podman");
	make_binary("other", "example.com/some/tool", path, sizeof(path));
	assert_int_equal(dg_engine_cli_of(cmd, name, sizeof(name)), DG_CLI_OTHER);
	assert_string_equal(name, "");
}

static void test_told_by_name(void **state)
{
	char path[256], link[300], name[32];
	char *cmd[] = {path, "ps", NULL};
	char *by_link[] = {link, "run", NULL};

	(void)state;
	make_binary("podman-remote", "github.com/containers/podman/v4/cmd/podman", path,
		    sizeof(path));
	assert_int_equal(dg_engine_cli_of(cmd, name, sizeof(name)), DG_CLI_DAEMON_CLIENT);
	assert_string_equal(name, "podman-remote");
	make_binary("nerdctl", NULL, path, sizeof(path));
	assert_int_equal(dg_engine_cli_of(cmd, NULL, 0), DG_CLI_DAEMON_CLIENT);
	/* A link named otherwise resolves to the file's name. */
	snprintf(link, sizeof(link), "%s/my-tool", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(dg_engine_cli_of(by_link, name, sizeof(name)), DG_CLI_DAEMON_CLIENT);
	assert_string_equal(name, "nerdctl");
	make_binary("sh-like", NULL, path, sizeof(path));
	assert_int_equal(dg_engine_cli_of(cmd, name, sizeof(name)), DG_CLI_OTHER);
}

static void test_not_found_is_other(void **state)
{
	char *cmd[] = {"/nonexistent/tool", "run", NULL};
	char *by_name[] = {"dg-no-such-command-anywhere", NULL};

	(void)state;
	assert_int_equal(dg_engine_cli_of(cmd, NULL, 0), DG_CLI_OTHER);
	assert_int_equal(dg_engine_cli_of(by_name, NULL, 0), DG_CLI_OTHER);
}

static void test_starts_container(void **state)
{
	char *run[] = {"docker", "--context", "x", "run", "img", NULL};
	char *compose[] = {"docker", "compose", "up", NULL};
	char *ps[] = {"docker", "ps", "-a", NULL};

	(void)state;
	assert_true(dg_engine_cli_starts_container(run));
	assert_true(dg_engine_cli_starts_container(compose));
	assert_false(dg_engine_cli_starts_container(ps));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_told_by_build_info),
		cmocka_unit_test(test_told_by_name),
		cmocka_unit_test(test_not_found_is_other),
		cmocka_unit_test(test_starts_container),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
