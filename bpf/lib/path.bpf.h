/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The path of an executed or mapped file, for events and path rules: the
 * kernel's own d_path where an LSM program may ask for it, else a walk up
 * the dentries across mounts. A path that could not be built whole is
 * partial (path_complete = 0).
 *
 * Included by .bpf.c files only, after vmlinux.h (with BPF_NO_KFUNC_PROTOTYPES
 * defined: the kfunc below is declared here) and libbpf's headers.
 */
#ifndef __DG_PATH_BPF_H
#define __DG_PATH_BPF_H

#include "enforce.h"

#define MAX_DEPTH 32 /* path components kept for an event path (a power of 2) */

/*
 * d_path for BPF, added by d08e2045ebf0 ("bpf: introduce new VFS based BPF
 * kfuncs", v6.12), for LSM programs only, on a trusted struct path. Weak:
 * where the kernel lacks it, bpf_ksym_exists() is false and the dentry walk
 * below builds the path instead.
 */
extern int bpf_path_d_path(struct path *path, char *buf, size_t buf__sz) __ksym __weak;

/*
 * Per-CPU scratch, one decision at a time: the event under construction (its
 * path included), the path's length for path rules, and where the dentry
 * walk assembles the path.
 */
struct scratch {
	struct dg_exec_event ev;
	__u32 path_len;
	/*
	 * The path walk's components (struct walk_ctx), here rather than on
	 * the stack: the LSM programs' 512 bytes have no room for them.
	 */
	const unsigned char *names[MAX_DEPTH];
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

/* State of the path walk (bpf_loop callbacks keep the verifier's work small). */
struct walk_ctx {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct dentry *root_dentry;
	struct vfsmount *root_mnt;
	__u32 n; /* components in s->names */
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
	w->s->names[w->n & (MAX_DEPTH - 1)] = BPF_CORE_READ(dentry, d_name.name);
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
					w->s->names[(w->n - 1 - i) & (MAX_DEPTH - 1)]);
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
 * A path that is longer, or cut, is partial (path_complete = 0) and then matches
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
	s->ev.path_complete = w.full;
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
			s->ev.path_complete = 1;
			return;
		}
	}
	walk_path(file, task, s);
}

#endif /* __DG_PATH_BPF_H */
