/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The flight recorder of `driftguard enforce`: one recording session per
 * running container, so that every decision can carry the container's last
 * syscalls and `driftguard dump CONTAINER` works while enforce runs.
 *
 * Containers are found in the runc-like state directories that identity.h
 * knows (runc, crun, docker, containerd): each running one gets a session
 * whose cgroup the recorder watches (its tasks are adopted at their next
 * syscall); a container that is gone gives its session back a few seconds
 * later (its last events and dumps still find its ring). What a
 * container did before it was found (a few milliseconds at its start, see
 * dg_flight_watch_refresh()) is not in its ring. Sessions, and
 * so containers recorded at once, are limited to DG_MAX_SESSIONS - 1;
 * those beyond it are enforced as ever but have no flight recorder (said
 * once per container).
 */
#ifndef __DG_FLIGHT_WATCH_H
#define __DG_FLIGHT_WATCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "containers/identity.h"

struct dg_flight_watch;

/*
 * Load the recorder with rings of `entries` syscalls (rounded up to a power
 * of two) and publish them for `driftguard dump`. state_roots: NULL for
 * dg_identity_default_state_roots.
 */
int dg_flight_watch_new(unsigned int entries, const char *const *state_roots,
			struct dg_flight_watch **out);
void dg_flight_watch_free(struct dg_flight_watch *w);

/* Entries per ring after rounding. */
unsigned int dg_flight_watch_entries(const struct dg_flight_watch *w);

/*
 * Look for containers that started or stopped: at once when inotify says a
 * state directory changed (a runtime writes a container's state before its
 * process runs the container's command), else at most once a second. Cheap
 * to call often.
 */
void dg_flight_watch_refresh(struct dg_flight_watch *w);

/* Readable (poll(2)) when a state directory changed: call refresh then. */
int dg_flight_watch_fd(const struct dg_flight_watch *w);

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
 * dg_flight_entry_to_json() objects, oldest first. -ENOENT when that cgroup
 * is not a recorded container.
 */
int dg_flight_watch_tail(struct dg_flight_watch *w, uint64_t cgroup_id, uint64_t until_ns,
			 size_t want, json_t **out);

#endif /* __DG_FLIGHT_WATCH_H */
