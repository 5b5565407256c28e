// SPDX-License-Identifier: GPL-2.0-only
/*
 * Drift enforcement: stop execution of files that were not part of the
 * container image.
 *
 * Two backends share the classification and the rule evaluation:
 *  - lsm: lsm/bprm_check_security, called for every file of the exec chain
 *    (script, then its interpreter, then binfmt_misc's), and lsm/mmap_file
 *    for executable mappings (ld.so /tmp/x, LD_PRELOAD); a block returns
 *    -EPERM before anything runs.
 *  - signal: where BPF-LSM is not active, tp_btf/sched_process_exec kills the
 *    new program with SIGKILL before its first instruction. The exec itself
 *    has succeeded by then; only the final binary is seen there (README.md,
 *    the backends table of `driftguard enforce`, says what this backend
 *    cannot see; docs/rules.md how a decision is made).
 * User space loads one backend (autoload), never both.
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
#include "lib/origin.bpf.h"
#include "lib/path.bpf.h"
#include "lib/policy.bpf.h"

#define EPERM 1
#define SIGKILL 9
#define PROT_EXEC 0x4

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
 * either runs in between, and a block there still fails the execve.
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

/*
 * Signal backend, scripts: sched_process_exec only sees the interpreter. The
 * script's name is kept here until the interpreter opens it; that open (its
 * first instruction is long past, but none of the script's) is where the
 * script is judged. Keyed by pid (thread group), LRU so nothing can pile up.
 */
struct pending_script {
	char name[64]; /* basename of the path execve got */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct pending_script);
} pending_scripts SEC(".maps");

/*
 * Signal backend, the runtime's self-copy (running_exe() in
 * lib/policy.bpf.h): the exec tracepoint comes after the new mm replaced the
 * old, so the file a task runs is recorded when its exec syscall begins: its
 * inode (an identity only, never dereferenced: the old exe_file holds it
 * until the point of no return, so no other inode can take its address
 * before the new file is open) and its origin then. Keyed by thread id (the
 * tracepoint's old_pid), LRU: an exec that failed leaves an entry the next
 * exec of that thread overwrites.
 */
struct running_exe {
	__u64 inode;
	__u8 origin;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct running_exe);
} running_exes SEC(".maps");

/* file: the binary that will run (eupper_layer). */
static __always_inline void emit(struct dg_exec_event *ev, struct file *file)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 id = bpf_get_current_pid_tgid();

	ev->time_ns = bpf_ktime_get_ns();
	ev->cgroup_id = bpf_get_current_cgroup_id();
	ev->mntns = current_mntns(task);
	ev->pid = id >> 32;
	ev->tid = (__u32)id;
	ev->eupper_layer = is_upper(BPF_CORE_READ(file, f_inode));
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
	if (ev->action == DG_VERDICT_BLOCK)
		__sync_fetch_and_add(&n_blocked, 1);
	else
		__sync_fetch_and_add(&n_audited, 1);
	if (bpf_ringbuf_output(&events, ev, sizeof(*ev), 0))
		__sync_fetch_and_add(&events_dropped, 1);
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

