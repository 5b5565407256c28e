// SPDX-License-Identifier: GPL-2.0-only
#include "recorder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cleanup.h"
#include "error.h"
#include "learn.skel.h"

struct dg_recorder {
	struct learn_bpf *skel;
	unsigned int next_session;
};

DG_DEFINE_CLEANUP(struct learn_bpf *, learn_bpf__destroy)

static int bpf_errno(int rc)
{
	return rc < 0 ? -rc : (errno ? errno : EINVAL);
}

int dg_recorder_open(struct dg_recorder **out)
{
	_cleanup_(learn_bpf__destroyp) struct learn_bpf *skel = NULL;
	struct dg_recorder *r;
	int rc;

	skel = learn_bpf__open();
	if (!skel)
		return dg_err(errno, "cannot open the recorder's BPF object: %s", strerror(errno));
	rc = learn_bpf__load(skel);
	if (rc)
		return dg_err(bpf_errno(rc),
			      "the kernel refused the recorder's BPF programs (%s); it needs BTF "
			      "(/sys/kernel/btf/vmlinux), tp_btf programs and task storage "
			      "(Linux >= 5.11): run `driftguard probe` for details",
			      strerror(bpf_errno(rc)));
	rc = learn_bpf__attach(skel);
	if (rc)
		return dg_err(bpf_errno(rc), "cannot attach the recorder to sys_enter: %s",
			      strerror(bpf_errno(rc)));
	r = calloc(1, sizeof(*r));
	if (!r)
		return dg_err(ENOMEM, "out of memory");
	r->skel = TAKE_PTR(skel);
	r->next_session = 1; /* slot 0 means "untracked" */
	*out = r;
	return 0;
}

void dg_recorder_close(struct dg_recorder *r)
{
	if (!r)
		return;
	learn_bpf__destroy(r->skel);
	free(r);
}

int dg_recorder_new_session(struct dg_recorder *r, unsigned int *session)
{
	_cleanup_free_ struct dg_syscalls *zero = NULL;
	unsigned int s = r->next_session;
	int rc;

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
	r->next_session++;
	*session = s;
	return 0;
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
	__atomic_add_fetch(&r->skel->bss->nr_watched_cgroups, 1, __ATOMIC_SEQ_CST);
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
