/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Where an executed or mapped file comes from (enum dg_origin): written into
 * the container's overlay upper layer, a memfd or a deleted file, or another
 * file system than the container's root; else part of the image.
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
 * Whether a file's mount is another file system than `root`. Not
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

/* Set by user space before load: the inode of the host's pid namespace (pid 1's). */
const volatile __u32 host_pidns = 0;

/* Deepest level at which the host's pid namespace is looked for (the kernel allows 32). */
#define MAX_HOST_PIDNS_LEVEL 8

/*
 * The level of a task's container pid namespace: the one right below the
 * host's on the task's chain of pid namespaces, i.e. the pid namespace its
 * runtime made for the container (a nested `unshare -p` inside only adds
 * deeper levels). 0: the task is in the host's pid namespace, or not below it
 * at all (driftguard itself runs in a pid namespace and the task is outside
 * it: not one of the containers of this host). The host's namespace is found
 * by its inode, not assumed at level 0: driftguard may run in a system
 * container (a kind node, a CI job) whose pid 1 is at level 1 or deeper.
 */
static __always_inline __u32 container_pid_level(struct task_struct *task)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	struct pid_namespace *ns;
	unsigned int level;

	if (!pid)
		return 0;
	level = BPF_CORE_READ(pid, level);
	for (unsigned int h = 0; h < MAX_HOST_PIDNS_LEVEL; h++) {
		if (h >= level)
			break;
		ns = pid_ns_at_level(pid, h);
		if (ns && BPF_CORE_READ(ns, ns.inum) == host_pidns)
			return h + 1;
	}
	return 0;
}

/*
 * The root mount a container's files are compared with: the root of the
 * container's init, not the task's own root, which chroot (CAP_SYS_CHROOT is
 * in docker's default set; `unshare -Ur chroot` needs none) and pivot_root in
 * a new user namespace move wherever the attacker likes. The container's init
 * is the child reaper of the task's container pid namespace (`pid_level`,
 * from container_pid_level(): the one right below the host's). Its root is
 * the runtime's choice, made before the workload ran.
 *
 * The init's root is used when the task shares its mount namespace (chroot
 * keeps it) or sits in a user namespace nested deeper than the one owning
 * the pid namespace (an unprivileged pivot_root needs one). A task in another
 * mount namespace and no deeper user namespace keeps its own root: the
 * containers of a Kubernetes pod that shares one pid namespace, or `docker run
 * --pid=container:X`, have their own rootfs and the pause container's init.
 * Without a pid namespace of its own (--pid=host; pid_level 0) a container's
 * tasks keep their own root: there is no init of the container to ask, so
 * chroot and pivot_root in a user namespace move the reference there (README,
 * "What is a container"). runc's init, before its pivot_root, is the reaper
 * with the host's root: what it runs then is compared with that, as before.
 * Every read may race with the reaper's exit (fs and nsproxy become NULL):
 * a failed read means the task's own root.
 */
static __always_inline struct vfsmount *container_root(struct task_struct *task, __u32 pid_level)
{
	struct vfsmount *own = BPF_CORE_READ(task, fs, root.mnt), *init_root;
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	struct task_struct *init;
	struct pid_namespace *ns;

	if (!pid || pid_level < 1)
		return own;
	ns = pid_ns_at_level(pid, pid_level);
	if (!ns)
		return own;
	init = BPF_CORE_READ(ns, child_reaper);
	if (!init)
		return own;
	init_root = BPF_CORE_READ(init, fs, root.mnt);
	if (!init_root)
		return own;
	if (BPF_CORE_READ(init, nsproxy, mnt_ns) == BPF_CORE_READ(task, nsproxy, mnt_ns) ||
	    BPF_CORE_READ(task, cred, user_ns, level) > BPF_CORE_READ(ns, user_ns, level))
		return init_root;
	return own;
}

/*
 * enum dg_origin mask of a file, from the point of view of `task`, in a
 * container or not, whose container pid namespace is at `pid_level` (0: none).
 */
static __always_inline __u8 classify(struct file *file, struct task_struct *task, bool container,
				     __u32 pid_level)
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
	if (off_rootfs(BPF_CORE_READ(file, f_path.mnt), container_root(task, pid_level)))
		origin |= DG_ORIGIN_OFF_ROOTFS;
	return origin ?: DG_ORIGIN_IMAGE;
}

#endif /* __DG_ORIGIN_BPF_H */
