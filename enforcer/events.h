/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The events of the drift policy: each decision the kernel reports
 * (struct dg_exec_event, bpf/enforce.h) as one JSON line of enforce's output
 * (README, "Events"), in this order:
 *   time, container ({runtime, id, name, display} — runtime "unknown" with the
 *   cgroup in display for a container whose runtime driftguard does not read —
 *   or {runtime: "host"}),
 *   cgroup_id, pid, tid, comm, path, path_complete, fupper_layer,
 *   eupper_layer, origin (a list), kind, reason, rule, action, backend, hook,
 *   [self_exec],
 *   [coalesced, first_time], [syscalls_unavailable], syscalls.
 * comm, path and the container's id, name and display are the kernel's and
 * the filesystem's bytes: when they are not UTF-8 they are escaped and their
 * raw bytes follow in KEY_base64 (common/json_text.h).
 */
#ifndef __DG_EVENTS_H
#define __DG_EVENTS_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "bpf/enforce.h"
#include "containers/identity.h"

/* CLOCK_REALTIME minus CLOCK_MONOTONIC now, in ns: an event's time as wall-clock time. */
long long dg_event_clock_offset(void);

/*
 * The line of decision `ev`, up to its syscalls: `ident` is the container
 * (NULL: the host), `rule` the deciding rule's name, mono_to_real_ns from
 * dg_event_clock_offset(). NULL when out of memory: the caller counts the
 * event as dropped.
 */
json_t *dg_event_to_json(const struct dg_exec_event *ev, const struct dg_identity *ident,
			 const char *rule, long long mono_to_real_ns);

/*
 * Add "syscalls": `tail` (stolen), the container's last syscalls up to the
 * decision (dg_flight_watch_tail()), or null when NULL. "syscalls_unavailable"
 * before it says why there are none: `unavailable` (the recorder is off,
 * the host has no ring, ...), or that the container was found only after
 * the decision when the tail is empty.
 */
void dg_event_set_syscalls(json_t *line, json_t *tail, const char *unavailable);

/*
 * Make `line` (of the last event of a --coalesce window, enforcer/coalesce.h)
 * stand for `count` identical events, the first at first_ns: "coalesced": N,
 * "first_time", and no syscalls (the first event of the kind, written at
 * once, carries them). 0, or -ENOMEM.
 */
int dg_event_set_coalesced(json_t *line, uint64_t count, uint64_t first_ns,
			   long long mono_to_real_ns);

/*
 * Write `line` as one compact line, in its keys' order, and flush. An error
 * (out of memory, a full disk) means the event is lost: the caller counts it
 * as dropped.
 */
int dg_event_print(FILE *out, json_t *line);

#endif /* __DG_EVENTS_H */
