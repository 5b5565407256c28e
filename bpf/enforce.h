/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Types shared by bpf/enforce.bpf.c (and its bpf/lib/ headers) and user space
 * (plain C, no vmlinux.h): the compiled drift policy that lives in BPF maps,
 * the keys and sizes of those maps, and the events sent to user space for
 * every audit/block decision.
 *
 * A decision never waits for user space: user space compiles the YAML rules
 * (rules/, enforcer/rules_compile.c) into `struct dg_rule_bpf` entries of an array
 * map and swaps the whole policy atomically (a generation index).
 */
#ifndef __DG_ENFORCE_H
#define __DG_ENFORCE_H

#define DG_MAX_RULES 32
#define DG_PATTERN_MAX 128 /* bytes of a path prefix or suffix, NUL included */
#define DG_PATH_MAX 256	   /* bytes of a path in an event, NUL included */
#define DG_RULE_MAX_CGROUPS 8
/* Containers whose cgroup makes them containers (those without a pid namespace of their own). */
#define DG_MAX_CONTAINER_CGROUPS 8192

/*
 * The policy maps hold two generations: user space fills the one that is not
 * active_gen, then flips active_gen (generation g's rules are entries
 * g * DG_MAX_RULES + i of `rules`).
 */
#define DG_GENERATIONS 2
/* cgroup_rules entries a generation can need: every cgroup of every rule. */
#define DG_MAX_CGROUP_KEYS (DG_MAX_RULES * DG_RULE_MAX_CGROUPS)

/* Why a file counts as drifted (bit mask). */
enum dg_origin {
	DG_ORIGIN_UPPER = 1 << 0,      /* overlayfs inode with an upper dentry */
	DG_ORIGIN_MEMFD = 1 << 1,      /* memfd, or a deleted file (i_nlink == 0) */
	DG_ORIGIN_OFF_ROOTFS = 1 << 2, /* on a mount other than the task's root (tmpfs, volume) */
	DG_ORIGIN_IMAGE = 1 << 3,      /* none of the above: part of the image */
};

/* What kind of execution (bit mask). */
enum dg_kind {
	DG_KIND_BINARY = 1 << 0,  /* the file that will run (ELF, or an interpreter) */
	DG_KIND_SCRIPT = 1 << 1,  /* a file named by execve that an interpreter runs */
	DG_KIND_MAPPING = 1 << 2, /* mmap/mprotect with PROT_EXEC of a file (ld.so, LD_PRELOAD) */
	/* opt-in: a regular file that a listed interpreter (dg_policy_hdr) opens for reading */
	DG_KIND_INTERPRETED = 1 << 3,
};

/* What a rule decides for an exec (named apart from the seccomp profile's struct dg_action). */
enum dg_verdict {
	DG_VERDICT_NONE = 0, /* no rule matched: allowed, no event */
	DG_VERDICT_ALLOW = 1,
	DG_VERDICT_AUDIT = 2,
	DG_VERDICT_BLOCK = 3,
};

/* Which tasks a rule applies to. */
enum dg_scope {
	DG_SCOPE_ALL = 0,     /* every task in a container (not the host) */
	DG_SCOPE_HOST = 1,    /* tasks in no container */
	DG_SCOPE_CGROUPS = 2, /* tasks under one of cgroup_ids (subtrees) */
	DG_SCOPE_ANY = 3,     /* containers and host */
};

enum dg_path_match {
	DG_PATH_ANY = 0,    /* no path condition */
	DG_PATH_EXACT = 1,  /* path == prefix */
	DG_PATH_PREFIX = 2, /* path starts with prefix ("/opt/app/") */
	DG_PATH_GLOB = 3,   /* path starts with prefix and ends with suffix ("/tmp/" "*" ".sh") */
};

/* One compiled rule; rules are evaluated in index order, first match decides. */
struct dg_rule_bpf {
	unsigned char action;	  /* enum dg_verdict */
	unsigned char scope;	  /* enum dg_scope */
	unsigned char origins;	  /* enum dg_origin mask: any of them matches */
	unsigned char kinds;	  /* enum dg_kind mask: any of them matches */
	unsigned char path_match; /* enum dg_path_match */
	unsigned char prefix_len; /* strlen(prefix) */
	unsigned char suffix_len; /* strlen(suffix) */
	unsigned char n_cgroups;
	unsigned long long cgroup_ids[DG_RULE_MAX_CGROUPS];
	char prefix[DG_PATTERN_MAX];
	char suffix[DG_PATTERN_MAX];
};

/*
 * `interpreters:` (DG_KIND_INTERPRETED): the name of the binary a task runs
 * (the exec'd file's, symlinks resolved) against a list of names, each
 * exact or one prefix and one suffix around a '*' ("python*").
 */
