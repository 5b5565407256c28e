// SPDX-License-Identifier: GPL-2.0-only
/*
 * Feature probes for `driftguard probe` and backend selection: each program
 * is loaded on its own (the others' autoload off) to learn whether the kernel
 * accepts that program type. They do nothing.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

volatile __u64 lsm_hits;
volatile __u64 fentry_hits;

SEC("lsm/bprm_check_security")
int BPF_PROG(probe_lsm, struct linux_binprm *bprm)
{
	/* Counts calls, so an attached program can be seen to run. */
	__sync_fetch_and_add(&lsm_hits, 1);
	return 0;
}

SEC("fentry/security_bprm_check")
int BPF_PROG(probe_fentry, struct linux_binprm *bprm)
{
	/* The signal backend's fentry flavour attaches here: does it run? */
	__sync_fetch_and_add(&fentry_hits, 1);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(probe_tp_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return 0;
}
