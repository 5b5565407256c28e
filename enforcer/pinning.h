/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The enforcer's state in bpffs, so that enforcement outlives the daemon.
 *
 * A running `driftguard enforce` pins its links and maps in a "set",
 * DG_ENFORCE_PIN_DIR/<pid>-<start time>/ (link_<program>, map_<map>), and a
 * one-entry array map "state" (struct dg_pin_state, pinned last: a set
 * without it was never complete) saying who pinned it and which rules it
 * enforces. A pinned link keeps its program attached, and the program its
 * maps, with no process left: `kill -9` of the daemon changes nothing in the
 * kernel. Nothing in a decision needs user space (bpf/enforce.h); events
 * queue in the pinned ring buffer, and once it is full they are counted as
 * dropped.
 *
 * A restarted daemon loads and attaches its own programs and installs its
 * rules first, pins its set, and only then removes the sets it found
 * ("adopts" them): between the two, both enforce. It reads what queued in
 * their rings. A clean stop (SIGTERM, SIGINT, `driftguard stop`) removes
 * the set; a crash or SIGKILL leaves it.
 *
 * The flight recorder pins beside it (DG_BPFFS_ROOT/<owner pid>/, swept
 * when its owner is gone); "enforce" is not a pid, so that sweep passes it.
 */
#ifndef __DG_PINNING_H
#define __DG_PINNING_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "bpf/enforce.h"
#include "common/bpffs.h"

#define DG_ENFORCE_PIN_DIR DG_BPFFS_ROOT "/enforce"
#define DG_PIN_STATE_VERSION 1
#define DG_PIN_RULE_NAME 64

/*
 * The "state" map's one value. start_time is the pid's start (/proc/PID/stat,
 * ticks after boot): a reused pid has another. generation counts the policies
 * installed so far (start, reloads, container changes), across restarts.
 * build is a hash of the BPF object: another daemon reads this one's counters
 * only when it is of the same build (same map layouts).
 */
struct dg_pin_state {
	uint32_t version; /* DG_PIN_STATE_VERSION */
	uint32_t pid;
	uint64_t start_time;
	int64_t started_at; /* CLOCK_REALTIME seconds */
	uint64_t generation;
	int64_t installed_at; /* CLOCK_REALTIME seconds of the last install */
	uint64_t build;
	uint32_t backend; /* enum dg_backend */
	uint32_t n_rules; /* kernel rules */
	uint32_t audit_only;
	uint32_t pad;
	char rules_path[256];
	char rule_names[DG_MAX_RULES][DG_PIN_RULE_NAME]; /* of each kernel rule */
};

/* A set found in DG_ENFORCE_PIN_DIR. */
struct dg_pinned_set {
	char dir[512];
	bool has_state; /* false: incomplete (its daemon died while pinning) */
	struct dg_pin_state state;
	unsigned int n_links, n_maps;
};

/* Whether the daemon that wrote state still runs (same pid, same start time). */
bool dg_pin_owner_alive(const struct dg_pin_state *state);

/* The start time (/proc/PID/stat) of pid, 0 when it cannot be read. */
uint64_t dg_pin_start_time(pid_t pid);

/*
 * The sets pinned now (*out malloc'ed, *n of them; none: 0 and NULL).
 * No bpffs or no DG_ENFORCE_PIN_DIR is no set.
 */
int dg_pins_scan(struct dg_pinned_set **out, size_t *n);

/*
 * Unpin everything of a set and remove its directory, then
 * DG_ENFORCE_PIN_DIR and DG_BPFFS_ROOT when they are empty. A link whose
 * last reference this was detaches its program.
 */
int dg_pins_remove(const struct dg_pinned_set *set);

/* An fd of the set's pinned map `name` ("events", "bss"); negative when absent. */
int dg_pins_open_map(const struct dg_pinned_set *set, const char *name);

/* "pid 4242 (started 2026-11-30 08:41:40 UTC)"; returns buf. */
const char *dg_pin_owner_text(const struct dg_pin_state *s, char *buf, size_t len);

struct bpf_object_skeleton;

/*
 * Pin the skeleton's maps and attached links in dir (created), then
 * state_fd as "state". On error what was pinned is removed again.
 */
int dg_pins_create(const char *dir, const struct bpf_object_skeleton *s, int state_fd);

/* A new "state" map (one struct dg_pin_state), or a negative errno with a message. */
int dg_pin_state_map_new(void);
#endif /* __DG_PINNING_H */
