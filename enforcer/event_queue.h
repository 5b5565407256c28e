/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Decisions waiting, in order, for their syscall tail to be complete. The
 * kernel reports a decision before the refused syscall returns (BPF-LSM's
 * EPERM, or the exec the signal backend kills): its return value reaches the
 * flight recorder a moment later. Rather than sleeping in the event loop
 * (a flood of blocked execs would then stall reloads, stop and new
 * containers), an event whose tail is not complete yet waits here, and the
 * loop tries the queue again on its next turn; past its deadline an event is
 * written with the tail as it is. Events behind a waiting one wait too: the
 * output keeps the order of the decisions.
 */
#ifndef __DG_EVENT_QUEUE_H
#define __DG_EVENT_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/enforce.h"
#include "enforcer/rules.h"

struct dg_event_queue;

/*
 * Try to write `ev`, decided by rule `rule`; `last_try`: write it whatever
 * its tail looks like. true: written (or counted as dropped), false: its
 * tail is not complete yet.
 */
typedef bool (*dg_event_try_fn)(void *ctx, const struct dg_exec_event *ev, const char *rule,
				bool last_try);

/* A queue of at most `capacity` events. */
int dg_event_queue_new(size_t capacity, dg_event_try_fn try_write, void *ctx,
		       struct dg_event_queue **out);
void dg_event_queue_free(struct dg_event_queue *q);
void dg_event_queue_freep(struct dg_event_queue **q);

/*
 * A new decision at monotonic time `now_ns`: written at once when nothing
 * waits and its tail is complete, else queued until `now_ns + wait_ns`. A
 * full queue writes its oldest event as it is first.
 */
void dg_event_queue_add(struct dg_event_queue *q, const struct dg_exec_event *ev, const char *rule,
			uint64_t now_ns, uint64_t wait_ns);

/* Write what can be written now, in order (everything with `all`). */
void dg_event_queue_drain(struct dg_event_queue *q, uint64_t now_ns, bool all);

/* Events waiting. */
size_t dg_event_queue_len(const struct dg_event_queue *q);

#endif /* __DG_EVENT_QUEUE_H */
