// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench/syscall_cost's peers of the per-mount-namespace design: OUR MIMICS of
 * the sys_enter recorders of Inspektor Gadget's advise_seccomp gadget and of
 * the Security Profiles Operator's bpf-recorder. This is not their code: it was
 * written here after reading their BPF sources, and copies what their
 * sys_enter program does per syscall (hook type, map types and sizes, the
 * lookups and helpers on the path a recorded task takes) so that the
 * benchmark measures their design next to ours. Branches a getppid loop never
 * takes (runc's start gate, the program-name filter) are kept only where they
 * cost a test on the hot path. The user side (bench/peer_mntns.c) loads one
 * of the two programs, never both.
 *
 * ig_sys_enter - Inspektor Gadget, gadgets/advise_seccomp/program.bpf.c (2025):
 *   raw_tracepoint/sys_enter (the raw tracepoint: no trace event record);
 *   skips x86 TS_COMPAT tasks (CO-RE read of thread_info.status); copies
 *   the whole pt_regs with bpf_probe_read (runc's gate reads prctl's first
 *   argument from it); drops ids >= 500; bpf_get_current_comm and a "runc"
 *   prefix test; the mount namespace inum as a u64 (CO-RE
 *   task->nsproxy->mnt_ns->ns.inum); HASH of 1024 entries mntns ->
 *   u8[500 + 1 footer byte], looked up, created on a miss with BPF_NOEXIST
 *   then looked up again (bpf_map_lookup_or_try_init); byte[id] = 1. It
 *   records EVERY mount namespace of the host: no filter in the kernel (the
 *   gadget drops the namespaces it does not want in user space).
 *
 * spo_sys_enter - SPO, internal/pkg/daemon/bpfrecorder/bpf/recorder.bpf.c (2026):
 *   tracepoint/raw_syscalls/sys_enter (a perf trace event: the kernel fills
 *   the event record before the program runs); a cached is-recording flag in
 *   .bss (SPO refreshes it from a sys_enter_getgid program; the loader sets
 *   it here); drops ids >= 1024; the mount namespace inum as a u32 (CO-RE);
 *   HASH exclude_mntns lookup (8192 entries: the host's namespace, and
 *   containers while they start, are excluded); the program-name filter is
 *   empty in the operator (a const volatile the verifier removes); HASH
 *   active_pids lookup by tgid (a miss sends a ring buffer event so that
 *   user space maps the pid to its container, once per pid); HASH of 8192
 *   entries mntns -> u8[1024] looked up, created on a miss with
 *   update(BPF_ANY) then looked up again; byte[id] = 1.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

#define TS_COMPAT 0x0002
#define PR_GET_PDEATHSIG 2
#define PR_SET_NO_NEW_PRIVS 38
#define NR_PRCTL 157 /* x86_64, as IG hard-codes it */
#define NR_SECCOMP 317

/* ---- Inspektor Gadget advise_seccomp ---- */

#define IG_SYSCALLS 500
#define IG_VALUE_SIZE (IG_SYSCALLS + 1) /* + the runc footer byte */

struct ig_val {
	unsigned char syscalls[IG_VALUE_SIZE];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u64);
	__type(value, struct ig_val);
	__uint(max_entries, 1024);
} ig_syscalls_per_mntns SEC(".maps");

static const struct ig_val ig_blank = {};

static __always_inline struct ig_val *ig_lookup_or_try_init(__u64 *key)
{
	struct ig_val *val = bpf_map_lookup_elem(&ig_syscalls_per_mntns, key);
	long err;

	if (val)
		return val;
	err = bpf_map_update_elem(&ig_syscalls_per_mntns, key, &ig_blank, BPF_NOEXIST);
	if (err && err != -17 /* EEXIST */)
		return NULL;
	return bpf_map_lookup_elem(&ig_syscalls_per_mntns, key);
}

