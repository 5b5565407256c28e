// SPDX-License-Identifier: GPL-2.0-only
/*
 * Syscall recorder for `driftguard learn`.
 *
 * Runs on every syscall of the machine (tp_btf/sys_enter), so the first thing
 * it does is leave when the current task is not tracked: one task-local
 * storage lookup. Tracked tasks set one byte per (ABI, syscall number) in
 * their session's slot; a byte that is already set is not written again, so
 * hot syscalls do not bounce the cache line between CPUs.
 *
 * With the flight recorder on (flight_entries != 0, see recorder.h), tracked
 * tasks also write each syscall into their session's ring at sys_enter, and
 * tp_btf/sys_exit (only loaded then) fills in its return value. With it off,
 * the rodata constant makes that code dead: the verifier removes it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "recorder.h"
#include "lib/core_fixes.bpf.h"
#include "lib/task_session.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Per-session syscall bytes. Slots are zeroed by user space when handed out. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DG_MAX_SESSIONS);
	__type(key, __u32);
	__type(value, struct dg_syscalls);
} syscalls SEC(".maps");

/* cgroup v2 id -> session, for tasks of a running container (learn --container). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DG_MAX_SESSIONS);
	__type(key, __u64);
	__type(value, struct dg_cgroup_watch);
} watched_cgroups SEC(".maps");

/* Flight recorder rings: flight_entries per ring, sized at open time. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dg_flight_entry);
} flight SEC(".maps");

/* Per session: the sequence number of its next syscall. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DG_MAX_SESSIONS);
	__type(key, __u32);
	__type(value, struct dg_flight_head);
} flight_heads SEC(".maps");

/* Flight recorder configuration, set before load. 0 entries: off. */
const volatile __u32 flight_entries = 0; /* per ring, a power of two */
const volatile __u32 flight_shift = 0;	 /* log2(flight_entries) */
const volatile __u32 flight_rings = 0;	 /* sessions 1..flight_rings have a ring */

/* Set by user space while watched_cgroups is not empty. */
volatile __u32 nr_watched_cgroups;
/* Bumped by user space at every change of watched_cgroups. */
volatile __u32 watch_gen;

/*
 * Per CPU: the last cgroup found not watched, and under which watch_gen, so
 * that the tasks of the host (one or a few cgroups per CPU at a time) skip
 * the hash lookup while enforce watches containers.
 */
struct dg_cpu_unwatched {
	__u64 cgroup_id;
	__u32 gen;
	__u32 valid;
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dg_cpu_unwatched);
} cpu_unwatched SEC(".maps");

/*
 * Per CPU: the tracked task whose syscall this CPU recorded last, and its
 * session. A recorded workload mostly makes its syscalls in runs between
 * context switches, so the next syscall here is most often the same task's:
 * it finds itself here and skips bpf_task_storage_get(), a helper call that
 * was most of the recorded path's cost. Used with the flight recorder off
 * only (learn's default): the ring path writes into the task's storage.
 * A task's session never changes once set, and a task freed and another
 * allocated at the same address differ in their start time.
 */
struct dg_cpu_last_task {
	__u64 task;
	__u64 start_time;
	__u32 session;
	__u32 pad;
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dg_cpu_last_task);
} cpu_last_task SEC(".maps");

/* Tasks that should have been tracked but could not get storage. */
volatile __u64 lost_tasks;

/*
 * A task of a watched container that has no storage yet (it existed before
 * learning began, or it is a thread of such a process): adopt it, so its next
 * syscalls take the fast path.
 */
static __always_inline struct dg_task *adopt(struct task_struct *task)
{
	struct dg_cpu_unwatched *u;
	struct dg_cgroup_watch *w;
	struct dg_task *t;
	__u32 zero = 0, gen;
	__u64 cgid;

	if (!nr_watched_cgroups)
		return NULL;
	gen = watch_gen;
	cgid = bpf_get_current_cgroup_id();
	u = bpf_map_lookup_elem(&cpu_unwatched, &zero);
	if (u && u->valid && u->cgroup_id == cgid && u->gen == gen)
		return NULL;
	w = bpf_map_lookup_elem(&watched_cgroups, &cgid);
	if (!w) {
		if (u) {
			u->cgroup_id = cgid;
			u->gen = gen;
			u->valid = 1;
		}
		return NULL;
	}
	t = bpf_task_storage_get(&tasks, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t) {
		__sync_fetch_and_add(&lost_tasks, 1);
		return NULL;
	}
	t->session = w->session;
	t->flags = w->flags;
	return t;
}

