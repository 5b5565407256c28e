/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The syscall ABIs the recorders tell apart on x86-64 (enum dg_abi,
 * bpf/recorder.h): their names, libseccomp's architecture tokens and the
 * names of their syscalls. Learned profiles, the capability report and the
 * flight recorder all name a recorded (ABI, number) through here.
 */
#ifndef __DG_SYSCALL_ABI_H
#define __DG_SYSCALL_ABI_H

#include <stdint.h>

#include "bpf/recorder.h"

/* "x86_64", "i386", "x32"; "?" for anything else. */
const char *dg_abi_name(unsigned int abi);

/* libseccomp arch token of an ABI (SCMP_ARCH_X86_64 for anything else). */
uint32_t dg_abi_arch(enum dg_abi abi);

/*
 * The name libseccomp gives syscall `nr` of `abi` (i386's 20 is "getpid"),
 * malloc'd. nr is as recorded: an x32 number without __X32_SYSCALL_BIT.
 * NULL when abi is none of enum dg_abi or this libseccomp cannot name the
 * syscall (it is older than the kernel).
 */
char *dg_abi_syscall_name(unsigned int abi, unsigned int nr);

#endif /* __DG_SYSCALL_ABI_H */
