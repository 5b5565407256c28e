/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The syscall recorder (bpf/recorder.bpf.c) seen from user space: sessions,
 * tasks and cgroups put under recording, and what each session saw.
 */
#ifndef __DG_RECORDER_H
#define __DG_RECORDER_H

#include <stdint.h>
#include <sys/types.h>

#include "bpf/recorder.h"
#include "common/cleanup.h"

struct dg_recorder;

/* What to record besides the per-session syscall bitmap. */
struct dg_recorder_opts {
	/*
	 * Flight recorder: keep the last flight_entries syscalls of each of the
	 * first flight_rings sessions in a ring in kernel memory (bpf/recorder.h).
	 * Rounded up to a power of two, at most DG_FLIGHT_MAX; 0 = off, in which
	 * case the ring code is dead in the verified program and the sys_exit
	 * program is not loaded.
	 */
	unsigned int flight_entries;
	unsigned int flight_rings; /* at most DG_MAX_SESSIONS - 1; fewer for big rings */
};

/*
 * Open, load and attach the recorder; needs root (CAP_BPF + CAP_PERFMON).
 * opts NULL: the bitmap only (no flight recorder).
 */
int dg_recorder_open_opts(const struct dg_recorder_opts *opts, struct dg_recorder **out);
void dg_recorder_close(struct dg_recorder *r);
DG_DEFINE_CLEANUP(struct dg_recorder *, dg_recorder_close);

/*
 * Hand out a zeroed session slot (a released one first). *first_seq (NULL:
 * not wanted) is the sequence number the session's first syscall will take
 * in its flight recorder ring: what is below it in a reused ring belongs to
 * the slot's previous session.
 */
int dg_recorder_new_session(struct dg_recorder *r, unsigned int *session, uint64_t *first_seq);

/*
 * Give a session's slot back once nothing records into it any more (its
 * cgroup unwatched, its tasks gone). A task of it that still lived would go
 * on recording into the slot, also once it is handed out again: release
 * only what is gone (enforce waits until the container's state is gone,
 * then 5 s more).
 */
void dg_recorder_release_session(struct dg_recorder *r, unsigned int session);

/*
 * Put a process (its thread-group leader) and, from then on, every task it
 * forks under recording in `session`. flags: DG_TASK_* from bpf/recorder.h.
 * Must be called before the process makes the syscalls to be seen, e.g.
 * between fork() and exec().
 */
int dg_recorder_track_pid(struct dg_recorder *r, unsigned int session, pid_t pid,
			  unsigned int flags);

/* Record every task of the cgroup v2 `cgroup_id` (adopted at its next syscall). */
int dg_recorder_watch_cgroup(struct dg_recorder *r, unsigned int session, uint64_t cgroup_id,
			     unsigned int flags);

/* Stop adopting the tasks of `cgroup_id`; those already adopted stay tracked. */
int dg_recorder_unwatch_cgroup(struct dg_recorder *r, uint64_t cgroup_id);

/* Copy what `session` has recorded so far. Never clears it. */
int dg_recorder_read(struct dg_recorder *r, unsigned int session, struct dg_syscalls *out);

/* Tasks that should have been tracked but could not get task storage. */
uint64_t dg_recorder_lost_tasks(struct dg_recorder *r);

/* Entries per flight recorder ring (after rounding); 0 when it is off. */
unsigned int dg_recorder_flight_entries(const struct dg_recorder *r);

/* Sessions 1..n have a ring (0 when it is off). */
unsigned int dg_recorder_flight_rings(const struct dg_recorder *r);

/* The ring map and the heads map (bpf/recorder.h), to pin them; -1 when off. */
int dg_recorder_flight_fds(const struct dg_recorder *r, int *ring_fd, int *heads_fd);

/*
 * Run time and run count of the recorder's syscall programs, [0] sys_enter
 * and [1] sys_exit (zero when not loaded), as the kernel counts them while
 * BPF_ENABLE_STATS is on (bench/).
 */
int dg_recorder_prog_stats(const struct dg_recorder *r, uint64_t run_ns[2], uint64_t run_cnt[2]);

/* fd of the `tasks` task storage map, for programs that share it (caps.c). */
int dg_recorder_tasks_fd(struct dg_recorder *r);

#endif /* __DG_RECORDER_H */
