/* SPDX-License-Identifier: GPL-2.0-only */
/* Turning what the recorder saw into a least-privilege seccomp profile. */
#ifndef __DG_LEARNED_H
#define __DG_LEARNED_H

#include "bpf/recorder.h"
#include "generator/profile.h"

/* errno of the profile's default action: EPERM, as Docker's default profile. */
#define DG_DEFAULT_ERRNO 1

/*
 * Build the profile for a recorded session: default SCMP_ACT_ERRNO (EPERM),
 * the architectures of the ABIs that were used (the native one always),
 * one SCMP_ACT_ALLOW rule with the sorted names of every recorded syscall,
 * of exit, exit_group and rt_sigreturn, and of what the runtime baselines
 * `baselines` (DG_BASELINE_* of generator/runtime_baselines.h; 0: none)
 * allow, and an ENOSYS rule for the syscalls that libc probes and falls back from
 * when they were not recorded (see learned.c for the list and why).
 * Syscall names come from libseccomp; a number libseccomp cannot name (it is
 * older than the kernel) cannot be allowed by name: it is left out with a
 * warning that says so, never silently.
 */
int dg_profile_from_syscalls(const struct dg_syscalls *s, unsigned int baselines,
			     struct dg_profile **out);

/* Number of distinct syscalls recorded for one ABI. */
unsigned int dg_syscalls_count(const struct dg_syscalls *s, enum dg_abi abi);

/* Whether syscall `name` (libseccomp's name) was recorded on any ABI. */
bool dg_syscalls_seen(const struct dg_syscalls *s, const char *name);

#endif /* __DG_LEARNED_H */
