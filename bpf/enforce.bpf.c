// SPDX-License-Identifier: GPL-2.0-only
/*
 * Drift enforcement: stop execution of files that were not part of the
 * container image.
 *
 * Two backends share the classification and the rule evaluation:
 *  - lsm: lsm/bprm_check_security, called for every file of the exec chain
 *    (script, then its interpreter, then binfmt_misc's), lsm/mmap_file
 *    for executable mappings (ld.so /tmp/x, LD_PRELOAD, and the ELF loader
 *    that load_elf_binary maps), lsm/file_mprotect for a file's mapping made
 *    executable later, and lsm/file_open for files a listed interpreter
 *    reads (kind interpreted, opt-in); a block returns -EPERM before anything
 *    runs.
 *  - signal: where BPF-LSM is not active (compiled in but not in lsm=, as on
 *    stock Debian and Ubuntu kernels), a block is bpf_send_signal(SIGKILL):
 *    the exec itself succeeds, the new program dies before its first
 *    instruction. Two flavours, chosen by a probe in user space:
 *    - fentry: fentry/security_bprm_check, _mmap_file, _file_mprotect and
 *      _file_open, the functions that call the LSM hooks, so exactly the LSM
 *      backend's view and the same program bodies (bprm_check(),
 *      mmap_file(), mprotect_file() and interpreted_open() below, with the
 *      backend a constant): every file of the chain, every executable
 *      mapping, judged by the file itself.
 *    - tracepoint: for kernels where trampolines cannot attach.
 *      tp_btf/sched_process_exec sees the final binary and, through the saved
 *      auxiliary vector, the ELF loader; a script is judged when its
 *      interpreter opens the path execve got (syscalls tracepoints).
 *      README.md's backends table says what this flavour cannot see.
 * User space loads one backend and flavour (autoload), never two.
 *
 * The data path, one header each in bpf/lib/: where the file comes from
 * (origin.bpf.h), its path (path.bpf.h), the first rule that matches
 * (policy.bpf.h); what differs between kernel releases is in core_fixes.bpf.h.
 * This file holds the programs and the events they send.
 */
/* kfuncs are declared here, as weak, not taken from the build host. */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "enforce.h"
#include "lib/core_fixes.bpf.h"
#include "lib/interpreter.bpf.h"
#include "lib/mapping.bpf.h"
#include "lib/origin.bpf.h"
#include "lib/path.bpf.h"
#include "lib/policy.bpf.h"

#define EPERM 1
#define SIGKILL 9

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

/* Events lost because the ring buffer was full: counted, reported. */
volatile __u64 events_dropped;
/* Decisions, for the summary and for tests. */
volatile __u64 n_blocked;
volatile __u64 n_audited;

/*
 * What the first file of an exec chain (the one execve named) was, and the
 * decision on a script, which waits for its interpreter's check: only then
 * is the binary that will run (eupper_layer) known. No instruction of
 * either runs in between, and a block there still fails the execve (lsm) or
 * kills the process before the new program runs (signal, fentry).
 */
struct exec_state {
	__u8 origin;
	__u8 upper;
	__u8 kind;
	__u8 pending; /* enum dg_verdict of the script in ev, 0: none */
	struct dg_exec_event ev;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct exec_state);
} exec_states SEC(".maps");

/* file: the binary that will run (eupper_layer). */
static __always_inline void emit(struct dg_exec_event *ev, struct file *file, __u8 hook)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 id = bpf_get_current_pid_tgid();

	ev->time_ns = bpf_ktime_get_ns();
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->mntns = current_mntns(task);
	ev->pid = id >> 32;
	ev->tid = (__u32)id;
	ev->eupper_layer = is_upper(BPF_CORE_READ(file, f_inode));
	ev->hook = hook;
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	if (ev->action == DG_VERDICT_BLOCK)
		__sync_fetch_and_add(&n_blocked, 1);
	else
		__sync_fetch_and_add(&n_audited, 1);
	if (bpf_ringbuf_output(&events, ev, sizeof(*ev), 0))
		__sync_fetch_and_add(&events_dropped, 1);
}

/*
 * Carry out a block: the LSM hook refuses the operation; the signal backend
 * kills the whole process (bpf_send_signal signals the thread group), which
 * dies on its way back to user space, before one instruction of what was
 * decided on runs.
 */
