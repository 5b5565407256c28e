/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Types shared by bpf/cap_recorder.bpf.c and user space (plain C, no vmlinux.h).
 *
 * Capability learning rides on the syscall recorder (bpf/recorder.bpf.c): a
 * task's session is the one in the recorder's `tasks` task storage (the map
 * is shared), and each session has one slot of the `caps` array map here.
 * Per capability and verdict the slot keeps one "seen" byte and the first
 * syscall that made the check, so the hot path writes plain bytes: no
 * atomics, and a byte already set is not rewritten.
 */
#ifndef __DG_CAPS_H
#define __DG_CAPS_H

/* Capability numbers recorded (the kernel has 41 in 6.x: CAP_LAST_CAP 40). */
#define DG_CAP_COUNT 64

enum dg_cap_verdict {
	DG_CAP_GRANTED = 0,
	DG_CAP_DENIED = 1,
	DG_CAP_VERDICTS = 2,
};

/* dg_caps_slot.gate, set by user space when the slot is handed out. */
enum dg_caps_gate {
	/* Every check of the session's tasks counts (a command, a running container). */
	DG_CAPS_GATE_NONE = 0,
	/*
	 * A container started by an OCI runtime: checks count only for tasks
	 * under a seccomp filter, and only from the first execve made under a
	 * filter in the session (the container's process; the checks of that
	 * execve itself included). The runtime's own privileged set-up, before
	 * it applies the container's capability sets, stays out: it runs with
	 * the runtime's full capabilities whatever the container is given.
	 */
	DG_CAPS_GATE_EXEC = 1,
};

/* dg_cap_use.syscall when the check was not made inside a known syscall. */
#define DG_CAP_NO_SYSCALL 0xffffffffu

struct dg_cap_use {
	unsigned int syscall; /* first syscall that made this check (number, see abi) */
	unsigned char abi;    /* enum dg_abi of bpf/recorder.h */
	unsigned char seen;   /* written last: 1 once such a check was seen */
	unsigned char pad[2];
};

/* Value of one `caps` slot. */
struct dg_caps_slot {
	unsigned int gate; /* enum dg_caps_gate */
	unsigned int open; /* DG_CAPS_GATE_EXEC: set by the kernel side once it opened */
	struct dg_cap_use use[DG_CAP_VERDICTS][DG_CAP_COUNT];
};

#endif /* __DG_CAPS_H */
