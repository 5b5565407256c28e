/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bench/syscall_cost's peers: other tools' syscall recorders, started and
 * stopped around a round of the getppid loop, so that they are measured in
 * the same run and the same alternating rounds as driftguard's recorder.
 *  - bpftrace one-liners (peer_bpftrace.c): the `bpftrace` binary as a child
 *    process, running a tracepoint:raw_syscalls:sys_enter counting map;
 *  - our mimics of Inspektor Gadget's and the Security Profiles Operator's
 *    per-mount-namespace bitmaps (peer_mntns.c, peer_mntns.bpf.c: their design,
 *    not their code).
 * Functions return 0 or a negative errno with a dg_err() message.
 */
#ifndef __DG_BENCH_PEERS_H
#define __DG_BENCH_PEERS_H

#include <stdint.h>
#include <sys/types.h>

struct peer_bpftrace;

/* Runs `bpftrace -e PROGRAM` and returns once its probes are attached. */
int peer_bpftrace_start(const char *program, struct peer_bpftrace **out);
/* Its sys_enter program (for BPF_ENABLE_STATS), or -1 when it was not found. */
int peer_bpftrace_prog_fd(const struct peer_bpftrace *p);
/* SIGINT, then waits for it to print its maps (thrown away) and exit. */
void peer_bpftrace_stop(struct peer_bpftrace *p);

enum peer_mntns_design {
	PEER_IG,	   /* IG advise_seccomp: every mount namespace recorded */
	PEER_SPO,	   /* SPO bpf-recorder, the caller's mount namespace recorded */
	PEER_SPO_EXCLUDED, /* SPO bpf-recorder, the caller's mount namespace excluded */
};

struct peer_mntns;

/* The inum of the caller's mount namespace. */
int peer_mntns_self(uint32_t *inum);
/* Loads and attaches one design's sys_enter program; HOST_MNTNS: the mount
 * namespace SPO excludes as the host's. */
int peer_mntns_start(enum peer_mntns_design design, uint32_t host_mntns, struct peer_mntns **out);
int peer_mntns_prog_fd(const struct peer_mntns *p);
void peer_mntns_stop(struct peer_mntns *p);

#endif /* __DG_BENCH_PEERS_H */