SEC("raw_tracepoint/sys_enter")
int ig_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct pt_regs regs = {};
	char comm[16];
	struct ig_val *bitmap;
	__u64 id, mntns;
	int is_runc;

	if (BPF_CORE_READ(task, thread_info.status) & TS_COMPAT)
		return 0;
	bpf_probe_read(&regs, sizeof(regs), (void *)ctx->args[0]);
	id = ctx->args[1];
	if (id >= IG_SYSCALLS)
		return 0;
	bpf_get_current_comm(comm, sizeof(comm));
	is_runc = comm[0] == 'r' && comm[1] == 'u' && comm[2] == 'n' && comm[3] == 'c';
	mntns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	bitmap = ig_lookup_or_try_init(&mntns);
	if (!bitmap)
		return 0;
	if (is_runc) {
		/* Runc's syscalls count from prctl(PR_GET_PDEATHSIG) on. */
		if (!bitmap->syscalls[IG_SYSCALLS]) {
			if (id == NR_PRCTL && PT_REGS_PARM1(&regs) == PR_GET_PDEATHSIG)
				bitmap->syscalls[IG_SYSCALLS] = 1;
			return 0;
		}
		if ((id == NR_PRCTL && PT_REGS_PARM1(&regs) == PR_SET_NO_NEW_PRIVS) ||
		    id == NR_SECCOMP)
			return 0;
	}
	bitmap->syscalls[id] = 1;
	return 0;
}

/* ---- Security Profiles Operator bpf-recorder ---- */

#define SPO_ENTRIES (8 * 1024)
#define SPO_SYSCALLS 1024

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SPO_ENTRIES);
	__type(key, __u32);
	__type(value, __u8);
} spo_exclude_mntns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SPO_ENTRIES);
	__type(key, __u32);
	__type(value, __u8[SPO_SYSCALLS]);
} spo_mntns_syscalls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SPO_ENTRIES);
	__type(key, __u32);
	__type(value, bool);
} spo_active_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 24);
} spo_events SEC(".maps");

struct spo_event {
	__u32 pid;
	__u32 mntns;
	__u8 type;
};

volatile bool spo_recording;		 /* SPO: _is_recording_cached */
const volatile char spo_filter_name[64]; /* SPO: filter_name, empty in the operator */
static const __u8 spo_blank[SPO_SYSCALLS];
static const bool spo_true = true;

SEC("tracepoint/raw_syscalls/sys_enter")
int spo_sys_enter(struct trace_event_raw_sys_enter *args)
{
	struct task_struct *task;
	__u32 id = args->id, mntns, pid;
	__u8 *bitmap;

	if (!spo_recording)
		return 0;
	if (id >= SPO_SYSCALLS)
		return 0;
	task = (struct task_struct *)bpf_get_current_task();
	mntns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	if (!mntns)
		return 0;
	if (bpf_map_lookup_elem(&spo_exclude_mntns, &mntns))
		return 0;
	if (spo_filter_name[0])
		return 0; /* the program-name filter: never set here, removed by the verifier */
	pid = bpf_get_current_pid_tgid() >> 32;
	if (!bpf_map_lookup_elem(&spo_active_pids, &pid)) {
		struct spo_event *ev = bpf_ringbuf_reserve(&spo_events, sizeof(*ev), 0);

		if (ev) {
			ev->pid = pid;
			ev->mntns = mntns;
			ev->type = 0; /* SPO: EVENT_TYPE_NEWPID */
			bpf_ringbuf_submit(ev, 0);
			bpf_map_update_elem(&spo_active_pids, &pid, &spo_true, BPF_ANY);
		}
	}
	bitmap = bpf_map_lookup_elem(&spo_mntns_syscalls, &mntns);
	if (!bitmap) {
		bpf_map_update_elem(&spo_mntns_syscalls, &mntns, &spo_blank, BPF_ANY);
		bitmap = bpf_map_lookup_elem(&spo_mntns_syscalls, &mntns);
		if (!bitmap)
			return 0;
	}
	bitmap[id] = 1;
	return 0;
}