static __always_inline int refuse(__u8 action, const __u8 backend)
{
	if (action != DG_VERDICT_BLOCK)
		return 0;
	if (backend == DG_BACKEND_LSM)
		return -EPERM;
	bpf_send_signal(SIGKILL);
	return 0;
}

/* First call of an exec chain: bprm->interp still points at the name execve got. */
static __always_inline bool first_in_chain(struct linux_binprm *bprm)
{
	return BPF_CORE_READ(bprm, interp) == BPF_CORE_READ(bprm, filename);
}

static __always_inline __u8 exec_kind(struct linux_binprm *bprm)
{
	char magic[4];

	bpf_probe_read_kernel(magic, sizeof(magic), bprm->buf);
	if (magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F')
		return DG_KIND_BINARY;
	return DG_KIND_SCRIPT; /* "#!" scripts and binfmt_misc data */
}

/*
 * security_bprm_check, the same for both hooks (lsm and fentry): called for
 * every file of an exec chain. `backend` and `hook` are constants.
 */
static __always_inline int bprm_check(struct linux_binprm *bprm, const __u8 backend,
				      const __u8 hook)
{
	struct task_struct *task = bpf_get_current_task_btf();
	/* Direct BTF access: a trusted pointer, which bpf_path_d_path needs. */
	struct file *file = bprm->file;
	bool first = first_in_chain(bprm);
	struct exec_state *st;
	struct scratch *s = NULL;
	__u8 action, kind;

	/*
	 * Looked up, not created: a task that has BPF storage pays a helper call
	 * at each of its syscalls in the flight recorder (bpf/recorder.bpf.c), so
	 * only chains that need their first file later get it (below).
	 */
	st = bpf_task_storage_get(&exec_states, task, NULL, 0);
	if (st && st->pending) {
		/* The script's decision, now that its interpreter is known. */
		action = st->pending;
		st->pending = 0;
		if (!first) {
			emit(&st->ev, file, hook);
			if (action == DG_VERDICT_BLOCK)
				return refuse(action, backend);
		}
	}
	kind = exec_kind(bprm);
	/* At the bprm check the task still runs its old program: its self-copy is known. */
	action = decide_bprm(file, kind, backend, &s);
	if (!s)
		return 0;
	/*
	 * The first file is needed again only when an interpreter follows (a
	 * script, binfmt_misc): fupper_layer and a pending decision. An image
	 * ELF binary (origin 0) needs nothing kept: fupper_layer is 0 anyway.
	 */
	if (!st && first && (kind == DG_KIND_SCRIPT || s->ev.origin))
		st = bpf_task_storage_get(&exec_states, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (st) {
		/* fupper_layer: the file execve named (the script for ./x.sh). */
		if (first) {
			st->origin = s->ev.origin;
			st->upper = !!(s->ev.origin & DG_ORIGIN_UPPER);
			st->kind = kind;
		}
		s->ev.fupper_layer = st->upper;
	}
	if (action < DG_VERDICT_AUDIT)
		return 0;
	if (st && first && kind == DG_KIND_SCRIPT) {
		__builtin_memcpy(&st->ev, &s->ev, sizeof(st->ev));
		st->pending = action;
		return 0;
	}
	emit(&s->ev, file, hook);
	return refuse(action, backend);
}

/*
 * security_mmap_file with PROT_EXEC: LD_PRELOAD, ld.so /tmp/x, and the ELF
 * loader that load_elf_binary maps for a dynamic binary (a replaced
 * /lib64/ld-linux-x86-64.so.2 would otherwise run in every image program).
 */
static __always_inline int mmap_file(struct file *file, unsigned long prot, const __u8 backend,
				     const __u8 hook)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct scratch *s = NULL;
	__u8 action;

	if (!file || !(prot & PROT_EXEC))
		return 0;
	/*
	 * The kernel mapping the program being exec'd (exe_file is set by
	 * then): bprm_check_security has judged that file already, and a second
	 * event (audit mode) would count one execution twice.
	 */
	if (file == BPF_CORE_READ(task, mm, exe_file))
		return 0;
	action = decide(file, DG_KIND_MAPPING, backend, &s);
	if (action < DG_VERDICT_AUDIT || !s)
		return 0;
	s->ev.fupper_layer = !!(s->ev.origin & DG_ORIGIN_UPPER);
	emit(&s->ev, file, hook);
	return refuse(action, backend);
}

/*
 * mprotect/pkey_mprotect adding PROT_EXEC to a file's mapping that was made
 * without it (mprotect_adds_exec()): the same decision as its mmap with
 * PROT_EXEC would have had, by the file of the mapping (overlayfs's layer
 * file judged as the overlay file the user mapped: user_view()).
 */
static __always_inline int mprotect_file(struct file *file, const __u8 backend, const __u8 hook)
{
	struct scratch *s = NULL;
	struct file *view;
	__u8 action;

	view = file ? user_view(file) : NULL;
	if (!view)
		return 0;
	/* The path is walked: d_path would give the layer's path, not the user's. */
	action = decide_file(view, DG_KIND_MAPPING, backend, false, false, 0, &s);
	if (action < DG_VERDICT_AUDIT || !s)
		return 0;
	s->ev.fupper_layer = !!(s->ev.origin & DG_ORIGIN_UPPER);
	emit(&s->ev, view, hook);
	return refuse(action, backend);
}

/*
 * kind interpreted (lib/interpreter.bpf.h): a listed interpreter opens a
 * regular file for reading; judged as its script, by the file itself. The
 * event's binary (eupper_layer) is the interpreter.
 */
static __always_inline int interpreted_open(struct file *file, const __u8 backend, const __u8 hook)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct scratch *s = NULL;
	__u32 gen, list;
	__u8 action;

	if (!interpreters_listed(&gen, &list) || !reads_regular_file(file) ||
	    !is_interpreter(task, gen, list))
		return 0;
	action = decide(file, DG_KIND_INTERPRETED, backend, &s);
	if (action < DG_VERDICT_AUDIT || !s)
		return 0;
	s->ev.fupper_layer = !!(s->ev.origin & DG_ORIGIN_UPPER);
	emit(&s->ev, BPF_CORE_READ(task, mm, exe_file), hook);
	return refuse(action, backend);
}

