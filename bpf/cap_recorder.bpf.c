// SPDX-License-Identifier: GPL-2.0-only
/*
 * Capability recorder for `driftguard learn --caps`.
 *
 * Two ways in, chosen in user space after probing (bpf_program__set_autoload):
 *   - lsm/capable (BPF-LSM): the stable LSM interface. It runs after the
 *     capability LSM, and the hook chain stops at the first denial, so it only
 *     ever sees granted checks;
 *   - fexit/cap_capable: sees every verdict. With BPF-LSM it records only the
 *     denials (BPF-LSM runs on trampolines, so fexit is there whenever
 *     lsm/capable is); without BPF-LSM it records both.
 * A check counts when the current task is tracked by the syscall recorder
 * (its `tasks` task storage, shared with it), was not made NOAUDIT, with the
 * task's own credentials (not overridden ones: overlayfs copy-up, another
 * task's or a file's creds) and against the task's own user namespace.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "recorder.h"
#include "cap_recorder.h"
#include "lib/core_fixes.bpf.h"
/* The recorder's `tasks` map: user space hands this object learn's fd. */
#include "lib/task_session.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Per-session capability checks; zeroed (and gated) by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DG_MAX_SESSIONS);
	__type(key, __u32);
	__type(value, struct dg_caps_slot);
} caps SEC(".maps");

/* fexit/cap_capable records only denials (lsm/capable records the grants). */
const volatile bool fexit_denied_only = false;

/* Set by lsm/capable on any call: user space checks that the hook runs. */
volatile __u32 lsm_ran;

/* Checks of tracked tasks left out, by reason (for `learn -v`). */
volatile __u64 skipped_noaudit;
volatile __u64 skipped_override;
volatile __u64 skipped_foreign_ns;

/* The syscall the task is in: orig_ax of its user registers (-1 when none). */
static __always_inline long current_syscall(struct task_struct *task)
{
#ifdef __TARGET_ARCH_x86
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

	if (!regs)
		return -1;
	return (long)BPF_CORE_READ(regs, orig_ax);
#else
	return -1;
#endif
}

static __always_inline bool is_execve(__u32 abi, __u64 nr)
{
	switch (abi) {
	case DG_ABI_X86_64:
		return nr == 59 || nr == 322; /* execve, execveat */
	case DG_ABI_I386:
		return nr == 11 || nr == 358;
	case DG_ABI_X32:
		return nr == 520 || nr == 545;
	}
	return false;
}

static __always_inline void record(const struct cred *cred, struct user_namespace *ns, int cap,
				   unsigned int opts, bool granted)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct dg_caps_slot *slot;
	struct dg_cap_use *use;
	struct dg_task *t;
	__u32 abi = DG_ABI_X86_64;
	__u64 nr = DG_CAP_NO_SYSCALL;
	long id;

	t = bpf_task_storage_get(&tasks, task, NULL, 0);
	if (!t)
		return;
	if (cap < 0 || cap >= DG_CAP_COUNT)
		return;
	if (opts & CAP_OPT_NOAUDIT) {
		__sync_fetch_and_add(&skipped_noaudit, 1);
		return;
	}
	if (cred != task->real_cred) {
		__sync_fetch_and_add(&skipped_override, 1);
		return;
	}
	if (ns != BPF_CORE_READ(cred, user_ns)) {
		__sync_fetch_and_add(&skipped_foreign_ns, 1);
		return;
	}
	slot = bpf_map_lookup_elem(&caps, &t->session);
	if (!slot)
		return;
	id = current_syscall(task);
	if (id >= 0) {
		abi = syscall_abi(task, id);
		nr = (__u64)id & ~(__u64)DG_X32_SYSCALL_BIT;
	}
	if (slot->gate == DG_CAPS_GATE_EXEC) {
		if (task->seccomp.mode != SECCOMP_MODE_FILTER)
			return;
		if (!slot->open) {
			if (!is_execve(abi, nr))
				return;
			slot->open = 1;
		}
	}
	use = &slot->use[granted ? DG_CAP_GRANTED : DG_CAP_DENIED][cap & (DG_CAP_COUNT - 1)];
	if (use->seen)
		return;
	use->syscall = nr < DG_MAX_SYSCALL ? (__u32)nr : DG_CAP_NO_SYSCALL;
	use->abi = abi;
	use->seen = 1;
}

SEC("lsm/capable")
int BPF_PROG(dg_cap_lsm, const struct cred *cred, struct user_namespace *ns, int cap,
	     unsigned int opts, int ret)
{
	if (!lsm_ran)
		lsm_ran = 1;
	/* ret: the verdict of BPF-LSM programs before this one (0: granted). */
	record(cred, ns, cap, opts, ret == 0);
	return 0;
}

SEC("fexit/cap_capable")
int BPF_PROG(dg_cap_fexit, const struct cred *cred, struct user_namespace *ns, int cap,
	     unsigned int opts, int ret)
{
	if (ret == 0 && fexit_denied_only)
		return 0;
	record(cred, ns, cap, opts, ret == 0);
	return 0;
}

/* DG_CAPS_GATE_EXEC: an exec under a seccomp filter opens the session's gate. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(dg_cap_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct dg_caps_slot *slot;
	struct dg_task *t;

	t = bpf_task_storage_get(&tasks, task, NULL, 0);
	if (!t)
		return 0;
	slot = bpf_map_lookup_elem(&caps, &t->session);
	if (!slot || slot->gate != DG_CAPS_GATE_EXEC || slot->open)
		return 0;
	if (task->seccomp.mode == SECCOMP_MODE_FILTER)
		slot->open = 1;
	return 0;
}