SEC("lsm/bprm_check_security")
int BPF_PROG(dg_bprm_check, struct linux_binprm *bprm, int ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	/* Direct BTF access: a trusted pointer, which bpf_path_d_path needs. */
	struct file *file = bprm->file;
	bool first = first_in_chain(bprm);
	struct exec_state *st;
	struct scratch *s = NULL;
	__u8 action, kind;

	if (ret)
		return ret;
	st = bpf_task_storage_get(&exec_states, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (st && st->pending) {
		/* The script's decision, now that its interpreter is known. */
		action = st->pending;
		st->pending = 0;
		if (!first) {
			emit(&st->ev, file);
			if (action == DG_VERDICT_BLOCK)
				return -EPERM;
		}
	}
	kind = exec_kind(bprm);
	action = decide(file, kind, DG_BACKEND_LSM, &s);
	if (!s)
		return 0;
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
	emit(&s->ev, file);
	return action == DG_VERDICT_BLOCK ? -EPERM : 0;
}

SEC("lsm/mmap_file")
int BPF_PROG(dg_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct scratch *s = NULL;
	__u8 action;

	if (ret || !file || !(prot & PROT_EXEC))
		return ret;
	/*
	 * The kernel mapping the program being exec'd (exe_file is set by
	 * then): bprm_check_security has judged that file already, and a second
	 * event (audit mode) would count one execution twice.
	 */
	if (file == BPF_CORE_READ(task, mm, exe_file))
		return 0;
	action = decide(file, DG_KIND_MAPPING, DG_BACKEND_LSM, &s);
	if (action < DG_VERDICT_AUDIT || !s)
		return 0;
	s->ev.fupper_layer = !!(s->ev.origin & DG_ORIGIN_UPPER);
	emit(&s->ev, file);
	return action == DG_VERDICT_BLOCK ? -EPERM : 0;
}

/* Copy the last component of the user-visible path `filename` into out. */
struct basename_ctx {
	const char *buf;
	__u32 start;
};

static long find_slash(__u64 i, struct basename_ctx *b)
{
	char c = b->buf[i & (DG_PATH_MAX - 1)];

	if (!c)
		return 1;
	if (c == '/')
		b->start = (__u32)i + 1;
	return 0;
}

static __always_inline void remember_script(struct linux_binprm *bprm, struct scratch *s)
{
	struct pending_script p = {};
	struct basename_ctx b = {.buf = s->buf};
	__u32 pid = bpf_get_current_pid_tgid() >> 32;

	if (bpf_probe_read_kernel_str(s->buf, DG_PATH_MAX, BPF_CORE_READ(bprm, filename)) <= 0)
		return;
	bpf_loop(DG_PATH_MAX, find_slash, &b, 0);
	bpf_probe_read_kernel_str(p.name, sizeof(p.name), &s->buf[b.start & (DG_PATH_MAX - 1)]);
	bpf_map_update_elem(&pending_scripts, &pid, &p, BPF_ANY);
}

/*
 * Signal backend: the new program is in place but has not run one
 * instruction. bprm->file is the final binary (the interpreter of a script).
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(dg_exec_signal, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct file *file = BPF_CORE_READ(bprm, file);
	struct scratch *s = NULL;
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	bool script = !first_in_chain(bprm);
	__u8 action;

	struct running_exe *run;
	__u32 tid = old_pid;
	__u8 self = 0;

	bpf_map_delete_elem(&pending_scripts, &pid);
	run = bpf_map_lookup_elem(&running_exes, &tid);
	if (run) {
		if (run->inode == (__u64)BPF_CORE_READ(file, f_inode))
			self = run->origin;
		bpf_map_delete_elem(&running_exes, &tid);
	}
	action = decide_file(file, DG_KIND_BINARY, DG_BACKEND_SIGNAL, false, self, &s);
	if (script && s && action != DG_VERDICT_BLOCK)
		remember_script(bprm, s);
	if (action < DG_VERDICT_AUDIT || !s)
		return 0;
	s->ev.fupper_layer = script ? 0 : !!(s->ev.origin & DG_ORIGIN_UPPER);
	if (action == DG_VERDICT_BLOCK)
		bpf_send_signal(SIGKILL);
	emit(&s->ev, file);
	return 0;
}

/* Signal backend: an exec syscall begins; remember what the task runs (struct running_exe). */
static __always_inline int exec_begins(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);
	__u32 tid = (__u32)bpf_get_current_pid_tgid(), pid_level;
	struct running_exe run = {};

	if (!exe)
		return 0;
	pid_level = container_pid_level(task);
	run.inode = (__u64)BPF_CORE_READ(exe, f_inode);
	run.origin = classify(exe, task, in_container(pid_level), pid_level);
	bpf_map_update_elem(&running_exes, &tid, &run, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int dg_exec_enter(struct trace_event_raw_sys_enter *ctx)
{
	return exec_begins();
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int dg_execat_enter(struct trace_event_raw_sys_enter *ctx)
{
	return exec_begins();
}

static __always_inline bool same_name(const unsigned char *name, const char *want)
{
	char buf[64];

	if (bpf_probe_read_kernel_str(buf, sizeof(buf), name) <= 0)
		return false;
	for (int i = 0; i < (int)sizeof(buf); i++) {
		if (buf[i] != want[i])
			return false;
		if (!buf[i])
			return true;
	}
	return false;
}

/* The interpreter opened a file: is it the pending script? Then judge it. */
static __always_inline int script_opened(long fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct pending_script *p;
	struct scratch *s = NULL;
	struct file **fds, *file = NULL;
	__u8 action;

	p = bpf_map_lookup_elem(&pending_scripts, &pid);
	if (!p || fd < 0)
		return 0;
	fds = BPF_CORE_READ(task, files, fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd & 0xffff]);
	if (!file || !same_name(BPF_CORE_READ(file, f_path.dentry, d_name.name), p->name))
		return 0;
	bpf_map_delete_elem(&pending_scripts, &pid);
	action = decide(file, DG_KIND_SCRIPT, DG_BACKEND_SIGNAL, &s);
	if (action < DG_VERDICT_AUDIT || !s)
		return 0;
	s->ev.fupper_layer = !!(s->ev.origin & DG_ORIGIN_UPPER);
	if (action == DG_VERDICT_BLOCK)
		bpf_send_signal(SIGKILL);
	/* The binary that runs is the interpreter. */
	emit(&s->ev, BPF_CORE_READ(task, mm, exe_file));
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_openat")
int dg_script_openat(struct trace_event_raw_sys_exit *ctx)
{
	return script_opened(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_open")
int dg_script_open(struct trace_event_raw_sys_exit *ctx)
{
	return script_opened(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_openat2")
int dg_script_openat2(struct trace_event_raw_sys_exit *ctx)
{
	return script_opened(ctx->ret);
}