SEC("lsm/bprm_check_security")
int BPF_PROG(dg_bprm_check, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return ret;
	return bprm_check(bprm, DG_BACKEND_LSM, DG_HOOK_LSM_BPRM);
}

SEC("lsm/mmap_file")
int BPF_PROG(dg_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	if (ret)
		return ret;
	return mmap_file(file, prot, DG_BACKEND_LSM, DG_HOOK_LSM_MMAP);
}

SEC("lsm/file_mprotect")
int BPF_PROG(dg_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	if (ret)
		return ret;
	return mprotect_file(mprotect_adds_exec(vma, prot), DG_BACKEND_LSM, DG_HOOK_LSM_MPROTECT);
}

SEC("lsm/file_open")
int BPF_PROG(dg_file_open, struct file *file, int ret)
{
	if (ret)
		return ret;
	return interpreted_open(file, DG_BACKEND_LSM, DG_HOOK_LSM_OPEN);
}

/*
 * Signal backend, fentry flavour: the functions that call the LSM hooks,
 * entered before any LSM runs. Where another LSM would refuse, the exec
 * fails anyway and the SIGKILL of a block was still right.
 */
SEC("fentry/security_bprm_check")
int BPF_PROG(dg_bprm_check_fentry, struct linux_binprm *bprm)
{
	return bprm_check(bprm, DG_BACKEND_SIGNAL, DG_HOOK_FENTRY_BPRM);
}

/* security_mmap_file gets the prot asked for, before READ_IMPLIES_EXEC adds PROT_EXEC. */
SEC("fentry/security_mmap_file")
int BPF_PROG(dg_mmap_file_fentry, struct file *file, unsigned long prot, unsigned long flags)
{
	return mmap_file(file, prot, DG_BACKEND_SIGNAL, DG_HOOK_FENTRY_MMAP);
}

/* prot: with PROT_EXEC where READ_IMPLIES_EXEC added it, as the LSM hook gets it. */
SEC("fentry/security_file_mprotect")
int BPF_PROG(dg_file_mprotect_fentry, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot)
{
	return mprotect_file(mprotect_adds_exec(vma, prot), DG_BACKEND_SIGNAL,
			     DG_HOOK_FENTRY_MPROTECT);
}

SEC("fentry/security_file_open")
int BPF_PROG(dg_file_open_fentry, struct file *file)
{
	return interpreted_open(file, DG_BACKEND_SIGNAL, DG_HOOK_FENTRY_OPEN);
}

#include "lib/signal_tp.bpf.h"
