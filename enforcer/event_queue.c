// SPDX-License-Identifier: GPL-2.0-only
#include "enforcer/event_queue.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"

struct waiting {
	struct dg_exec_event ev;
	char rule[DG_RULE_NAME_MAX];
	uint64_t deadline_ns;
};

struct dg_event_queue {
	struct waiting *slots; /* a ring: head is the oldest */
	size_t capacity, head, len;
	dg_event_try_fn try_write;
	void *ctx;
};

int dg_event_queue_new(size_t capacity, dg_event_try_fn try_write, void *ctx,
		       struct dg_event_queue **out)
{
	struct dg_event_queue *q = calloc(1, sizeof(*q));

	*out = NULL;
	if (!q || !capacity || !(q->slots = calloc(capacity, sizeof(*q->slots)))) {
		free(q);
		return dg_err(ENOMEM, "out of memory");
	}
	q->capacity = capacity;
	q->try_write = try_write;
	q->ctx = ctx;
	*out = q;
	return 0;
}

void dg_event_queue_free(struct dg_event_queue *q)
{
	if (!q)
		return;
	free(q->slots);
	free(q);
}

void dg_event_queue_freep(struct dg_event_queue **q)
{
	dg_event_queue_free(*q);
	*q = NULL;
}

/* Try the oldest event; true when it was written and removed. */
static bool try_head(struct dg_event_queue *q, uint64_t now_ns, bool force)
{
	struct waiting *w = &q->slots[q->head];

	if (!q->try_write(q->ctx, &w->ev, w->rule, force || now_ns >= w->deadline_ns))
		return false;
	q->head = (q->head + 1) % q->capacity;
	q->len--;
	return true;
}

void dg_event_queue_drain(struct dg_event_queue *q, uint64_t now_ns, bool all)
{
	while (q->len && try_head(q, now_ns, all))
		;
}

void dg_event_queue_add(struct dg_event_queue *q, const struct dg_exec_event *ev, const char *rule,
			uint64_t now_ns, uint64_t wait_ns)
{
	struct waiting *w;

	dg_event_queue_drain(q, now_ns, false);
	if (!q->len && q->try_write(q->ctx, ev, rule, false))
		return;
	if (q->len == q->capacity)
		try_head(q, now_ns, true);
	w = &q->slots[(q->head + q->len) % q->capacity];
	w->ev = *ev;
	snprintf(w->rule, sizeof(w->rule), "%s", rule);
	w->deadline_ns = now_ns + wait_ns;
	q->len++;
}

size_t dg_event_queue_len(const struct dg_event_queue *q)
{
	return q->len;
}
