// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the output writer (generator/text_file.c): what each kind of
 * output path gets (a regular file is replaced atomically, a device or FIFO
 * written through, a descriptor path written to that descriptor, anything
 * else refused with a message), dg_output_check() agreeing with the writer
 * before any work, and dg_write_text_file_beside() never touching PATH.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "generator/text_file.h"

static char dir[64];
static char pathbuf[4][256];

/* dir/name, in one of a few rotating buffers */
static const char *in_dir(const char *name)
{
	static int i;
	char *b = pathbuf[i++ % 4];

	snprintf(b, sizeof(pathbuf[0]), "%s/%s", dir, name);
	return b;
}

static void assert_contains(const char *haystack, const char *needle)
{
	if (!strstr(haystack, needle))
		fail_msg("\"%s\" does not contain \"%s\"", haystack, needle);
}

static void put_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
}

/* The whole content of path; free() it. */
static char *get_file(const char *path)
{
	char *b = calloc(1, 4096);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	assert_non_null(b);
	assert_true(fd >= 0);
	n = read(fd, b, 4095);
	assert_true(n >= 0);
	close(fd);
	return b;
}

static void assert_file(const char *path, const char *want)
{
	_cleanup_free_ char *got = get_file(path);

	assert_string_equal(got, want);
}

/* What reads from fd now, without waiting; free() it. */
static char *drain(int fd)
{
	char *b = calloc(1, 4096);
	ssize_t n;

	assert_non_null(b);
	n = read(fd, b, 4095);
	assert_true(n >= 0);
	return b;
}

/* The directory holds exactly n entries (no temporary file left behind). */
static void assert_entries(size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t got = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		got += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	assert_int_equal(got, n);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/dg-test-text-file.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Each test starts with an empty directory. */
static int empty_dir(void **state)
{
	return teardown(state) ?: setup(state);
}

/* ---- regular files ------------------------------------------------------------------------ */

static void test_new_file(void **state)
{
	const char *path = in_dir("p.json");
	mode_t old = umask(077);
	struct stat st;

	(void)state;
	assert_int_equal(dg_output_check(path), 0);
	assert_int_equal(dg_write_text_file("{}\n", path), 0);
	umask(old);
	assert_file(path, "{}\n");
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644); /* whatever the umask */
	assert_entries(1);
}

static void test_replace_file(void **state)
{
	const char *path = in_dir("p.json");
	struct stat before, after;

	(void)state;
	put_file(path, "old\n");
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(dg_output_check(path), 0);
	assert_int_equal(dg_write_text_file("new\n", path), 0);
	assert_file(path, "new\n");
	assert_int_equal(stat(path, &after), 0);
	/* replaced by rename: a reader holding the old file never saw it change */
	assert_true(before.st_ino != after.st_ino);
	assert_int_equal(after.st_mode & 07777, 0644);
	assert_entries(1);
}

static void test_missing_parent(void **state)
{
	const char *path = in_dir("no/such/p.json");
	char want[512];

	(void)state;
	assert_int_equal(dg_output_check(path), -ENOENT);
	snprintf(want, sizeof(want),
		 "%s: cannot create a file in %s/no/such: No such file or directory", path, dir);
	assert_string_equal(dg_errmsg(), want);
	assert_int_equal(dg_write_text_file("{}\n", path), -ENOENT);
	snprintf(want, sizeof(want),
		 "%s: cannot create a temporary file in %s/no/such: No such file or directory",
		 path, dir);
	assert_string_equal(dg_errmsg(), want);
}

/* A path through a regular file: not a directory. */
static void test_parent_is_a_file(void **state)
{
	const char *file = in_dir("f"), *path = in_dir("f/p.json");

	(void)state;
	put_file(file, "x");
	assert_int_equal(dg_output_check(path), -ENOTDIR);
	assert_int_equal(dg_write_text_file("{}\n", path), -ENOTDIR);
	assert_file(file, "x");
}

/* ---- devices, FIFOs, descriptors ---------------------------------------------------------- */

