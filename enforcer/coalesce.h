/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Coalescing identical events (enforce --coalesce MS): a container that
 * drifts in a loop would write one line per exec. The first event of a kind
 * — same container (cgroup), rule, action, kind, origin and path — is
 * written at once and opens a window of MS milliseconds; the identical
 * events that follow within it are only counted. When the window ends, one
 * more line stands for them: the last of them with "coalesced": N (how many
 * it stands for, itself included) and "first_time", the time of the first
 * of them. The next identical event opens a new window and is written at
 * once again. Every decision is still counted: in a line of its own or in a
 * "coalesced" count.
 */
#ifndef __DG_COALESCE_H
#define __DG_COALESCE_H

#include <stdbool.h>
#include <stdint.h>

#include "bpf/enforce.h"
#include "common/cleanup.h"

/* Kinds of events followed at once; beyond them the oldest window closes early. */
#define DG_COALESCE_SLOTS 256

struct dg_coalesce;

/* The events a window coalesced: `last` of them, `count` in all, the first at first_ns. */
typedef void (*dg_coalesce_fn)(void *ctx, const struct dg_exec_event *last, uint64_t count,
			       uint64_t first_ns);

/* Windows of `window_ns` (CLOCK_MONOTONIC, as event times); `emit` writes what they coalesced. */
int dg_coalesce_new(uint64_t window_ns, dg_coalesce_fn emit, void *ctx, struct dg_coalesce **out);
void dg_coalesce_free(struct dg_coalesce *c);
DG_DEFINE_CLEANUP(struct dg_coalesce *, dg_coalesce_free);

/*
 * true: `ev` is the first of its kind in a window, write it now; false: it
 * was counted in its kind's open window. Windows that have ended by ev's
 * time are emitted first.
 */
bool dg_coalesce_admit(struct dg_coalesce *c, const struct dg_exec_event *ev);

/* Emit the windows that have ended by now_ns (UINT64_MAX: all of them, when stopping). */
void dg_coalesce_flush(struct dg_coalesce *c, uint64_t now_ns);

#endif /* __DG_COALESCE_H */
