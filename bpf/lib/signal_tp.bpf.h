/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The signal backend's tracepoint flavour, for kernels where fentry cannot
 * attach (no trampolines): what tracepoints can see of an exec chain.
 *
 *  - tp_btf/sched_process_exec: the final binary (a script's interpreter),
 *    and the ELF loader it was given (AT_BASE of the saved auxiliary vector,
 *    the vma mapped there): the new program has not run one instruction.
 *  - A script is only a name by then (exec_binprm has put its file). It is
 *    judged when its interpreter opens the very path execve got (the path
 *    binfmt_script passed the interpreter as an argument), by the file that
 *    open returns: its identity, not its name, so /proc/self/fd/N, a memfd
 *    through /dev/fd/N and a symlink are judged as what they are, and a file
 *    that only shares the script's basename (libc.so.6) is not taken for it.
 *    The interpreter has run by then, none of the script's commands.
 *  - The pending script survives up to MAX_REEXECS further execs of the
 *    process: `#!/usr/bin/env sh` runs env, which execs sh, which opens it.
 *
 *  - mmap(PROT_EXEC) of a file at its syscall's entry (LD_PRELOAD, ld.so X):
 *    mmap_file(), as the other flavour, with the file from the fd table.
 *
 *  - kind interpreted (opt-in): a file a listed interpreter opens for
 *    reading, at the same sys_exit_open* programs as the script.
 *  - mprotect/pkey_mprotect adding PROT_EXEC to a file's mapping, at its
 *    syscall's entry: the mapping found with bpf_find_vma, mprotect_file().
 *
 * What this flavour cannot see (README.md, the backends table): a script an
 * interpreter opens under another path than the one execve got, mappings
 * made by the 32-bit compat mmap2 (and its mprotect), and a mapping whose
 * lookup finds the mm locked by another thread (bpf_find_vma only tries).
 *
 * Included once, by enforce.bpf.c, after its emit() and refuse().
 */
#ifndef __DG_SIGNAL_TP_BPF_H
#define __DG_SIGNAL_TP_BPF_H

#define AT_BASE 7     /* auxv: where the ELF loader is mapped, 0 without one */
#define AUXV_PAIRS 24 /* AT_BASE comes early in create_elf_tables' vector */
#define MAX_REEXECS 4 /* env, nice, chrt... then the interpreter */
#define MAP_ANONYMOUS 0x20

/* A script waiting for its interpreter's open; keyed by pid (thread group). */
struct pending_script {
	char path[DG_PATH_MAX]; /* bprm->filename: the path execve got */
	__u32 opener;		/* thread whose open of `path` is in flight, 0: none */
	__u32 execs;		/* execs of the process since the script's */
};

/* LRU: a script never opened cannot make anything pile up. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct pending_script);
} pending_scripts SEC(".maps");

/*
 * The runtime's self-copy (running_exe() in lib/policy.bpf.h): the exec
 * tracepoint comes after the new mm replaced the old, so the file a task
 * runs is recorded when its exec syscall begins: its inode (an identity
 * only, never dereferenced: the old exe_file holds it until the point of no
 * return, so no other inode can take its address before the new file is
 * open) and its origin then. Keyed by thread id (the tracepoint's old_pid),
 * LRU: an exec that failed leaves an entry the next exec of that thread
 * overwrites.
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

/* Where a pending_script is built (too big for the stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pending_script);
} pending_build SEC(".maps");

static __always_inline void remember_script(struct linux_binprm *bprm, __u32 pid)
{
	__u32 zero = 0;
	struct pending_script *p = bpf_map_lookup_elem(&pending_build, &zero);

	if (!p)
		return;
	p->opener = 0;
	p->execs = 0;
	if (bpf_probe_read_kernel_str(p->path, sizeof(p->path), BPF_CORE_READ(bprm, filename)) <= 0)
		return;
	bpf_map_update_elem(&pending_scripts, &pid, p, BPF_ANY);
}

/* A file of the task's fd table; NULL if none. */
static __always_inline struct file *fd_file(struct task_struct *task, long fd)
{
	struct file **fds = BPF_CORE_READ(task, files, fdt, fd), *file = NULL;

	if (fd < 0 || fd >= BPF_CORE_READ(task, files, fdt, max_fds))
		return NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd & 0xffff]);
	return file;
}

/* The file mapped at addr, found by bpf_find_vma's callback. */
static long vma_file(struct task_struct *task, struct vm_area_struct *vma, void *out)
{
	*(struct file **)out = vma->vm_file;
	return 0;
}

/*
 * The ELF loader load_elf_binary mapped for the new program (NULL for a
 * static binary, or ld.so run as the program itself): AT_BASE is its load
 * address. The process is single-threaded here (de_thread), so the mapping
 * stays while it is judged.
 */
