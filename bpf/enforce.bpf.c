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
 *    has succeeded by then; only the final binary is seen there (see
 *    docs/enforce.md for what this backend cannot see).
 * User space loads one backend (autoload), never both.
 */
/* kfuncs are declared here, as weak, not taken from the build host. */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "enforce.h"

#define EPERM 1
#define SIGKILL 9
#define PROT_EXEC 0x4
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#define MAX_DEPTH 32 /* path components kept for an event path (a power of 2) */

char LICENSE[] SEC("license") = "GPL";

/*
 * d_path for BPF (6.12+, LSM programs only, on a trusted struct path). Weak:
 * where the kernel lacks it, bpf_ksym_exists() is false and the dentry walk
 * below builds the path instead.
 */
extern int bpf_path_d_path(struct path *path, char *buf, size_t buf__sz) __ksym __weak;

/* Set by user space before load. */
const volatile __u64 host_mntns = 0; /* mount namespace of the host's pid 1 */

/* Policy: two generations, user space fills the inactive one and flips. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * DG_MAX_RULES);
	__type(key, __u32);
	__type(value, struct dg_rule_bpf);
} rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct dg_policy_hdr);
} policy SEC(".maps");

volatile __u32 active_gen;

/*
 * DG_SCOPE_CGROUPS, turned around: for a cgroup id, which rules of a
 * generation select it (and so its whole subtree). One lookup per ancestor
 * level and decision, instead of comparing ids rule by rule.
 */
struct cgroup_key {
	__u64 cgroup_id;
	__u32 gen;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * 256);
	__type(key, struct cgroup_key);
	__type(value, __u32); /* bit i: kernel rule i */
} cgroup_rules SEC(".maps");

/* Deepest cgroup level looked at for DG_SCOPE_CGROUPS. */
#define MAX_CGROUP_LEVEL 16

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