#define DG_MAX_INTERPRETERS 16
#define DG_INTERP_NAME_MAX 32	  /* bytes of a name's prefix or suffix, NUL included */
#define DG_INTERP_EXE_NAME_MAX 64 /* bytes of a binary's name read: a longer one never matches */

struct dg_interp_bpf {
	unsigned char glob; /* a '*' between prefix and suffix; else the name is prefix */
	unsigned char prefix_len;
	unsigned char suffix_len;
	unsigned char pad;
	char prefix[DG_INTERP_NAME_MAX];
	char suffix[DG_INTERP_NAME_MAX];
};

/* Global policy switches (one entry of the `policy` array map, per generation). */
struct dg_policy_hdr {
	unsigned int n_rules;
	unsigned int audit_only; /* mode: audit -> every block becomes audit */
	/* 0 unless a rule has kind interpreted: then no open is looked at */
	unsigned int n_interpreters;
	unsigned int interp_id; /* the list's hash: a task's recognition holds while it does */
	struct dg_interp_bpf interpreters[DG_MAX_INTERPRETERS];
};

/*
 * Key of the `cgroup_rules` hash map, DG_SCOPE_CGROUPS turned around: for a
 * cgroup id, the mask of the rules of generation `gen` that select it (and so
 * its whole subtree). Zero `pad`: the whole key is hashed.
 */
struct dg_cgroup_key {
	unsigned long long cgroup_id;
	unsigned int gen;
	unsigned int pad;
};

/* Which backend produced an event. */
enum dg_backend {
	DG_BACKEND_LSM = 1,    /* lsm/bprm_check_security, lsm/mmap_file: -EPERM */
	DG_BACKEND_SIGNAL = 2, /* bpf_send_signal(SIGKILL), from one of two flavours (dg_hook) */
};

/*
 * The kernel hook that decided (events' "hook"): which flavour of the signal
 * backend runs, and where in an exec a decision was made.
 */
enum dg_hook {
	DG_HOOK_LSM_BPRM = 1,	 /* lsm/bprm_check_security */
	DG_HOOK_LSM_MMAP = 2,	 /* lsm/mmap_file */
	DG_HOOK_FENTRY_BPRM = 3, /* signal, fentry flavour: fentry/security_bprm_check */
	DG_HOOK_FENTRY_MMAP = 4, /* fentry/security_mmap_file */
	DG_HOOK_EXEC = 5,	 /* signal, tracepoint flavour: tp_btf/sched_process_exec */
	DG_HOOK_OPEN = 6, /* a script or an interpreted file, at the open (syscalls tracepoints) */
	DG_HOOK_MMAP = 7, /* tracepoint flavour: mmap(PROT_EXEC) of a file, at its syscall */
	DG_HOOK_LSM_MPROTECT = 8,    /* lsm/file_mprotect: PROT_EXEC added to a file's mapping */
	DG_HOOK_FENTRY_MPROTECT = 9, /* fentry/security_file_mprotect */
	DG_HOOK_MPROTECT = 10,	     /* tracepoint flavour: mprotect, at its syscall */
	DG_HOOK_PKEY_MPROTECT = 11,  /* tracepoint flavour: pkey_mprotect, at its syscall */
	DG_HOOK_LSM_OPEN = 12,	     /* lsm/file_open: a file a listed interpreter reads */
	DG_HOOK_FENTRY_OPEN = 13,    /* fentry/security_file_open */
};

struct dg_exec_event {
	unsigned long long time_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	unsigned long long cgroup_id;
	unsigned long long mntns;
	unsigned int pid; /* tgid */
	unsigned int tid;
	unsigned int rule;    /* index of the deciding rule */
	unsigned char action; /* enum dg_verdict taken (AUDIT when audit_only downgraded a block) */
	unsigned char backend;	     /* enum dg_backend */
	unsigned char kind;	     /* enum dg_kind of this event */
	unsigned char origin;	     /* enum dg_origin of the file named by exec / mapped */
	unsigned char fupper_layer;  /* the file named by exec is upper-layer */
	unsigned char eupper_layer;  /* the binary that will run (interpreter) is upper-layer */
	unsigned char path_complete; /* path is complete (d_path), else the last component */
	unsigned char self_exec; /* the file the task already runs: judged as that (policy.bpf.h) */
	unsigned char container; /* the task is a container's (policy.bpf.h, in_container()) */
	unsigned char hook;	 /* enum dg_hook: the program that decided */
	char comm[16];
	char path[DG_PATH_MAX];
};

#endif /* __DG_ENFORCE_H */
