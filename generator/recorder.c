// SPDX-License-Identifier: GPL-2.0-only
#include "generator/recorder.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "bpf/recorder.skel.h"

struct dg_recorder {
	struct recorder_bpf *skel;
	unsigned int next_session; /* never handed out yet */
	bool released[DG_MAX_SESSIONS];
	unsigned int flight_entries, flight_rings;
};

/* What all rings together may take of kernel memory, when they are many. */
#define DG_FLIGHT_BUDGET (64u << 20)

DG_DEFINE_CLEANUP(struct recorder_bpf *, recorder_bpf__destroy)

static int bpf_errno(int rc)
{
	return rc < 0 ? -rc : (errno ? errno : EINVAL);
}

/* Smallest power of two >= n (n <= DG_FLIGHT_MAX), and its log2. */
static unsigned int pow2_at_least(unsigned int n, unsigned int *shift)
{
	unsigned int p = 1, s = 0;

	while (p < n) {
		p <<= 1;
		s++;
	}
	*shift = s;
	return p;
}

/* Turn the flight recorder on before load: rodata, ring size, sys_exit. */
static int configure_flight(struct recorder_bpf *skel, const struct dg_recorder_opts *o,
			    unsigned int *entries, unsigned int *nr_rings)
{
	unsigned int shift, n, rings;
	int rc;

	*entries = *nr_rings = 0;
	if (!o || !o->flight_entries)
		return 0; /* rodata stays 0: the ring code is dead, sys_exit not loaded */
	if (o->flight_entries > DG_FLIGHT_MAX)
		return dg_err(EINVAL, "the flight recorder keeps at most %d syscalls per session",
			      DG_FLIGHT_MAX);
	rings = o->flight_rings ? o->flight_rings : 1;
	if (rings > DG_MAX_SESSIONS - 1)
		rings = DG_MAX_SESSIONS - 1;
	n = pow2_at_least(o->flight_entries, &shift);
	/* Many big rings: fewer of them, but always one. */
	if ((unsigned long long)rings * n * sizeof(struct dg_flight_entry) > DG_FLIGHT_BUDGET) {
		rings = DG_FLIGHT_BUDGET / (n * (unsigned int)sizeof(struct dg_flight_entry));
		if (!rings)
			rings = 1;
	}
	skel->rodata->flight_entries = n;
	skel->rodata->flight_shift = shift;
	skel->rodata->flight_rings = rings;
	rc = bpf_map__set_max_entries(skel->maps.flight, n * rings);
	if (rc)
		return dg_err(bpf_errno(rc), "cannot size the flight recorder: %s",
			      strerror(bpf_errno(rc)));
	rc = bpf_program__set_autoload(skel->progs.dg_sys_exit, true);
	if (rc)
		return dg_err(bpf_errno(rc), "cannot enable the flight recorder's sys_exit: %s",
			      strerror(bpf_errno(rc)));
	*entries = n;
	*nr_rings = rings;
	return 0;
}

int dg_recorder_open(struct dg_recorder **out)
{
	return dg_recorder_open_opts(NULL, out);
}

int dg_recorder_open_opts(const struct dg_recorder_opts *opts, struct dg_recorder **out)
{
	_cleanup_(recorder_bpf__destroyp) struct recorder_bpf *skel = NULL;
	struct dg_recorder *r;
	unsigned int flight_entries, flight_rings;
	int rc;

	skel = recorder_bpf__open();
	if (!skel)
		return dg_err(errno, "cannot open the recorder's BPF object: %s", strerror(errno));
	rc = configure_flight(skel, opts, &flight_entries, &flight_rings);
	if (rc)
		return rc;
	rc = recorder_bpf__load(skel);
	if (rc)
		return dg_err(bpf_errno(rc),
			      "the kernel refused the recorder's BPF programs (%s); it needs BTF "
			      "(/sys/kernel/btf/vmlinux), tp_btf programs and task storage "
			      "(Linux >= 5.11): run `driftguard probe` for details",
			      strerror(bpf_errno(rc)));
	rc = recorder_bpf__attach(skel);
	if (rc)
		return dg_err(bpf_errno(rc), "cannot attach the recorder to sys_enter: %s",
			      strerror(bpf_errno(rc)));
	r = calloc(1, sizeof(*r));
	if (!r)
		return dg_err(ENOMEM, "out of memory");
	r->skel = TAKE_PTR(skel);
	r->next_session = 1; /* slot 0 means "untracked" */
	r->flight_entries = flight_entries;
	r->flight_rings = flight_rings;
	*out = r;
	return 0;
}

void dg_recorder_close(struct dg_recorder *r)
{
	if (!r)
		return;
	recorder_bpf__destroy(r->skel);
	free(r);
}

int dg_recorder_new_session(struct dg_recorder *r, unsigned int *session, uint64_t *first_seq)
{
	_cleanup_free_ struct dg_syscalls *zero = NULL;
	struct dg_flight_head head = {0};
	unsigned int s = r->next_session;
	int rc;

	/* Lowest released slot first: those have rings more often. */
	for (unsigned int i = 1; i < r->next_session; i++)
		if (r->released[i]) {
			s = i;
			break;
		}
	if (s >= DG_MAX_SESSIONS)
		return dg_err(ENOSPC, "all %d recording sessions are in use", DG_MAX_SESSIONS - 1);
	zero = calloc(1, sizeof(*zero));
	if (!zero)
		return dg_err(ENOMEM, "out of memory");
	rc = bpf_map__update_elem(r->skel->maps.syscalls, &s, sizeof(s), zero, sizeof(*zero),
				  BPF_ANY);
	if (rc)
		return dg_err(bpf_errno(rc), "cannot reset recording slot %u: %s", s,
			      strerror(bpf_errno(rc)));
	/* The head only grows: the new session starts where the last one ended. */
	if (first_seq && bpf_map__lookup_elem(r->skel->maps.flight_heads, &s, sizeof(s), &head,
					      sizeof(head), 0))
		return dg_err(errno, "cannot read the flight recorder head of slot %u: %s", s,
			      strerror(errno));
	if (s == r->next_session)
		r->next_session++;
	r->released[s] = false;
	*session = s;
	if (first_seq)
		*first_seq = head.next;
	return 0;
}