/* Per-CPU scratch: the event under construction and path components. */
struct scratch {
	struct dg_exec_event ev;
	__u32 path_len;
	/*
	 * Where the path is assembled: twice the path size, so a component
	 * read at any offset below DG_PATH_MAX fits, as the verifier wants.
	 */
	char buf[2 * DG_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

/*
 * struct ovl_inode lives in overlayfs, often a module: CO-RE finds it in the
 * module's BTF. When overlay is not loaded at load time, fall back to the
 * layout trick of Inspektor Gadget: __upperdentry follows the embedded
 * vfs_inode, so it sits at sizeof(struct inode) past the inode.
 */
struct ovl_inode___dg {
	struct inode vfs_inode;
	struct dentry *__upperdentry;
} __attribute__((preserve_access_index));

static __always_inline bool is_upper(struct inode *inode)
{
	struct dentry *upper = NULL;
	void *ovl;

	if (!inode || BPF_CORE_READ(inode, i_sb, s_magic) != OVERLAYFS_SUPER_MAGIC)
		return false;
	if (bpf_core_type_exists(struct ovl_inode___dg)) {
		ovl = (void *)inode - bpf_core_field_offset(struct ovl_inode___dg, vfs_inode);
		upper = BPF_CORE_READ((struct ovl_inode___dg *)ovl, __upperdentry);
	} else {
		bpf_probe_read_kernel(&upper, sizeof(upper),
				      (void *)inode + bpf_core_type_size(struct inode));
	}
	/* As Falco does: a negative upper dentry is no upper file. */
	return upper && BPF_CORE_READ(upper, d_inode);
}

static __always_inline __u64 current_mntns(struct task_struct *task)
{
	return BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
}

static __always_inline bool in_container(struct task_struct *task)
{
	return current_mntns(task) != host_mntns;
}

/* Whether a dentry name starts with `want` (len bytes, len < 64). */
static __always_inline bool name_starts(const unsigned char *name, const char *want, int len)
{
	char buf[64];

	if (bpf_probe_read_kernel_str(buf, sizeof(buf), name) < 0)
		return false;
	for (int i = 0; i < (int)sizeof(buf); i++) {
		if (i >= len)
			return true;
		if (buf[i] != want[i])
			return false;
	}
	return false;
}

#define MEMFD_PREFIX "memfd:" /* what memfd_create names every memfd dentry */
#define RUNC_CLONE "memfd:runc_cloned:/proc/self/exe"

/*
 * Whether a file's mount is another file system than the task's root. Not
 * the same vfsmount is not enough: a file reached through a magic link
 * (/proc/self/exe, /proc/PID/fd/N) keeps the mount of the namespace it was
 * opened in, so a runtime that re-executes /proc/self/exe after unshare(
 * CLONE_NEWNS) would see its own binary as off-rootfs. A copy of the root
 * mount has the same superblock and root dentry; a volume, a tmpfs or a bind
 * mount of a subdirectory does not.
 */
static __always_inline bool off_rootfs(struct vfsmount *mnt, struct vfsmount *root)
{
	if (mnt == root)
		return false;
	return BPF_CORE_READ(mnt, mnt_sb) != BPF_CORE_READ(root, mnt_sb) ||
	       BPF_CORE_READ(mnt, mnt_root) != BPF_CORE_READ(root, mnt_root);
}

/* enum dg_origin mask of a file, from the point of view of `task`. */
static __always_inline __u8 classify(struct file *file, struct task_struct *task, bool container)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	const unsigned char *name = BPF_CORE_READ(file, f_path.dentry, d_name.name);
	__u8 origin = 0;

	if (is_upper(inode))
		origin |= DG_ORIGIN_UPPER;
	if (BPF_CORE_READ(inode, __i_nlink) == 0 ||
	    name_starts(name, MEMFD_PREFIX, sizeof(MEMFD_PREFIX) - 1)) {
		/*
		 * runc re-executes itself from a sealed memfd copy before it
		 * enters the container's namespaces; only the host may do that.
		 */
		if (container || !name_starts(name, RUNC_CLONE, sizeof(RUNC_CLONE)))
			origin |= DG_ORIGIN_MEMFD;
	}
	if (off_rootfs(BPF_CORE_READ(file, f_path.mnt), BPF_CORE_READ(task, fs, root.mnt)))
		origin |= DG_ORIGIN_OFF_ROOTFS;
	return origin ?: DG_ORIGIN_IMAGE;
}

/* State of the path walk (bpf_loop callbacks keep the verifier's work small). */
struct walk_ctx {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct dentry *root_dentry;
	struct vfsmount *root_mnt;
	const unsigned char *names[MAX_DEPTH];
	__u32 n;
	bool full;
	bool pseudo; /* a lone disconnected dentry: memfd, alloc_file_pseudo() */
	struct scratch *s;
	__u64 off;
};

/* One step up: a component, or a mount crossing. */
static long walk_up(__u64 i, struct walk_ctx *w)
{
	/* Locals: CO-RE relocates kernel types, not fields of walk_ctx. */
	struct dentry *dentry = w->dentry, *parent;
	struct vfsmount *vfsmnt = w->vfsmnt;
	struct mount *mnt = w->mnt;

	if (dentry == w->root_dentry && vfsmnt == w->root_mnt) {
		w->full = true;
		return 1;
	}
	if (dentry == BPF_CORE_READ(vfsmnt, mnt_root)) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

		if (up == mnt) { /* the namespace's root: outside the task's root */
			w->full = true;
			return 1;
		}
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		w->vfsmnt = (void *)up + bpf_core_field_offset(struct mount, mnt);
		return 0;
	}
	if (w->n >= MAX_DEPTH)
		return 1; /* deeper than we keep: the path stays partial */
	w->names[w->n & (MAX_DEPTH - 1)] = BPF_CORE_READ(dentry, d_name.name);
	w->n++;
	parent = BPF_CORE_READ(dentry, d_parent);
	if (parent == dentry) {
		/*
		 * Not the root of its mount, yet no parent: a pseudo file (a
		 * memfd) when it is the only component, and d_path shows it as
		 * "/NAME (deleted)"; deeper, a disconnected tree: partial.
		 */
		w->pseudo = w->n == 1;
		w->full = w->pseudo;
		return 1;
	}
	w->dentry = parent;
	return 0;
}

