// SPDX-License-Identifier: GPL-2.0-only
/* Coalescing identical events within a window (coalesce.h). */
#include "enforcer/coalesce.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"

struct window {
	bool open;
	uint64_t start_ns;	   /* the time of the event written at once */
	uint64_t count;		   /* identical events since, not written yet */
	uint64_t first_ns;	   /* the first of them */
	struct dg_exec_event last; /* the last of them (its key is the window's) */
};

struct dg_coalesce {
	uint64_t window_ns;
	dg_coalesce_fn emit;
	void *ctx;
	struct window w[DG_COALESCE_SLOTS];
};

int dg_coalesce_new(uint64_t window_ns, dg_coalesce_fn emit, void *ctx, struct dg_coalesce **out)
{
	struct dg_coalesce *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return dg_err(ENOMEM, "out of memory");
	c->window_ns = window_ns;
	c->emit = emit;
	c->ctx = ctx;
	*out = c;
	return 0;
}

void dg_coalesce_free(struct dg_coalesce *c)
{
	free(c);
}

static bool same_kind(const struct dg_exec_event *a, const struct dg_exec_event *b)
{
	return a->cgroup_id == b->cgroup_id && a->rule == b->rule && a->action == b->action &&
	       a->kind == b->kind && a->origin == b->origin &&
	       !strncmp(a->path, b->path, sizeof(a->path));
}

static void close_window(struct dg_coalesce *c, struct window *w)
{
	if (w->count)
		c->emit(c->ctx, &w->last, w->count, w->first_ns);
	w->open = false;
	w->count = 0;
}

void dg_coalesce_flush(struct dg_coalesce *c, uint64_t now_ns)
{
	for (size_t i = 0; i < DG_COALESCE_SLOTS; i++) {
		struct window *w = &c->w[i];

		/* now_ns may be a little behind start_ns: events of other CPUs come out of order.
		 */
		if (w->open && now_ns >= w->start_ns && now_ns - w->start_ns >= c->window_ns)
			close_window(c, w);
	}
}

bool dg_coalesce_admit(struct dg_coalesce *c, const struct dg_exec_event *ev)
{
	struct window *free_w = NULL, *oldest = NULL;

	dg_coalesce_flush(c, ev->time_ns);
	for (size_t i = 0; i < DG_COALESCE_SLOTS; i++) {
		struct window *w = &c->w[i];

		if (!w->open) {
			free_w = free_w ?: w;
			continue;
		}
		if (same_kind(&w->last, ev)) {
			if (!w->count++)
				w->first_ns = ev->time_ns;
			w->last = *ev;
			return false;
		}
		if (!oldest || w->start_ns < oldest->start_ns)
			oldest = w;
	}
	/* Every slot busy with another kind: the oldest window ends early. */
	if (!free_w) {
		close_window(c, oldest);
		free_w = oldest;
	}
	free_w->open = true;
	free_w->start_ns = ev->time_ns;
	free_w->count = 0;
	free_w->last = *ev;
	return true;
}