static __always_inline struct file *elf_loader(struct task_struct *task)
{
	unsigned long pair[2], base = 0;
	struct mm_struct *mm = BPF_CORE_READ(task, mm);
	void *auxv = (void *)mm + bpf_core_field_offset(struct mm_struct, saved_auxv);
	struct file *file = NULL;

	if (!mm)
		return NULL;
	for (int i = 0; i < AUXV_PAIRS; i++) {
		if (bpf_probe_read_kernel(pair, sizeof(pair), auxv + i * sizeof(pair)) || !pair[0])
			break;
		if (pair[0] == AT_BASE) {
			base = pair[1];
			break;
		}
	}
	if (!base)
		return NULL;
	bpf_find_vma(task, base, vma_file, &file, 0);
	return file ? user_view(file) : NULL;
}

/*
 * The new program is in place but has not run one instruction. bprm->file is
 * the final binary (the interpreter of a script).
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(dg_exec_signal, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct file *file = BPF_CORE_READ(bprm, file);
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	bool script = !first_in_chain(bprm);
	struct pending_script *pending;
	struct running_exe *run;
	struct scratch *s = NULL;
	__u32 tid = old_pid;
	__u8 action, self = 0;

	/* One more exec since a pending script's: env-style re-execs keep it. */
	pending = bpf_map_lookup_elem(&pending_scripts, &pid);
	if (pending && ++pending->execs > MAX_REEXECS)
		bpf_map_delete_elem(&pending_scripts, &pid);
	run = bpf_map_lookup_elem(&running_exes, &tid);
	if (run) {
		if (run->inode == (__u64)BPF_CORE_READ(file, f_inode))
			self = run->origin;
		bpf_map_delete_elem(&running_exes, &tid);
	}
	action = decide_file(file, DG_KIND_BINARY, DG_BACKEND_SIGNAL, false, false, self, &s);
	if (action >= DG_VERDICT_AUDIT && s) {
		s->ev.fupper_layer = script ? 0 : !!(s->ev.origin & DG_ORIGIN_UPPER);
		emit(&s->ev, file, DG_HOOK_EXEC);
		if (action == DG_VERDICT_BLOCK) {
			bpf_map_delete_elem(&pending_scripts, &pid);
			return refuse(action, DG_BACKEND_SIGNAL);
		}
	}
	if (script)
		remember_script(bprm, pid);
	return 0;
}

/*
 * The ELF loader runs before the program: judged as the mapping it is. A
 * program of its own (after dg_exec_signal on the same tracepoint): with two
 * decide() in one program, Debian's 6.12 and 6.1 refused it (the stack the
 * verifier adds up with the bpf_loop callbacks' frames goes past 512 bytes;
 * 6.18 accepts it). User space leaves it out where the kernel refuses it,
 * saying so, rather than losing the flavour.
 */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(dg_exec_loader, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file *loader;
	struct scratch *s = NULL;
	__u8 action;

	/* The program itself was blocked: one event is enough. */
	if (BPF_CORE_READ(task, pending.signal.sig[0]) & (1UL << (SIGKILL - 1)))
		return 0;
	loader = elf_loader(task);
	if (!loader)
		return 0;
	action = decide(loader, DG_KIND_MAPPING, DG_BACKEND_SIGNAL, &s);
	if (action < DG_VERDICT_AUDIT || !s)
		return 0;
	s->ev.fupper_layer = !!(s->ev.origin & DG_ORIGIN_UPPER);
	emit(&s->ev, BPF_CORE_READ(bprm, file), DG_HOOK_EXEC);
	return refuse(action, DG_BACKEND_SIGNAL);
}

/* Whether the user string at `name` is the pending script's path. */
static __always_inline bool is_pending_path(const char *name, const struct pending_script *p)
{
	struct scratch *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&scratch_map, &zero);
	if (!s || bpf_probe_read_user_str(s->buf, DG_PATH_MAX, name) <= 0)
		return false;
	for (int i = 0; i < DG_PATH_MAX; i++) {
		if (s->buf[i] != p->path[i])
			return false;
		if (!s->buf[i])
			return true;
	}
	return false;
}

/* An open is about to start: is it of the pending script's path? */
static __always_inline int script_opening(const char *name)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32;
	struct pending_script *p;

	p = bpf_map_lookup_elem(&pending_scripts, &pid);
	if (p && is_pending_path(name, p))
		p->opener = (__u32)id;
	return 0;
}

/*
 * An open returned: the interpreter opened the pending script's path (judge
 * the file it got as the script), or a listed interpreter opened another
 * file for reading (kind interpreted, lib/interpreter.bpf.h). One decide()
 * for both: two in one program are more stack than 6.12 and 6.1 allow.
 */
