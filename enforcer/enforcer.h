/* SPDX-License-Identifier: GPL-2.0-only */
/* The drift enforcer (bpf/enforce.bpf.c) seen from user space. */
#ifndef __DG_ENFORCER_H
#define __DG_ENFORCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <limits.h>

#include "bpf/enforce.h"
#include "common/cleanup.h"
#include "enforcer/pinning.h"

enum dg_backend_choice {
	DG_BACKEND_CHOICE_AUTO,
	DG_BACKEND_CHOICE_LSM,
	DG_BACKEND_CHOICE_SIGNAL,
};

struct dg_enforcer;

typedef void (*dg_event_fn)(const struct dg_exec_event *ev, void *ctx);

/*
 * Probe the kernel, pick the backend (auto: LSM when BPF-LSM is active and a
 * program really runs, else signal: its fentry flavour where fentry on
 * security_bprm_check attaches and runs, else its tracepoint flavour), load
 * and attach it. `why` receives one
 * line saying which backend was chosen and why. The policy starts empty:
 * nothing is blocked until dg_enforcer_set_policy().
 */
int dg_enforcer_open(enum dg_backend_choice choice, dg_event_fn on_event, void *ctx,
		     struct dg_enforcer **out, char *why, size_t why_len);
void dg_enforcer_close(struct dg_enforcer *e);
DG_DEFINE_CLEANUP(struct dg_enforcer *, dg_enforcer_close);

enum dg_backend dg_enforcer_backend(const struct dg_enforcer *e);

/*
 * Install a compiled policy: written into the inactive generation, then
 * made active with one store, so a decision sees either the old policy or
 * the new one, never a mix.
 */
int dg_enforcer_set_policy(struct dg_enforcer *e, const struct dg_policy_hdr *hdr,
			   const struct dg_rule_bpf *rules);

/*
 * Mark (member) or unmark the cgroup v2 id of a container the runtimes list:
 * tasks under it are in a container even without a pid namespace of their
 * own (enforcer/container_cgroups.h keeps it in step with the inventory).
 */
int dg_enforcer_container_cgroup(struct dg_enforcer *e, uint64_t cgroup_id, bool member);

/*
 * Deliver pending events for at most max_ms (0: until the ring is empty);
 * waits up to timeout_ms for the first. 1 when the time was up (more may be
 * pending), 0 when the ring was read to its end, -EINTR on a signal.
 */
int dg_enforcer_poll(struct dg_enforcer *e, int timeout_ms, unsigned int max_ms);

/* Readable (poll(2)) when events are pending, to wait on it with other fds. */
int dg_enforcer_fd(const struct dg_enforcer *e);

/*
 * What the pinned state (enforcer/pinning.h) will say about the next policy
 * set: its rules file and the name of each kernel rule (NULL: "?").
 */
void dg_enforcer_label_policy(struct dg_enforcer *e, const char *rules_path,
			      const char *const names[], unsigned int n);

/* Policies installed so far, counting those of the daemons adopted from. */
uint64_t dg_enforcer_generation(const struct dg_enforcer *e);

/* What dg_enforcer_pin() found and took over. */
struct dg_adoption {
	unsigned int sets;	 /* sets removed: 0 when nothing was pinned */
	unsigned int incomplete; /* of them, without a state (a daemon died pinning) */
	bool has_state;
	struct dg_pin_state from; /* the newest one's state */
	uint64_t events_read;	  /* decisions that had queued in their rings */
	bool has_counts;	  /* their counters (only from our own build): */
	uint64_t blocked, audited, dropped;
	char dir[sizeof(((struct dg_pinned_set *)0)->dir)]; /* where ours is pinned */
};

/* An event of an adopted set, named by the rules it was decided by. */
typedef void (*dg_adopted_event_fn)(const struct dg_exec_event *ev, const char *rule_name,
				    void *ctx);

/*
 * Pin our programs' links and maps (with the policy installed already), so
 * that enforcement outlives us; then remove the sets that earlier daemons
 * left pinned, and hand the events queued in their rings to fn. There is no
 * moment without enforcement: both enforce until theirs is removed. -EBUSY
 * when a daemon that pinned a set still runs (also checked by
 * dg_enforcer_open()).
 */
int dg_enforcer_pin(struct dg_enforcer *e, dg_adopted_event_fn fn, void *ctx,
		    struct dg_adoption *out);

/*
 * A deliberate stop: remove our pinned set, so that closing the enforcer
 * detaches everything. Without it dg_enforcer_close() leaves the pinned
 * set enforcing, as a crash would.
 */
int dg_enforcer_unpin(struct dg_enforcer *e);
bool dg_enforcer_pinned(const struct dg_enforcer *e);

struct dg_enforcer_stats {
	uint64_t blocked, audited, dropped;
};
void dg_enforcer_stats(const struct dg_enforcer *e, struct dg_enforcer_stats *out);

/*
 * The kernel's run time and run count of each loaded program (bpf_prog_info
 * run_time_ns, run_cnt: they advance only while kernel.bpf_stats_enabled or
 * a BPF_ENABLE_STATS fd is on), to fn with the program's name.
 */
typedef void (*dg_prog_stats_fn)(void *ctx, const char *program, uint64_t run_ns, uint64_t run_cnt);
int dg_enforcer_prog_stats(const struct dg_enforcer *e, dg_prog_stats_fn fn, void *ctx);

#endif /* __DG_ENFORCER_H */
