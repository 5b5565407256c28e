// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of dg_profile_write_file(): what it writes, that the write is
 * atomic, and that an invalid profile never reaches the disk.
 * Data files: $DG_TEST_DATA or -DTEST_DATA_DIR (tests/unit/data).
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_common.h"
#include "test_files.h"

static void test_write_file(void **state)
{
	struct dg_profile *p = load("valid.json"), *q = NULL;
	char path[128], *want, *got;
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/out.json", tmpdir);
	assert_int_equal(dg_profile_write_file(p, path), 0);
	want = dg_profile_to_string(p);
	got = slurp(path);
	assert_string_equal(got, want);
	free(got);
	/* Only the target: no temporary left behind. */
	assert_int_equal(count_entries(tmpdir), 1);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	/* Overwrite in place; the result parses back to the same profile. */
	assert_int_equal(dg_profile_write_file(p, path), 0);
	assert_int_equal(count_entries(tmpdir), 1);
	assert_int_equal(dg_profile_parse_file(path, &q), 0);
	got = dg_profile_to_string(q);
	assert_string_equal(got, want);
	free(got);
	free(want);
	dg_profile_free(q);
	dg_profile_free(p);
}

static void test_write_file_failure(void **state)
{
	struct dg_arg arg = {.index = 7, .value = 1, .op = SCMP_CMP_EQ};
	struct dg_profile *bad = one_rule("read", &arg, 1), *good = load("valid.json");
	char path[128], old[128], *got;
	FILE *f;

	(void)state;
	/* An invalid profile never reaches the disk. */
	snprintf(path, sizeof(path), "%s/bad.json", tmpdir);
	assert_int_equal(dg_profile_write_file(bad, path), -EINVAL);
	assert_contains(dg_errmsg(), "bad.json: refusing to write an invalid profile: syscalls[0]");
	assert_int_equal(access(path, F_OK), -1);

	/* ... and leaves an existing file as it was. */
	snprintf(old, sizeof(old), "%s/old.json", tmpdir);
	f = fopen(old, "we");
	assert_non_null(f);
	fputs("previous\n", f);
	fclose(f);
	assert_int_equal(dg_profile_write_file(bad, old), -EINVAL);
	got = slurp(old);
	assert_string_equal(got, "previous\n");
	free(got);

	/* A directory is refused before a temporary file is made (text_file.h). */
	snprintf(path, sizeof(path), "%s/dir", tmpdir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(dg_profile_write_file(good, path), -EISDIR);
	assert_contains(dg_errmsg(), "dir: is a directory; give the path of a file");
	assert_int_equal(count_entries(tmpdir), 2); /* old.json and dir */

	/* No such directory. */
	snprintf(path, sizeof(path), "%s/nodir/p.json", tmpdir);
	assert_int_equal(dg_profile_write_file(good, path), -ENOENT);
	assert_contains(dg_errmsg(), "cannot create a temporary file");
	assert_int_equal(count_entries(tmpdir), 2);

	dg_profile_free(bad);
	dg_profile_free(good);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_file, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_write_file_failure, setup_tmpdir,
						teardown_tmpdir),
	};

	seccomp_host_independent();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
