/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Types shared by bpf/learn.bpf.c and user space (plain C, no vmlinux.h).
 *
 * The recorder keeps one "session" per learned workload (a command's process
 * tree or a container). A session is a slot of the `syscalls` array map, so
 * the per-syscall path does an inlined array lookup instead of a hash lookup.
 * Slot 0 is never handed out: zeroed task storage must not mean "tracked".
 */
#ifndef __DG_LEARN_H
#define __DG_LEARN_H

/* Syscall ABIs told apart on x86-64. */
enum dg_abi {
	DG_ABI_X86_64 = 0,
	DG_ABI_I386 = 1, /* int 0x80 / sysenter from any task: TS_COMPAT */
	DG_ABI_X32 = 2,  /* 64-bit entry with __X32_SYSCALL_BIT set */
	DG_ABI_COUNT = 3,
};

/* Syscall numbers recorded per ABI; x86-64, i386 and x32 all stay below. */
#define DG_MAX_SYSCALL 1024
#define DG_X32_SYSCALL_BIT 0x40000000

/* Sessions one driftguard process can record at once (slot 0 unused). */
#define DG_MAX_SESSIONS 64

/* dg_task.flags */
/*
 * Record this task only once it runs under a seccomp filter. Used when a
 * container runtime is learned: the runtime installs the (permissive,
 * learning) filter at exactly the point where the final profile will start
 * to apply, whatever runtime it is, so everything from then on, and nothing
 * before, belongs in the profile.
 */
#define DG_TASK_GATE_SECCOMP (1u << 0)

/* Value of the per-task storage: which session a task belongs to. */
struct dg_task {
	unsigned int session;
	unsigned int flags;
};

/* Value of one `syscalls` slot: one byte per syscall number per ABI. */
struct dg_syscalls {
	unsigned char seen[DG_ABI_COUNT][DG_MAX_SYSCALL];
};
#define DG_SEEN_BYTES (DG_ABI_COUNT * DG_MAX_SYSCALL)

/* Value of the `watched_cgroups` hash (key: cgroup v2 id). */
struct dg_cgroup_watch {
	unsigned int session;
	unsigned int flags;
};

#endif /* __DG_LEARN_H */