static void test_dev_null(void **state)
{
	struct stat st;

	(void)state;
	assert_int_equal(dg_output_check("/dev/null"), 0);
	assert_int_equal(dg_write_text_file("{}\n", "/dev/null"), 0);
	/* written through, not replaced by a regular file (as root it was) */
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(major(st.st_rdev), 1);
	assert_int_equal(minor(st.st_rdev), 3);
}

static void test_fifo(void **state)
{
	const char *path = in_dir("fifo");
	_cleanup_close_ int rfd = -1;
	_cleanup_free_ char *got = NULL;
	struct stat st;

	(void)state;
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(dg_output_check(path), 0);
	/* a reader first, so that the writer's open does not wait */
	rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(rfd >= 0);
	assert_int_equal(dg_write_text_file("{\"a\": 1}\n", path), 0);
	got = drain(rfd);
	assert_string_equal(got, "{\"a\": 1}\n");
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_entries(1);
}

/* /dev/fd/N and /proc/self/fd/N: that descriptor (as `-o >(jq .)` gives). */
static void test_descriptor_paths(void **state)
{
	static const char *const fmts[] = {"/dev/fd/%d", "/proc/self/fd/%d"};
	int p[2];

	(void)state;
	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *got = NULL;
		char path[64];

		snprintf(path, sizeof(path), fmts[i], p[1]);
		assert_int_equal(dg_output_check(path), 0);
		assert_int_equal(dg_write_text_file("x\n", path), 0);
		got = drain(p[0]);
		assert_string_equal(got, "x\n");

		snprintf(path, sizeof(path), fmts[i], p[0]);
		assert_int_equal(dg_output_check(path), -EBADF);
		assert_contains(dg_errmsg(), ": descriptor ");
		assert_contains(dg_errmsg(), " is open for reading only");
	}
	close(p[0]);
	close(p[1]);
	assert_int_equal(dg_output_check("/dev/fd/1000000"), -EBADF);
	assert_string_equal(dg_errmsg(), "/dev/fd/1000000: descriptor 1000000 is not open");
}

/* /dev/stdout is standard output, as "-": a redirected one is appended to, never replaced. */
static void test_dev_stdout(void **state)
{
	const char *path = in_dir("out.log");
	int saved, fd;
	struct stat before, after;

	(void)state;
	put_file(path, "earlier\n");
	assert_int_equal(stat(path, &before), 0);
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_true(fd >= 0);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
	assert_int_equal(dg_output_check("/dev/stdout"), 0);
	assert_int_equal(dg_write_text_file("{}\n", "/dev/stdout"), 0);
	assert_int_equal(dg_write_text_file("[]\n", "-"), 0);
	assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
	close(saved);
	close(fd);
	assert_file(path, "earlier\n{}\n[]\n");
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
}

/* ---- refused ------------------------------------------------------------------------------ */

static void test_directory(void **state)
{
	const char *path = in_dir("d");
	char want[256];
	struct stat st;

	(void)state;
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(want, sizeof(want),
		 "%s: is a directory; give the path of a file (a new one, or a regular file to "
		 "replace)",
		 path);
	assert_int_equal(dg_output_check(path), -EISDIR);
	assert_string_equal(dg_errmsg(), want);
	assert_int_equal(dg_write_text_file("{}\n", path), -EISDIR);
	assert_string_equal(dg_errmsg(), want);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_entries(1);
}

