// SPDX-License-Identifier: GPL-2.0-only
/*
 * An empty tp_btf/sys_enter program: the floor of what any syscall recorder
 * costs (bench/). The recorder is measured against it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_sys_enter, struct pt_regs *regs, long id)
{
	return 0;
}
