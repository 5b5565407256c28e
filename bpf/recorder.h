/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Types shared by bpf/recorder.bpf.c and user space (plain C, no vmlinux.h).
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
	DG_ABI_X32 = 2,	 /* 64-bit entry with __X32_SYSCALL_BIT set */
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
	/* Flight recorder: 1 + the ring slot this task's current syscall took
	 * at sys_enter (0: none), and the low 32 bits of its sequence number;
	 * sys_exit fills in the return value if the slot still holds that
	 * syscall (the ring may have wrapped), then clears flight_slot. */
	unsigned int flight_slot;
	unsigned int flight_seq;
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

/*
 * Flight recorder: the last N syscalls of each session (tid, ABI, number,
 * arguments, return value, time) in an overwriting ring in kernel memory,
 * read only when `driftguard dump` asks.
 *
 * One ARRAY map `flight` holds N entries per ring; ring r (session r + 1)
 * is entries [r * N, (r + 1) * N). N is a power of two (user space rounds
 * it up) so a sequence number maps to a slot with a mask. `flight_heads`
 * holds, per session, the sequence number the next syscall will take
 * (reserved with one atomic add): the ring holds sequence numbers
 * [max(0, head - N), head), entry `seq` at slot seq & (N - 1).
 */
#define DG_FLIGHT_SUGGESTED 256 /* what the docs suggest; learn's default is off */
#define DG_FLIGHT_MAX 65536	/* entries per session */
#define DG_FLIGHT_NARGS 6
/* dg_flight_entry.seq while sys_enter rewrites the entry. */
#define DG_FLIGHT_WRITING 0xffffffffffffffffULL

/* dg_flight_entry.flags */
#define DG_FLIGHT_RET (1u << 0) /* ret is set: the syscall returned */

struct dg_flight_entry {
	unsigned long long seq;			  /* DG_FLIGHT_WRITING, fields, then seq */
	unsigned long long ts;			  /* CLOCK_MONOTONIC ns at sys_enter */
	unsigned long long args[DG_FLIGHT_NARGS]; /* i386: zero-extended 32-bit */
	long long ret;				  /* valid with DG_FLIGHT_RET */
	unsigned int tid;			  /* kernel (init pid namespace) tid */
	unsigned int nr;			  /* syscall number, x32 bit cleared */
	unsigned short abi;			  /* enum dg_abi */
	unsigned short flags;			  /* DG_FLIGHT_* */
	unsigned int pad;
};

/* Value of `flight_heads`. */
struct dg_flight_head {
	unsigned long long next; /* sequence number of the next syscall */
};

#endif /* __DG_LEARN_H */