/* Append component n-1-i ("/name") to the path. */
static long append_name(__u64 i, struct walk_ctx *w)
{
	__u64 pos, off = w->off;
	long len;

	if (i >= w->n)
		return 1;
	if (off >= DG_PATH_MAX - 2) {
		w->full = false;
		return 1;
	}
	w->s->buf[off & (DG_PATH_MAX - 1)] = '/';
	off++;
	/* Hide off's range from the compiler so the mask the verifier needs stays. */
	barrier_var(off);
	pos = off & (DG_PATH_MAX - 1);
	len = bpf_probe_read_kernel_str(&w->s->buf[pos], DG_PATH_MAX,
					w->names[(w->n - 1 - i) & (MAX_DEPTH - 1)]);
	if (len <= 0) {
		w->full = false;
		return 1;
	}
	off += len - 1;
	/* A name cut by the buffer's end makes the path partial. */
	if (off >= DG_PATH_MAX - 1)
		w->full = false;
	w->off = off;
	return 0;
}

#define DELETED " (deleted)"

/*
 * Path of a file for events and path rules, relative to the task's root as
 * d_path would give it: dentries walked up, mounts crossed, at most
 * MAX_DEPTH components, " (deleted)" appended to unlinked files and memfds.
 * A path that is longer, or cut, is partial (path_full = 0) and then matches
 * no path condition.
 */
static __always_inline void walk_path(struct file *file, struct task_struct *task,
				      struct scratch *s)
{
	struct walk_ctx w = {
		.dentry = BPF_CORE_READ(file, f_path.dentry),
		.vfsmnt = BPF_CORE_READ(file, f_path.mnt),
		.root_dentry = BPF_CORE_READ(task, fs, root.dentry),
		.root_mnt = BPF_CORE_READ(task, fs, root.mnt),
		.s = s,
	};
	__u64 off;

	/* d_unlinked(): unhashed, and not a root (a pseudo file is one). */
	struct dentry *dentry = w.dentry;
	bool unlinked =
		!BPF_CORE_READ(dentry, d_hash.pprev) && BPF_CORE_READ(dentry, d_parent) != dentry;

	w.mnt = container_of(w.vfsmnt, struct mount, mnt);
	bpf_loop(MAX_DEPTH * 2, walk_up, &w, 0);
	bpf_loop(MAX_DEPTH, append_name, &w, 0);
	off = w.off;
	if (off == 0) {
		s->buf[0] = '/';
		off = 1;
	}
	/* As d_path: d_unlinked() (unhashed, not a root) or a pseudo file's d_dname. */
	if (w.pseudo || unlinked) {
		if (off + sizeof(DELETED) - 1 <= DG_PATH_MAX - 1) {
			for (int i = 0; i < (int)sizeof(DELETED) - 1; i++)
				s->buf[(off + i) & (DG_PATH_MAX - 1)] = DELETED[i];
			off += sizeof(DELETED) - 1;
		} else {
			w.full = false;
		}
	}
	if (off > DG_PATH_MAX - 1)
		off = DG_PATH_MAX - 1;
	/*
	 * Keep the mask below: 6.1's verifier walks branches it cannot rule
	 * out with contradictory bounds on off (umin > umax), and a masked
	 * offset is the only form it accepts there.
	 */
	barrier_var(off);
	off &= DG_PATH_MAX - 1;
	__builtin_memcpy(s->ev.path, s->buf, DG_PATH_MAX);
	s->ev.path[off & (DG_PATH_MAX - 1)] = '\0';
	s->ev.path_full = w.full;
	s->path_len = off;
}

