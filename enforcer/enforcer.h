/* SPDX-License-Identifier: GPL-2.0-only */
/* The drift enforcer (bpf/enforce.bpf.c) seen from user space. */
#ifndef __DG_ENFORCER_H
#define __DG_ENFORCER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/enforce.h"
#include "common/cleanup.h"

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

/* Deliver pending events; waits up to timeout_ms. -EINTR on a signal. */
int dg_enforcer_poll(struct dg_enforcer *e, int timeout_ms);

/* Readable (poll(2)) when events are pending, to wait on it with other fds. */
int dg_enforcer_fd(const struct dg_enforcer *e);

struct dg_enforcer_stats {
	uint64_t blocked, audited, dropped;
};
void dg_enforcer_stats(const struct dg_enforcer *e, struct dg_enforcer_stats *out);

#endif /* __DG_ENFORCER_H */
