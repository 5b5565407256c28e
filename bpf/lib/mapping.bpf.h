/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which file an executable mapping, or a file an interpreter opens, is
 * judged by: overlayfs hands the kernel files of its layers (a mapping's
 * vm_file, the file it opens for an overlay file), which are neither upper
 * nor on the container's root as such; they are judged as the overlay file
 * the user named (user_view()), or left alone where the overlay file itself
 * was judged already (ovl_layer_file()).
 *
 * Included by .bpf.c files only (after vmlinux.h and libbpf's headers).
 */
#ifndef __DG_MAPPING_BPF_H
#define __DG_MAPPING_BPF_H

#include "lib/origin.bpf.h"

#define PROT_EXEC 0x4
#define VM_EXEC 0x4	/* vma->vm_flags, the same bit in every kernel */
#define S_PRIVATE 0x200 /* inode->i_flags: a kernel-internal inode (shmem of anonymous memory) */

static __always_inline bool dentry_on_overlay(struct dentry *d)
{
	return d && BPF_CORE_READ(d, d_sb, s_magic) == OVERLAYFS_SUPER_MAGIC;
}

/*
 * Whether `file` is overlayfs's own file of a layer, and then *user the
 * overlay path the user opened. Before 6.8 that file has the overlay's
 * f_path and the layer's inode (open_with_fake_path: f_inode is not its
 * dentry's inode); since 6.8 a backing_file, whose f_path is the layer's on a
 * private mount (of no namespace of ours) and user_path the overlay's. A
 * file that is no backing_file (a memfd reopened through /proc/self/fd is on
 * an internal mount too) has no user_path: what is read there is the next
 * object, which is not a path whose dentry is an overlay's.
 */
static __always_inline bool ovl_layer_file(struct file *file, struct path *user)
{
	struct backing_file *bf = (void *)file;
	struct vfsmount *mnt;
	struct mount *m;

	bpf_core_read(user, sizeof(*user), &file->f_path);
	if (dentry_on_overlay(user->dentry))
		return BPF_CORE_READ(user->dentry, d_inode) != BPF_CORE_READ(file, f_inode);
	if (!bpf_core_field_exists(struct backing_file, user_path))
		return false;
	mnt = user->mnt;
	m = container_of(mnt, struct mount, mnt);
	if (BPF_CORE_READ(m, mnt_ns) == BPF_CORE_READ(bpf_get_current_task_btf(), nsproxy, mnt_ns))
		return false;
	bpf_core_read(user, sizeof(*user), &bf->user_path);
	return dentry_on_overlay(user->dentry);
}

/* The file as its user sees it (see user_view()); too big for the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct file);
} user_views SEC(".maps");

/*
 * A mapping of an overlayfs file holds the file of the layer below
 * (ovl_layer_file()). decide() reads a file's f_path and f_inode only, so it
 * is given a copy holding the user's path and that path's inode (the
 * overlay's). Any other file is taken as it is; NULL: no room.
 */
static __always_inline struct file *user_view(struct file *file)
{
	struct path user = {};
	struct file *view;
	__u32 zero = 0;

	if (!ovl_layer_file(file, &user))
		return file;
	view = bpf_map_lookup_elem(&user_views, &zero);
	if (!view)
		return NULL;
	view->f_inode = BPF_CORE_READ(user.dentry, d_inode);
	__builtin_memcpy((void *)view + bpf_core_field_offset(struct file, f_path), &user,
			 sizeof(user));
	return view;
}

/*
 * Whether mprotect(prot) makes `vma` an executable mapping of a file that
 * was not one: PROT_EXEC added to a file-backed vma without VM_EXEC (an
 * executable one was judged at its mmap). Anonymous memory (a JIT's) has no
 * file; MAP_SHARED|MAP_ANONYMOUS and SysV shm have a kernel-internal shmem
 * file (S_PRIVATE), which is anonymous memory too (mmap never judges it).
 */
static __always_inline struct file *mprotect_adds_exec(struct vm_area_struct *vma,
						       unsigned long prot)
{
	struct file *file;

	if (!(prot & PROT_EXEC) || (BPF_CORE_READ(vma, vm_flags) & VM_EXEC))
		return NULL;
	file = BPF_CORE_READ(vma, vm_file);
	if (!file || (BPF_CORE_READ(file, f_inode, i_flags) & S_PRIVATE))
		return NULL;
	return file;
}

#endif /* __DG_MAPPING_BPF_H */