/*
 * The path of `file` for events and path rules. LSM programs on 6.12+ ask
 * the kernel's own d_path (complete up to DG_PATH_MAX, and exactly what
 * /proc shows); `file` must then be a trusted pointer, straight from the
 * hook's arguments. Everywhere else, or when d_path fails (too long), walk.
 */
static __always_inline void file_path(struct file *file, struct task_struct *task,
				      struct scratch *s, bool lsm)
{
	long len;

	if (lsm && bpf_ksym_exists(bpf_path_d_path)) {
		/* f_path is const in newer kernels; d_path does not write it. */
		len = bpf_path_d_path((struct path *)&file->f_path, s->ev.path, sizeof(s->ev.path));
		if (len > 0 && len <= DG_PATH_MAX) {
			s->path_len = len - 1;
			s->ev.path_full = 1;
			return;
		}
	}
	walk_path(file, task, s);
}

/* Rules whose cgroups contain the current task (any ancestor level). */
static __always_inline __u32 cgroup_rule_mask(__u32 gen)
{
	struct cgroup_key key = {.gen = gen};
	__u32 mask = 0, *m;

	for (int level = 1; level <= MAX_CGROUP_LEVEL; level++) {
		key.cgroup_id = bpf_get_current_ancestor_cgroup_id(level);
		if (!key.cgroup_id)
			break;
		m = bpf_map_lookup_elem(&cgroup_rules, &key);
		if (m)
			mask |= *m;
	}
	return mask;
}

static __always_inline bool path_matches(const struct dg_rule_bpf *r, const struct scratch *s)
{
	unsigned int len = s->path_len, n;

	if (r->path_match == DG_PATH_ANY)
		return true;
	/* A partial path is unknown: path conditions (exceptions too) do not match. */
	if (!s->ev.path_full)
		return false;
	n = r->prefix_len;
	if (n > len || n >= DG_PATTERN_MAX)
		return false;
	if (r->path_match == DG_PATH_EXACT && n != len)
		return false;
	for (int i = 0; i < DG_PATTERN_MAX; i++) {
		if (i >= (int)n)
			break;
		if (s->ev.path[i & (DG_PATH_MAX - 1)] != r->prefix[i])
			return false;
	}
	if (r->path_match != DG_PATH_GLOB)
		return true;
	n = r->suffix_len;
	if (n >= DG_PATTERN_MAX || n + r->prefix_len > len)
		return false;
	for (int i = 0; i < DG_PATTERN_MAX; i++) {
		if (i >= (int)n)
			break;
		if (s->ev.path[(len - n + i) & (DG_PATH_MAX - 1)] != r->suffix[i])
			return false;
	}
	return true;
}

struct eval_ctx {
	struct scratch *s;
	__u32 gen;
	__u32 n_rules;
	__u8 origin;
	__u8 kind;
	bool container;
	__u8 action;
	__u32 rule;
	__u32 cgroup_mask;
	bool probe;     /* first pass: stop at the first rule the path could decide */
	bool candidate; /* the first pass found one */
};

static long eval_rule(__u64 i, struct eval_ctx *c)
{
	__u32 key = c->gen * DG_MAX_RULES + (__u32)i;
	struct dg_rule_bpf *r;

	if (i >= c->n_rules)
		return 1;
	r = bpf_map_lookup_elem(&rules, &key);
	if (!r)
		return 1;
	if (!(r->origins & c->origin) || !(r->kinds & c->kind))
		return 0;
	switch (r->scope) {
	case DG_SCOPE_ALL:
		if (!c->container)
			return 0;
		break;
	case DG_SCOPE_HOST:
		if (c->container)
			return 0;
		break;
	case DG_SCOPE_CGROUPS:
		if (!(c->cgroup_mask & (1u << (i & 31))))
			return 0;
		break;
	default:
		break;
	}
	if (c->probe) {
		/* First pass: is any rule a candidate at all? */
		c->candidate = true;
		return 1;
	}
	if (!path_matches(r, c->s))
		return 0;
	c->action = r->action;
	c->rule = (__u32)i;
	return 1; /* first match decides */
}

