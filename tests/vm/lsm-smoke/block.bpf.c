// SPDX-License-Identifier: GPL-2.0-only
/*
 * VM smoke test for BPF-LSM: deny execve() of exactly one inode.
 * Only touches linux_binprm->file->f_inode->i_ino, which exists (via CO-RE)
 * in every kernel we target (6.1, 6.12 and the 6.18 build host).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#define EPERM 1

/* Set by the loader before load; the inode number of the file to block. */
const volatile __u64 target_ino = 0;

/* Number of denied execs, readable through the skeleton's .bss. */
__u64 denied = 0;

SEC("lsm/bprm_check_security")
int BPF_PROG(dg_block_exec, struct linux_binprm *bprm, int ret)
{
	/* Respect a denial from an earlier LSM program. */
	if (ret)
		return ret;
	/* LSM args are BTF pointers: direct loads are checked by the verifier. */
	if (bprm->file->f_inode->i_ino == target_ino) {
		__sync_fetch_and_add(&denied, 1);
		return -EPERM;
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
