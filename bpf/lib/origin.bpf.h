/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where an executed or mapped file comes from (enum dg_origin): written into
 * the container's overlay upper layer, a memfd or a deleted file, or another
 * file system than the task's root; else part of the image.
 *
 * Included by .bpf.c files only (after vmlinux.h and libbpf's headers).
 */
#ifndef __DG_ORIGIN_BPF_H
#define __DG_ORIGIN_BPF_H

#include "enforce.h"
#include "lib/core_fixes.bpf.h"

#define OVERLAYFS_SUPER_MAGIC 0x794c7630

/* Whether an inode is an overlayfs file with a (positive) upper dentry. */
static __always_inline bool is_upper(struct inode *inode)
{
	struct dentry *upper = NULL;

	if (!inode || BPF_CORE_READ(inode, i_sb, s_magic) != OVERLAYFS_SUPER_MAGIC)
		return false;
	ovl_read_upper_dentry(inode, &upper);
	/* As Falco does: a negative upper dentry is no upper file. */
	return upper && BPF_CORE_READ(upper, d_inode);
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

#endif /* __DG_ORIGIN_BPF_H */