/*
 * Decide for `file` executed or mapped as `kind`; fills the scratch event.
 * Returns the action to take (audit_only already applied). `backend` and
 * `d_path` are constants in every caller: the kfunc that only LSM programs
 * may call, on a trusted file, is compiled into those alone, so the signal
 * backend's programs never reference it (on 6.12 the verifier would refuse
 * them).
 *
 * Two passes: the first, without the path, finds out whether any rule can
 * match this task, origin and kind at all. Most executions are of image files
 * that no rule is about: they are decided without building a path.
 */
static __always_inline __u8 decide_file(struct file *file, __u8 kind, __u8 backend, bool d_path,
					struct scratch **out)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct eval_ctx c = {};
	struct dg_policy_hdr *hdr;
	__u32 zero = 0;

	c.gen = active_gen & 1;
	hdr = bpf_map_lookup_elem(&policy, &c.gen);
	c.s = bpf_map_lookup_elem(&scratch_map, &zero);
	if (!hdr || !c.s)
		return DG_VERDICT_NONE;
	/* The scratch buffer also serves callers that go on after NONE. */
	*out = c.s;
	c.container = in_container(task);
	c.origin = classify(file, task, c.container);
	c.s->ev.origin = c.origin;
	if (!hdr->n_rules)
		return DG_VERDICT_NONE;
	c.n_rules = hdr->n_rules;
	c.kind = kind;
	/* Known now, whatever is decided: callers keep the origin of an exec chain. */
	c.s->ev.kind = kind;
	c.s->ev.backend = backend;
	c.s->ev.action = DG_VERDICT_NONE;
	c.cgroup_mask = cgroup_rule_mask(c.gen);
	c.probe = true;
	bpf_loop(DG_MAX_RULES, eval_rule, &c, 0);
	if (!c.candidate)
		return DG_VERDICT_NONE;
	c.probe = false;
	file_path(file, task, c.s, d_path);
	bpf_loop(DG_MAX_RULES, eval_rule, &c, 0);
	if (c.action == DG_VERDICT_BLOCK && hdr->audit_only)
		c.action = DG_VERDICT_AUDIT;
	c.s->ev.rule = c.rule;
	c.s->ev.action = c.action;
	c.s->ev.backend = backend;
	c.s->ev.kind = kind;
	c.s->ev.origin = c.origin;
	*out = c.s;
	return c.action;
}

static __always_inline __u8 decide(struct file *file, __u8 kind, __u8 backend,
				   struct scratch **out)
{
	return decide_file(file, kind, backend, backend == DG_BACKEND_LSM, out);
}

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
	ev->eupper = is_upper(BPF_CORE_READ(file, f_inode));
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
		/* fupper: the file execve named (the script for ./x.sh). */
		if (first) {
			st->origin = s->ev.origin;
			st->upper = !!(s->ev.origin & DG_ORIGIN_UPPER);
			st->kind = kind;
		}
		s->ev.fupper = st->upper;
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
	s->ev.fupper = !!(s->ev.origin & DG_ORIGIN_UPPER);
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

	bpf_map_delete_elem(&pending_scripts, &pid);
	action = decide(file, DG_KIND_BINARY, DG_BACKEND_SIGNAL, &s);
	if (script && s && action != DG_VERDICT_BLOCK)
		remember_script(bprm, s);
	if (action < DG_VERDICT_AUDIT || !s)
		return 0;
	s->ev.fupper = script ? 0 : !!(s->ev.origin & DG_ORIGIN_UPPER);
	if (action == DG_VERDICT_BLOCK)
		bpf_send_signal(SIGKILL);
	emit(&s->ev, file);
	return 0;
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
	s->ev.fupper = !!(s->ev.origin & DG_ORIGIN_UPPER);
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