/* Take the next slot of the session's ring and fill it in (not the return value). */
static __always_inline void flight_record(struct dg_task *t, struct pt_regs *regs, __u64 nr,
					  __u32 abi)
{
	struct dg_flight_head *h;
	struct dg_flight_entry *e;
	__u32 ring = t->session - 1, slot;
	__u64 seq;

	if (ring >= flight_rings)
		return;
	h = bpf_map_lookup_elem(&flight_heads, &t->session);
	if (!h)
		return;
	seq = __sync_fetch_and_add(&h->next, 1);
	slot = (ring << flight_shift) + ((__u32)seq & (flight_entries - 1));
	e = bpf_map_lookup_elem(&flight, &slot);
	if (!e)
		return;
	/* Like a seqlock: no sequence number while the entry is rewritten. */
	e->seq = DG_FLIGHT_WRITING;
	barrier();
	e->ts = bpf_ktime_get_ns();
	e->tid = (__u32)bpf_get_current_pid_tgid();
	e->nr = (__u32)nr;
	e->abi = (__u16)abi;
	e->flags = 0;
	e->ret = 0;
#ifdef __TARGET_ARCH_x86
	if (abi == DG_ABI_I386) {
		e->args[0] = (__u32)regs->bx;
		e->args[1] = (__u32)regs->cx;
		e->args[2] = (__u32)regs->dx;
		e->args[3] = (__u32)regs->si;
		e->args[4] = (__u32)regs->di;
		e->args[5] = (__u32)regs->bp;
	} else {
		e->args[0] = regs->di;
		e->args[1] = regs->si;
		e->args[2] = regs->dx;
		e->args[3] = regs->r10;
		e->args[4] = regs->r8;
		e->args[5] = regs->r9;
	}
#else
	e->args[0] = PT_REGS_PARM1_CORE_SYSCALL(regs);
	e->args[1] = PT_REGS_PARM2_CORE_SYSCALL(regs);
	e->args[2] = PT_REGS_PARM3_CORE_SYSCALL(regs);
	e->args[3] = PT_REGS_PARM4_CORE_SYSCALL(regs);
	e->args[4] = PT_REGS_PARM5_CORE_SYSCALL(regs);
	e->args[5] = PT_REGS_PARM6_CORE_SYSCALL(regs);
#endif
	/* seq last: a reader that sees it sees the entry (best effort, no lock). */
	barrier();
	e->seq = seq;
	t->flight_slot = slot + 1;
	t->flight_seq = (__u32)seq;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(dg_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct dg_cpu_last_task *last = NULL;
	struct dg_syscalls *s;
	struct dg_task *t;
	__u64 idx, nr; /* 64-bit: no zero-extension copies to lose bounds */
	__u32 abi, zero = 0, session;

	/*
	 * Most tasks have no BPF task storage at all: one load tells, and saves
	 * them the helper call. A cgroup watch may still adopt them.
	 */
	if (task_has_no_storage(task)) {
		if (!nr_watched_cgroups)
			return 0;
		t = NULL; /* nothing to look up: straight to adoption */
	} else {
		if (!flight_entries) {
			last = bpf_map_lookup_elem(&cpu_last_task, &zero);
			if (last && last->task == (__u64)task &&
			    last->start_time == task->start_time) {
				session = last->session;
				goto record;
			}
		}
		t = bpf_task_storage_get(&tasks, task, NULL, 0);
	}
	if (!t) {
		t = adopt(task);
		if (!t)
			return 0;
	}
	if (t->flags & DG_TASK_GATE_SECCOMP) {
		if (task->seccomp.mode != SECCOMP_MODE_FILTER)
			return 0;
		/* A filter is never removed: decide once. */
		t->flags &= ~DG_TASK_GATE_SECCOMP;
	}
	session = t->session;
	if (last) {
		last->task = (__u64)task;
		last->start_time = task->start_time;
		last->session = session;
	}
record:
	if (id < 0)
		return 0;
	nr = (__u64)id & ~(__u64)DG_X32_SYSCALL_BIT;
	if (nr >= DG_MAX_SYSCALL)
		return 0;
	abi = syscall_abi(task, id);
	idx = abi * DG_MAX_SYSCALL + nr;
	/* Keep the verifier's view of idx the bounded one, not id's. */
	barrier_var(idx);
	if (idx >= DG_SEEN_BYTES)
		return 0;
	s = bpf_map_lookup_elem(&syscalls, &session);
	if (!s)
		return 0;
	if (!((unsigned char *)s->seen)[idx])
		((unsigned char *)s->seen)[idx] = 1;
	if (flight_entries)
		flight_record(t, regs, nr, abi);
	return 0;
}

/*
 * Flight recorder: the return value of the syscall whose slot the task took
 * at sys_enter, if that slot still holds it (the ring may have wrapped since).
 * Loaded only with the flight recorder on ("?": no autoload).
 */
SEC("?tp_btf/sys_exit")
int BPF_PROG(dg_sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct dg_flight_entry *e;
	struct dg_task *t;
	__u32 slot;

	if (task_has_no_storage(task))
		return 0;
	t = bpf_task_storage_get(&tasks, task, NULL, 0);
	if (!t || !flight_entries || !t->flight_slot)
		return 0;
	slot = t->flight_slot - 1;
	t->flight_slot = 0;
	e = bpf_map_lookup_elem(&flight, &slot);
	if (!e || e->tid != (__u32)task->pid || (__u32)e->seq != t->flight_seq)
		return 0;
	e->ret = ret;
	e->flags = DG_FLIGHT_RET;
	return 0;
}

/* Children and threads of a tracked task belong to its session. */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(dg_fork, struct task_struct *parent, struct task_struct *child)
{
	struct dg_task *p, *c;

	p = bpf_task_storage_get(&tasks, parent, NULL, 0);
	if (!p)
		return 0;
	c = bpf_task_storage_get(&tasks, child, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!c) {
		__sync_fetch_and_add(&lost_tasks, 1);
		return 0;
	}
	c->session = p->session;
	c->flags = p->flags;
	return 0;
}
