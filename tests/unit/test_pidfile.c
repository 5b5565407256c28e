// SPDX-License-Identifier: GPL-2.0-only
/* Pid files held with flock(2) (common/pidfile.c): live holder, stale file, busy. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/errors.h"
#include "common/pidfile.h"

static char dir[] = "/tmp/dg-pidfile.XXXXXX";
static char path[sizeof(dir) + 32];

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	/* A directory that does not exist yet: acquire makes it (/run/driftguard). */
	snprintf(path, sizeof(path), "%s/sub/enforce.pid", dir);
	return 0;
}

static int teardown(void **state)
{
	char sub[sizeof(path)];

	(void)state;
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
	return 0;
}

static void test_holder_is_us_while_held(void **state)
{
	struct dg_pidfile p;
	pid_t pid = 0;

	(void)state;
	assert_int_equal(dg_pidfile_acquire(path, &p), 0);
	assert_int_equal(dg_pidfile_holder(path, &pid), 0);
	assert_int_equal(pid, getpid());
	dg_pidfile_release(&p);
	assert_int_equal(p.fd, -1);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(dg_pidfile_holder(path, &pid), -ENOENT);
	dg_pidfile_release(&p); /* twice: nothing */
}

/* A file left by a dead process names a pid, but nobody holds it: refused, -ESRCH. */
static void test_stale_file_is_refused(void **state)
{
	FILE *f = fopen(path, "w");
	pid_t pid = 0;

	(void)state;
	assert_non_null(f);
	fprintf(f, "%d\n", (int)getppid());
	fclose(f);
	assert_int_equal(dg_pidfile_holder(path, &pid), -ESRCH);
	assert_non_null(strstr(dg_errmsg(), "stale"));
	assert_int_equal(pid, 0);
	dg_err_clear();
	unlink(path);
}

/* Held by another process: a second acquire is -EBUSY and names it. */
static void test_second_acquire_is_busy(void **state)
{
	int ready[2], done[2];
	struct dg_pidfile p;
	pid_t child, pid = 0;
	char c;

	(void)state;
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(done), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct dg_pidfile mine;

		if (dg_pidfile_acquire(path, &mine))
			_exit(1);
		if (write(ready[1], "r", 1) != 1 || read(done[0], &c, 1) != 1)
			_exit(1);
		dg_pidfile_release(&mine);
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(dg_pidfile_acquire(path, &p), -EBUSY);
	assert_non_null(strstr(dg_errmsg(), "holds"));
	assert_int_equal(dg_pidfile_holder(path, &pid), 0);
	assert_int_equal(pid, child);
	assert_int_equal(write(done[1], "d", 1), 1);
	assert_int_equal(waitpid(child, NULL, 0), child);
	dg_err_clear();
	close(ready[0]);
	close(ready[1]);
	close(done[0]);
	close(done[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_holder_is_us_while_held),
		cmocka_unit_test(test_stale_file_is_refused),
		cmocka_unit_test(test_second_acquire_is_busy),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