void dg_recorder_release_session(struct dg_recorder *r, unsigned int session)
{
	if (session && session < r->next_session)
		r->released[session] = true;
}

int dg_recorder_track_pid(struct dg_recorder *r, unsigned int session, pid_t pid,
			  unsigned int flags)
{
	struct dg_task t = {.session = session, .flags = flags};
	_cleanup_close_ int pidfd = -1;
	int rc;

	/* Task storage is keyed by a pidfd from user space. */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return dg_err(errno, "cannot open a pidfd for pid %d: %s", pid, strerror(errno));
	rc = bpf_map__update_elem(r->skel->maps.tasks, &pidfd, sizeof(pidfd), &t, sizeof(t),
				  BPF_NOEXIST);
	if (rc)
		return dg_err(bpf_errno(rc), "cannot put pid %d under recording: %s", pid,
			      strerror(bpf_errno(rc)));
	return 0;
}

int dg_recorder_watch_cgroup(struct dg_recorder *r, unsigned int session, uint64_t cgroup_id,
			     unsigned int flags)
{
	struct dg_cgroup_watch w = {.session = session, .flags = flags};
	int rc;

	rc = bpf_map__update_elem(r->skel->maps.watched_cgroups, &cgroup_id, sizeof(cgroup_id),
				  &w, sizeof(w), BPF_NOEXIST);
	if (rc)
		return dg_err(bpf_errno(rc), "cannot watch cgroup %llu: %s",
			      (unsigned long long)cgroup_id, strerror(bpf_errno(rc)));
	/* The map first, then the generation: a CPU that cached this cgroup as
	 * unwatched before the update sees a new generation and looks again. */
	__atomic_add_fetch(&r->skel->bss->watch_gen, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&r->skel->bss->nr_watched_cgroups, 1, __ATOMIC_SEQ_CST);
	return 0;
}

int dg_recorder_unwatch_cgroup(struct dg_recorder *r, uint64_t cgroup_id)
{
	int rc;

	rc = bpf_map__delete_elem(r->skel->maps.watched_cgroups, &cgroup_id, sizeof(cgroup_id), 0);
	if (rc)
		return dg_err(bpf_errno(rc), "cannot stop watching cgroup %llu: %s",
			      (unsigned long long)cgroup_id, strerror(bpf_errno(rc)));
	__atomic_add_fetch(&r->skel->bss->watch_gen, 1, __ATOMIC_SEQ_CST);
	__atomic_sub_fetch(&r->skel->bss->nr_watched_cgroups, 1, __ATOMIC_SEQ_CST);
	return 0;
}

int dg_recorder_read(struct dg_recorder *r, unsigned int session, struct dg_syscalls *out)
{
	int rc;

	rc = bpf_map__lookup_elem(r->skel->maps.syscalls, &session, sizeof(session), out,
				  sizeof(*out), 0);
	if (rc)
		return dg_err(bpf_errno(rc), "cannot read recording slot %u: %s", session,
			      strerror(bpf_errno(rc)));
	return 0;
}

uint64_t dg_recorder_lost_tasks(struct dg_recorder *r)
{
	return __atomic_load_n(&r->skel->bss->lost_tasks, __ATOMIC_RELAXED);
}

unsigned int dg_recorder_flight_entries(const struct dg_recorder *r)
{
	return r->flight_entries;
}

unsigned int dg_recorder_flight_rings(const struct dg_recorder *r)
{
	return r->flight_rings;
}

int dg_recorder_flight_fds(const struct dg_recorder *r, int *ring_fd, int *heads_fd)
{
	if (!r->flight_entries) {
		*ring_fd = *heads_fd = -1;
		return dg_err(ENODATA, "the flight recorder is off");
	}
	*ring_fd = bpf_map__fd(r->skel->maps.flight);
	*heads_fd = bpf_map__fd(r->skel->maps.flight_heads);
	return 0;
}

int dg_recorder_prog_stats(const struct dg_recorder *r, uint64_t run_ns[2], uint64_t run_cnt[2])
{
	const struct bpf_program *progs[2] = {r->skel->progs.dg_sys_enter,
					      r->skel->progs.dg_sys_exit};

	for (size_t i = 0; i < 2; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(progs[i]);

		run_ns[i] = run_cnt[i] = 0;
		if (fd < 0)
			continue; /* not loaded (sys_exit without the flight recorder) */
		memset(&info, 0, sizeof(info));
		if (bpf_prog_get_info_by_fd(fd, &info, &len))
			return dg_err(errno, "cannot read the recorder's program stats: %s",
				      strerror(errno));
		run_ns[i] = info.run_time_ns;
		run_cnt[i] = info.run_cnt;
	}
	return 0;
}

int dg_recorder_tasks_fd(struct dg_recorder *r)
{
	return bpf_map__fd(r->skel->maps.tasks);
}
