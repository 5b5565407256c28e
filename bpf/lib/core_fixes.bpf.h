/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every kernel type and constant the programs read that changed between
 * kernel releases, in one place, as bcc's libbpf-tools/core_fixes.bpf.h does:
 * a flavour (struct X___dg: CO-RE matches it against the running kernel's
 * type X, the suffix ignored) or an existence check, each with the commit
 * that changed the type. No LINUX_VERSION_CODE: distributions backport, the
 * BTF of the running kernel says what is there. (kfuncs that only newer
 * kernels have are declared weak where they are used: bpf_path_d_path in
 * lib/path.bpf.h.)
 *
 * Included by .bpf.c files only (after vmlinux.h and libbpf's headers).
 */
#ifndef __DG_CORE_FIXES_BPF_H
#define __DG_CORE_FIXES_BPF_H

/*
 * struct ovl_inode: 09d8b586731b ("ovl: move __upperdentry to ovl_inode",
 * v4.13) put the upper dentry right after the embedded vfs_inode, where it
 * has been since. overlayfs is often a module: CO-RE then finds the type in
 * the module's BTF. When overlay is not loaded at load time, the type does
 * not exist and the layout trick of Inspektor Gadget reads __upperdentry at
 * sizeof(struct inode) past the inode.
 */
struct ovl_inode___dg {
	struct inode vfs_inode;
	struct dentry *__upperdentry;
} __attribute__((preserve_access_index));

/*
 * Reads the upper dentry of an overlayfs inode into *upper (NULL: the file is
 * lower only, or the read failed). An out-parameter rather than a return
 * value: the programs then compile to the same instructions as when this was
 * written inside is_upper(), and the verifier's work does not change.
 */
static __always_inline void ovl_read_upper_dentry(struct inode *inode, struct dentry **upper)
{
	void *ovl;

	if (bpf_core_type_exists(struct ovl_inode___dg)) {
		ovl = (void *)inode - bpf_core_field_offset(struct ovl_inode___dg, vfs_inode);
		*upper = BPF_CORE_READ((struct ovl_inode___dg *)ovl, __upperdentry);
	} else {
		bpf_probe_read_kernel(upper, sizeof(*upper),
				      (void *)inode + bpf_core_type_size(struct inode));
	}
}

/*
 * struct pid.numbers: declared numbers[1] and indexed past its end until
 * Kees Cook's "pid: Replace struct pid 1-element array with flex-array"
 * (v6.5) made it numbers[]. A CO-RE index of 1 does not relocate against the
 * old declaration (libbpf checks the index against the target's bound), so
 * the upid is found as numbers[0] plus its size: the same address on both.
 * Returns the pid namespace of `level` (0 is the outermost) in which `pid` has a number;
 * NULL when the read fails.
 */
static __always_inline struct pid_namespace *pid_ns_at_level(struct pid *pid, unsigned int level)
{
	struct upid *upid = (void *)pid + bpf_core_field_offset(struct pid, numbers) +
			    level * bpf_core_type_size(struct upid);

	return BPF_CORE_READ(upid, ns);
}

/*
 * task_struct.bpf_storage: added by 4cf1bc1f1045 ("bpf: Implement task local
 * storage", v5.11), under CONFIG_BPF_SYSCALL. True only when the kernel shows
 * that no BPF program gave the task storage: one load instead of a
 * bpf_task_storage_get() call. Without the field: false, ask the helper.
 */
static __always_inline bool task_has_no_storage(struct task_struct *task)
{
	return bpf_core_field_exists(task->bpf_storage) && !task->bpf_storage;
}

#ifdef __TARGET_ARCH_x86
#define TS_COMPAT 0x0002 /* arch/x86/include/asm/thread_info.h */

/*
 * x86 thread_info.status (TS_COMPAT: the task is in an ia32 syscall): moved
 * to thread_struct by b9d989c7218a ("x86/asm: Move the thread_info::status
 * field to thread_struct", v4.9) and back by 37a8f7c38339 ("x86/asm: Move
 * 'status' from thread_struct to thread_info", v4.16). Where the field is
 * missing, no syscall counts as ia32.
 */
static __always_inline bool task_in_ia32_syscall(struct task_struct *task)
{
	return bpf_core_field_exists(task->thread_info.status) &&
	       (task->thread_info.status & TS_COMPAT);
}
#endif

/*
 * The opts of cap_capable() and of the capable LSM hook: a bit mask since
 * c1a85a00ea66 ("LSM: generalize flag passing to security_capable", v5.1),
 * an int `audit` before (older than any kernel with BPF-LSM or fexit).
 */
#define CAP_OPT_NOAUDIT (1u << 1) /* include/linux/security.h */

#endif /* __DG_CORE_FIXES_BPF_H */
