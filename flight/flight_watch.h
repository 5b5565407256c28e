/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The flight recorder of `driftguard enforce`: one recording session per
 * running container, so that every decision can carry the container's last
 * syscalls and `driftguard dump CONTAINER` works while enforce runs.
 *
 * Containers are those of the inventory (containers/inventory.h), which
 * tells of them as their runtime writes their state, before their process
 * runs the container's command: each running one gets a session whose
 * cgroup the recorder watches (its tasks are adopted at their next
 * syscall); a container that is gone gives its session back a few seconds
 * later (its last events and dumps still find its ring). What a container
 * did before it was found (a few milliseconds at its start) is not in its
 * ring. Sessions, and so containers recorded at once, are limited to
 * DG_MAX_SESSIONS - 1; those beyond it are enforced as ever but have no
 * flight recorder (said once per container).
 */
#ifndef __DG_FLIGHT_WATCH_H
#define __DG_FLIGHT_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "containers/identity.h"
#include "containers/inventory.h"

struct dg_flight_watch;

/*
 * Load the recorder with rings of `entries` syscalls (rounded up to a power
 * of two), publish them for `driftguard dump`, and record the running
 * containers of `inv` from now on. inv must outlive the watch.
 */
int dg_flight_watch_new(unsigned int entries, struct dg_inventory *inv,
			struct dg_flight_watch **out);
void dg_flight_watch_free(struct dg_flight_watch *w);
DG_DEFINE_CLEANUP(struct dg_flight_watch *, dg_flight_watch_free);

/* Entries per ring after rounding. */
unsigned int dg_flight_watch_entries(const struct dg_flight_watch *w);

/*
 * Gives back the sessions of containers gone for a while, and publishes
 * the sessions for `driftguard dump` when they changed. Call it after
 * dg_inventory_refresh(), and at least once a second.
 */
void dg_flight_watch_tick(struct dg_flight_watch *w);

/*
 * The identity of the recorded container whose cgroup is `cgroup_id`, as
 * its runtime's state said when it was found: still known for a while
 * after the container exited and its state and cgroup are gone. -ENOENT
 * (no message) when not recorded.
 */
int dg_flight_watch_identity(struct dg_flight_watch *w, uint64_t cgroup_id,
			     struct dg_identity *out);

/*
 * The last `want` syscalls, made up to `until_ns` (CLOCK_MONOTONIC), of the
 * container whose cgroup is `cgroup_id`, as a JSON array of
 * dg_flight_entry_to_json() objects, oldest first: the whole ring is read,
 * as the container may have gone on long after the decision. When there
 * are none, `why` says why: the container was found only after the
 * decision, or its ring has moved on since (more syscalls after the
 * decision than the ring holds), ... ("" otherwise). -ENOENT when that
 * cgroup is not a recorded container.
 */
int dg_flight_watch_tail(struct dg_flight_watch *w, uint64_t cgroup_id, uint64_t until_ns,
			 size_t want, json_t **out, char *why, size_t why_len);

/* The recorder's tasks that got no task storage (dg_recorder_lost_tasks()). */
uint64_t dg_flight_watch_lost_tasks(struct dg_flight_watch *w);

/* The recorder's programs' kernel run time and count (dg_recorder_prog_stats()). */
int dg_flight_watch_prog_stats(struct dg_flight_watch *w, uint64_t run_ns[2], uint64_t run_cnt[2]);

#endif /* __DG_FLIGHT_WATCH_H */
