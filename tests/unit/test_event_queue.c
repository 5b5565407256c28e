// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests of the queue of events waiting for their syscall tail
 * (enforcer/event_queue.c): order kept, deadlines, a full queue, the final
 * drain.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>

#include <cmocka.h>

#include "enforcer/event_queue.h"

/* A fake writer: tails of tids in `ready` are complete; what it wrote, in order. */
struct writer {
	unsigned int ready[16];
	size_t n_ready;
	unsigned int written[64];
	char rules[64][DG_RULE_NAME_MAX];
	bool forced[64];
	size_t n_written;
};

static bool is_ready(const struct writer *w, unsigned int tid)
{
	for (size_t i = 0; i < w->n_ready; i++)
		if (w->ready[i] == tid)
			return true;
	return false;
}

static bool fake_try(void *ctx, const struct dg_exec_event *ev, const char *rule, bool last_try)
{
	struct writer *w = ctx;

	if (!last_try && !is_ready(w, ev->tid))
		return false;
	w->forced[w->n_written] = last_try && !is_ready(w, ev->tid);
	strcpy(w->rules[w->n_written], rule);
	w->written[w->n_written++] = ev->tid;
	return true;
}

static void add(struct dg_event_queue *q, unsigned int tid, uint64_t now)
{
	struct dg_exec_event ev = {.tid = tid};

	dg_event_queue_add(q, &ev, tid % 2 ? "odd" : "even", now, 5);
}

static void test_ready_event_written_at_once(void **state)
{
	struct writer w = {.ready = {1}, .n_ready = 1};
	struct dg_event_queue *q;

	(void)state;
	assert_int_equal(dg_event_queue_new(4, fake_try, &w, &q), 0);
	add(q, 1, 100);
	assert_int_equal(w.n_written, 1);
	assert_string_equal(w.rules[0], "odd");
	assert_int_equal(dg_event_queue_len(q), 0);
	dg_event_queue_free(q);
}

static void test_order_kept_behind_a_waiting_event(void **state)
{
	struct writer w = {.ready = {2}, .n_ready = 1};
	struct dg_event_queue *q;

	(void)state;
	assert_int_equal(dg_event_queue_new(4, fake_try, &w, &q), 0);
	add(q, 1, 100); /* its tail is not complete */
	add(q, 2, 101); /* ready, but behind 1 */
	assert_int_equal(w.n_written, 0);
	assert_int_equal(dg_event_queue_len(q), 2);
	w.ready[w.n_ready++] = 1; /* 1's syscall returned */
	dg_event_queue_drain(q, 102, false);
	assert_int_equal(w.n_written, 2);
	assert_int_equal(w.written[0], 1);
	assert_int_equal(w.written[1], 2);
	assert_false(w.forced[0]);
	dg_event_queue_free(q);
}

static void test_deadline_writes_as_it_is(void **state)
{
	struct writer w = {0};
	struct dg_event_queue *q;

	(void)state;
	assert_int_equal(dg_event_queue_new(4, fake_try, &w, &q), 0);
	add(q, 3, 100); /* deadline 105 */
	dg_event_queue_drain(q, 104, false);
	assert_int_equal(w.n_written, 0);
	dg_event_queue_drain(q, 105, false);
	assert_int_equal(w.n_written, 1);
	assert_true(w.forced[0]);
	dg_event_queue_free(q);
}

static void test_full_queue_writes_oldest(void **state)
{
	struct writer w = {0};
	struct dg_event_queue *q;

	(void)state;
	assert_int_equal(dg_event_queue_new(2, fake_try, &w, &q), 0);
	add(q, 1, 100);
	add(q, 3, 100);
	add(q, 5, 100); /* full: 1 goes out as it is */
	assert_int_equal(w.n_written, 1);
	assert_int_equal(w.written[0], 1);
	assert_int_equal(dg_event_queue_len(q), 2);
	dg_event_queue_drain(q, 100, true); /* the end: everything */
	assert_int_equal(w.n_written, 3);
	assert_int_equal(w.written[1], 3);
	assert_int_equal(w.written[2], 5);
	assert_int_equal(dg_event_queue_len(q), 0);
	dg_event_queue_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ready_event_written_at_once),
		cmocka_unit_test(test_order_kept_behind_a_waiting_event),
		cmocka_unit_test(test_deadline_writes_as_it_is),
		cmocka_unit_test(test_full_queue_writes_oldest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
