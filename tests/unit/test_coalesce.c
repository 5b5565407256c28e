// SPDX-License-Identifier: GPL-2.0-only
/*
 * Coalescing identical events (enforcer/coalesce.c): the first of a kind is
 * written at once, the identical ones within its window are counted and
 * come out as one line when the window ends; every decision is counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "enforcer/coalesce.h"

#define WINDOW 1000

struct emitted {
	unsigned int calls;
	uint64_t count, first_ns, last_ns;
	char last_path[DG_PATH_MAX];
};

static void emit(void *ctx, const struct dg_exec_event *last, uint64_t count, uint64_t first_ns)
{
	struct emitted *e = ctx;

	e->calls++;
	e->count += count;
	e->first_ns = first_ns;
	e->last_ns = last->time_ns;
	snprintf(e->last_path, sizeof(e->last_path), "%s", last->path);
}

static struct dg_exec_event ev(uint64_t t, uint64_t cgroup, const char *path)
{
	struct dg_exec_event e = {.time_ns = t, .cgroup_id = cgroup, .action = DG_VERDICT_BLOCK};

	snprintf(e.path, sizeof(e.path), "%s", path);
	return e;
}

static void test_window(void **state)
{
	struct emitted out = {0};
	struct dg_coalesce *c = NULL;
	struct dg_exec_event e;

	(void)state;
	assert_int_equal(dg_coalesce_new(WINDOW, emit, &out, &c), 0);
	e = ev(100, 1, "/d/echo");
	assert_true(dg_coalesce_admit(c, &e)); /* the first: at once */
	e = ev(200, 1, "/d/echo");
	assert_false(dg_coalesce_admit(c, &e));
	e = ev(300, 1, "/d/echo");
	assert_false(dg_coalesce_admit(c, &e));
	e = ev(350, 2, "/d/echo"); /* another container */
	assert_true(dg_coalesce_admit(c, &e));
	e = ev(360, 1, "/d/other"); /* another path */
	assert_true(dg_coalesce_admit(c, &e));
	dg_coalesce_flush(c, 1099); /* not over yet */
	assert_int_equal(out.calls, 0);
	dg_coalesce_flush(c, 1100);
	assert_int_equal(out.calls, 1);
	assert_int_equal(out.count, 2);
	assert_int_equal(out.first_ns, 200);
	assert_int_equal(out.last_ns, 300);
	assert_string_equal(out.last_path, "/d/echo");
	e = ev(1200, 1, "/d/echo"); /* after the window: at once again */
	assert_true(dg_coalesce_admit(c, &e));
	e = ev(1300, 1, "/d/echo");
	assert_false(dg_coalesce_admit(c, &e));
	/* Stopping: what is still counted comes out; windows with nothing counted say nothing. */
	dg_coalesce_flush(c, UINT64_MAX);
	assert_int_equal(out.calls, 2);
	assert_int_equal(out.count, 3);
	dg_coalesce_free(c);
}

/* An event a little older than its window's start (another CPU) is counted in it. */
static void test_out_of_order(void **state)
{
	struct emitted out = {0};
	struct dg_coalesce *c = NULL;
	struct dg_exec_event e;

	(void)state;
	assert_int_equal(dg_coalesce_new(WINDOW, emit, &out, &c), 0);
	e = ev(5000, 1, "/x");
	assert_true(dg_coalesce_admit(c, &e));
	e = ev(4990, 1, "/x");
	assert_false(dg_coalesce_admit(c, &e));
	assert_int_equal(out.calls, 0);
	dg_coalesce_flush(c, UINT64_MAX);
	assert_int_equal(out.count, 1);
	dg_coalesce_free(c);
}

/* More kinds at once than slots: the oldest window ends early, nothing is lost. */
static void test_full(void **state)
{
	struct emitted out = {0};
	struct dg_coalesce *c = NULL;
	struct dg_exec_event e;
	char path[32];

	(void)state;
	assert_int_equal(dg_coalesce_new(WINDOW, emit, &out, &c), 0);
	for (unsigned int i = 0; i < DG_COALESCE_SLOTS; i++) {
		snprintf(path, sizeof(path), "/p%u", i);
		e = ev(10 + i, 1, path);
		assert_true(dg_coalesce_admit(c, &e));
	}
	e = ev(400, 1, "/p0");
	assert_false(dg_coalesce_admit(c, &e)); /* counted in /p0's window */
	e = ev(401, 1, "/new");
	assert_true(dg_coalesce_admit(c, &e)); /* /p0's window ends early, with its count */
	assert_int_equal(out.calls, 1);
	assert_int_equal(out.count, 1);
	assert_string_equal(out.last_path, "/p0");
	e = ev(402, 1, "/p0");
	assert_true(dg_coalesce_admit(c, &e)); /* its window is gone: at once */
	dg_coalesce_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
