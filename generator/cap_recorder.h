/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Capability learning (bpf/cap_recorder.bpf.c) seen from user space. It rides on the
 * syscall recorder: same sessions, same tracked tasks (the recorder's task
 * storage map is shared), so a session's capability checks are those of the
 * tasks whose syscalls it records.
 *
 *   dg_caps_open(r, &c)                  probe, load, attach (after dg_recorder_open_opts)
 *   dg_caps_track_session(c, s, gate)    before the session's tasks run
 *   dg_caps_write(c, s, path, format)    any time; may be called again
 */
#ifndef __DG_CAP_RECORDER_H
#define __DG_CAP_RECORDER_H

#include "bpf/cap_recorder.h"
#include "common/cleanup.h"
#include "generator/caps_profile.h"
#include "generator/recorder.h"

struct dg_caps;

/*
 * Load and attach the capability recorder next to `r`: lsm/capable (granted
 * checks) plus fexit/cap_capable (denied ones) where BPF-LSM is active, else
 * fexit/cap_capable alone. -EOPNOTSUPP, with a message that says so plainly,
 * where neither works (no BPF-LSM and no trampolines): the caller goes on
 * learning the seccomp profile.
 */
int dg_caps_open(struct dg_recorder *r, struct dg_caps **out);
/*
 * The environment variable DG_CAPS_BACKEND=lsm+fexit|fexit|lsm makes
 * dg_caps_open() try that backend alone (tests/vm/learn_caps.sh checks the
 * fexit fallback on kernels where BPF-LSM works).
 */
void dg_caps_close(struct dg_caps *c);
DG_DEFINE_CLEANUP(struct dg_caps *, dg_caps_close);

/* "lsm/capable + fexit/cap_capable", "fexit/cap_capable" or "lsm/capable". */
const char *dg_caps_backend(const struct dg_caps *c);

/* Zero the session's slot and set its gate (enum dg_caps_gate of bpf/cap_recorder.h). */
int dg_caps_track_session(struct dg_caps *c, unsigned int session, enum dg_caps_gate gate);

/* Copy what the session recorded so far. Never clears it. */
int dg_caps_read(struct dg_caps *c, unsigned int session, struct dg_caps_slot *out);

/*
 * Write the granted set of the session to path in format f (atomically) and
 * report granted and denied capabilities, with the syscall that first made
 * each check, on stderr (unless quiet).
 */
int dg_caps_write(struct dg_caps *c, unsigned int session, const char *path, enum dg_caps_format f);

/*
 * Learning an OCI runtime's container: give the process of the learning
 * bundle in bundle_dir (config.json) every capability this kernel has in its
 * bounding, effective and permitted sets, so the workload's checks succeed
 * and are recorded as granted. Ambient and inheritable are left as they are.
 */
int dg_caps_widen_bundle(const char *bundle_dir);

#endif /* __DG_CAP_RECORDER_H */
