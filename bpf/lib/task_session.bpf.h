/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel-side pieces shared by the programs that follow a recording session
 * (bpf/recorder.bpf.c, which owns them, and bpf/cap_recorder.bpf.c, which reuses its
 * `tasks` map by fd): the task -> session storage and telling a syscall's
 * ABI. Included by .bpf.c files only (after vmlinux.h and libbpf's headers).
 */
#ifndef __DG_TASK_SESSION_BPF_H
#define __DG_TASK_SESSION_BPF_H

#include "recorder.h"
#include "lib/core_fixes.bpf.h"

#define SECCOMP_MODE_FILTER 2

/* Which session a task belongs to; freed by the kernel with the task. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct dg_task);
} tasks SEC(".maps");

/* The ABI of syscall `id` made by `task` (enum dg_abi). */
static __always_inline __u32 syscall_abi(struct task_struct *task, long id)
{
#ifdef __TARGET_ARCH_x86
	if (task_in_ia32_syscall(task))
		return DG_ABI_I386;
	if (id & DG_X32_SYSCALL_BIT)
		return DG_ABI_X32;
#endif
	return DG_ABI_X86_64;
}

#endif /* __DG_TASK_SESSION_BPF_H */