static __always_inline int script_opened(long fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32, gen, list;
	struct pending_script *p;
	struct scratch *s = NULL;
	struct file *file;
	__u8 action, kind;

	p = bpf_map_lookup_elem(&pending_scripts, &pid);
	if (p && p->opener == (__u32)id) {
		p->opener = 0;
		if (fd < 0)
			return 0; /* not opened: nothing of it can run; still pending */
		file = fd_file(task, fd);
		if (!file)
			return 0;
		bpf_map_delete_elem(&pending_scripts, &pid);
		kind = DG_KIND_SCRIPT;
	} else {
		if (fd < 0 || !interpreters_listed(&gen, &list) || !is_interpreter(task, gen, list))
			return 0;
		file = fd_file(task, fd);
		if (!file || !reads_regular_file(file))
			return 0;
		kind = DG_KIND_INTERPRETED;
	}
	action = decide(file, kind, DG_BACKEND_SIGNAL, &s);
	if (action < DG_VERDICT_AUDIT || !s)
		return 0;
	s->ev.fupper_layer = !!(s->ev.origin & DG_ORIGIN_UPPER);
	/* The binary that runs is the interpreter. */
	emit(&s->ev, BPF_CORE_READ(task, mm, exe_file), DG_HOOK_OPEN);
	return refuse(action, DG_BACKEND_SIGNAL);
}

/* An exec syscall begins: remember what the task runs (struct running_exe). */
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

/*
 * mmap(PROT_EXEC) of a file, as the syscall starts: LD_PRELOAD and ld.so X
 * (what the dynamic loader maps, in user space). The mapping is made, but
 * the SIGKILL of a block lands before the syscall returns: none of the
 * library's code runs. The same body as the fentry and lsm mmap_file.
 */
SEC("tracepoint/syscalls/sys_enter_mmap")
int dg_mmap_enter(struct trace_event_raw_sys_enter *ctx)
{
	unsigned long prot = ctx->args[2], flags = ctx->args[3];

	if (!(prot & PROT_EXEC) || (flags & MAP_ANONYMOUS))
		return 0;
	return mmap_file(fd_file(bpf_get_current_task_btf(), (long)ctx->args[4]), prot,
			 DG_BACKEND_SIGNAL, DG_HOOK_MMAP);
}

/*
 * mprotect(PROT_EXEC) of a file's mapping, as the syscall starts: the
 * mappings of [start, start + len) are looked up with bpf_find_vma (up to
 * MPROTECT_VMAS of them; mprotect stops at a hole too), and the first whose
 * file would become executable is judged (mprotect_adds_exec()); of several,
 * the first that is not image. The SIGKILL of a block lands before the
 * syscall returns: none of the file's code runs.
 */
#define MPROTECT_VMAS 8

struct vma_seen {
	struct file *file; /* a file mprotect would make executable, else NULL */
	unsigned long end;
	unsigned long prot;
};

static long vma_seen(struct task_struct *task, struct vm_area_struct *vma, void *ctx)
{
	struct vma_seen *v = ctx;

	v->file = mprotect_adds_exec(vma, v->prot);
	v->end = vma->vm_end;
	return 0;
}

static __always_inline int mprotect_enter(unsigned long start, unsigned long len,
					  unsigned long prot, const __u8 hook)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct vma_seen v = {.prot = prot};
	struct file *judged = NULL, *view;
	unsigned long end = start + len;
	__u32 pid_level;
	bool container;

	if (!(prot & PROT_EXEC))
		return 0;
	pid_level = container_pid_level(task);
	container = in_container(pid_level);
	for (int i = 0; i < MPROTECT_VMAS && start < end; i++) {
		v.file = NULL;
		if (bpf_find_vma(task, start, vma_seen, &v, 0))
			break;
		start = v.end;
		view = v.file ? user_view(v.file) : NULL;
		if (!view)
			continue;
		if (!judged)
			judged = v.file;
		if (classify(view, task, container, pid_level) != DG_ORIGIN_IMAGE) {
			judged = v.file;
			break;
		}
	}
	return mprotect_file(judged, DG_BACKEND_SIGNAL, hook);
}

SEC("tracepoint/syscalls/sys_enter_mprotect")
int dg_mprotect_enter(struct trace_event_raw_sys_enter *ctx)
{
	return mprotect_enter(ctx->args[0], ctx->args[1], ctx->args[2], DG_HOOK_MPROTECT);
}

SEC("tracepoint/syscalls/sys_enter_pkey_mprotect")
int dg_pkey_mprotect_enter(struct trace_event_raw_sys_enter *ctx)
{
	return mprotect_enter(ctx->args[0], ctx->args[1], ctx->args[2], DG_HOOK_PKEY_MPROTECT);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int dg_script_enter_openat(struct trace_event_raw_sys_enter *ctx)
{
	return script_opening((const char *)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_open")
int dg_script_enter_open(struct trace_event_raw_sys_enter *ctx)
{
	return script_opening((const char *)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int dg_script_enter_openat2(struct trace_event_raw_sys_enter *ctx)
{
	return script_opening((const char *)ctx->args[1]);
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

#endif /* __DG_SIGNAL_TP_BPF_H */
