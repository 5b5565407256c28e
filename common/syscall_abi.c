// SPDX-License-Identifier: GPL-2.0-only
#include "common/syscall_abi.h"

#include <seccomp.h>

#include "common/enum_names.h"

static const char *const abi_names[DG_ABI_COUNT] = {
	[DG_ABI_X86_64] = "x86_64",
	[DG_ABI_I386] = "i386",
	[DG_ABI_X32] = "x32",
};

const char *dg_abi_name(unsigned int abi)
{
	return DG_ENUM_NAME(abi_names, abi, "?");
}

uint32_t dg_abi_arch(enum dg_abi abi)
{
	switch (abi) {
	case DG_ABI_I386:
		return SCMP_ARCH_X86;
	case DG_ABI_X32:
		return SCMP_ARCH_X32;
	default:
		return SCMP_ARCH_X86_64;
	}
}

char *dg_abi_syscall_name(unsigned int abi, unsigned int nr)
{
	/* libseccomp numbers x32's syscalls as the kernel does, with the bit. */
	unsigned int num = abi == DG_ABI_X32 ? (nr | DG_X32_SYSCALL_BIT) : nr;

	if (abi >= DG_ABI_COUNT)
		return NULL;
	return seccomp_syscall_resolve_num_arch(dg_abi_arch(abi), (int)num);
}