static void test_symlink(void **state)
{
	const char *target = in_dir("real.json"), *link = in_dir("link.json");
	char want[512];
	struct stat st;

	(void)state;
	put_file(target, "old\n");
	assert_int_equal(symlink(target, link), 0);
	snprintf(want, sizeof(want),
		 "%s: is a symbolic link (to %s); give the path of what it points to: "
		 "driftguard does not write through links, which as root could redirect the "
		 "write onto any file",
		 link, target);
	assert_int_equal(dg_output_check(link), -ELOOP);
	assert_string_equal(dg_errmsg(), want);
	assert_int_equal(dg_write_text_file("new\n", link), -ELOOP);
	assert_string_equal(dg_errmsg(), want);
	/* the link is still a link, its target untouched */
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_file(target, "old\n");
	assert_entries(2);

	/* a link to a device is no different: give the device */
	assert_int_equal(unlink(link), 0);
	assert_int_equal(symlink("/dev/null", link), 0);
	assert_int_equal(dg_write_text_file("new\n", link), -ELOOP);
	assert_contains(dg_errmsg(), "(to /dev/null)");
}

static void test_socket(void **state)
{
	const char *path = in_dir("sock");
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	_cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	(void)state;
	assert_true(s >= 0);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(dg_output_check(path), -ENXIO);
	assert_int_equal(dg_write_text_file("{}\n", path), -ENXIO);
	assert_contains(dg_errmsg(), ": is a socket; driftguard writes to a file, a character "
				     "device (/dev/null, a terminal) or a FIFO");
}

static void test_block_device(void **state)
{
	const char *path = in_dir("blk");

	(void)state;
	if (mknod(path, S_IFBLK | 0600, makedev(7, 200)) < 0)
		skip(); /* needs CAP_MKNOD */
	assert_int_equal(dg_output_check(path), -EINVAL);
	assert_int_equal(dg_write_text_file("{}\n", path), -EINVAL);
	assert_contains(dg_errmsg(), ": is a block device; ");
}

/* ---- beside ------------------------------------------------------------------------------- */

static void test_beside_keeps_profile(void **state)
{
	const char *path = in_dir("p.json"), *partial = in_dir("p.json" DG_PARTIAL_SUFFIX);
	_cleanup_free_ char *written = NULL;

	(void)state;
	put_file(path, "complete\n");
	assert_int_equal(dg_write_text_file_beside("partial\n", path, &written), 0);
	assert_string_equal(written, partial);
	assert_file(path, "complete\n");
	assert_file(partial, "partial\n");
	assert_entries(2);
}

/* No profile yet: still beside, so the final name never holds a partial one. */
static void test_beside_new(void **state)
{
	const char *path = in_dir("p.json");
	_cleanup_free_ char *written = NULL;

	(void)state;
	assert_int_equal(dg_write_text_file_beside("partial\n", path, &written), 0);
	assert_string_equal(written, in_dir("p.json.partial"));
	assert_int_equal(access(path, F_OK), -1);
	assert_file(written, "partial\n");
}

static void test_beside_not_a_file(void **state)
{
	_cleanup_free_ char *written = NULL;
	char *none = (char *)1;
	const char *dpath = in_dir("d"), *path = in_dir("p.json");

	(void)state;
	/* nothing to protect: written where asked */
	assert_int_equal(dg_write_text_file_beside("x\n", "/dev/null", &written), 0);
	assert_string_equal(written, "/dev/null");

	assert_int_equal(mkdir(dpath, 0755), 0);
	assert_int_equal(dg_write_text_file_beside("x\n", dpath, &none), -EISDIR);
	assert_null(none);

	/* PATH.partial is checked as any output */
	none = (char *)1;
	assert_int_equal(symlink("/etc/passwd", in_dir("p.json.partial")), 0);
	assert_int_equal(dg_write_text_file_beside("x\n", path, &none), -ELOOP);
	assert_null(none);
	assert_contains(dg_errmsg(), "p.json.partial: is a symbolic link (to /etc/passwd)");
}

#define T(f) cmocka_unit_test_setup(f, empty_dir)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_new_file),
		T(test_replace_file),
		T(test_missing_parent),
		T(test_parent_is_a_file),
		T(test_dev_null),
		T(test_fifo),
		T(test_descriptor_paths),
		T(test_dev_stdout),
		T(test_directory),
		T(test_symlink),
		T(test_socket),
		T(test_block_device),
		T(test_beside_keeps_profile),
		T(test_beside_new),
		T(test_beside_not_a_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
