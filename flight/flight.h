/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The flight recorder seen from user space (the rings: bpf/recorder.h).
 *
 * IPC between the process that records (`driftguard learn` or `driftguard
 * enforce`, the "owner") and `driftguard dump`: the owner pins its two
 * flight maps under DG_FLIGHT_PIN_ROOT/<owner pid>/ ("flight",
 * "flight_heads"; bpffs is mounted on /sys/fs/bpf when it is not) and writes
 * an index, DG_FLIGHT_INDEX_DIR/<tool>-<owner pid>.json (tool: "learn" or
 * "enforce"):
 *
 *   {"version": 1, "tool": "learn", "pid": <owner pid>, "pin_dir": "...",
 *    "entries": N, "entry_size": <sizeof(struct dg_flight_entry)>,
 *    "sessions": [{"session": 1, "first_seq": 0, "name": "cmd:<learn pid>",
 *                  "pid": <workload pid>, "command": [...]}  -- learn -- CMD
 *                 {"session": 1, "first_seq": 0, "name": "runc:<id>",
 *                  "container": {<dg_identity_to_json>}}]}  -- a container
 *
 * enforce rewrites its index (atomically: a rename) as containers come and
 * go. A session's slot, and so its ring, may have served an earlier
 * container: entries below its first_seq are not its own. Both are removed
 * when the owner exits (Ctrl-C included); the leftovers of one that was
 * killed are ignored by dump (its pid is gone) and swept by the next
 * publisher. dump reads the rings with plain map lookups; nothing is sent to
 * user space until then.
 *
 * Decoding entries (flight_decode.c) and finding sessions in the index
 * (flight_index.c) need no libbpf and are part of dgcore; reading the maps
 * (flight_read.c) and publishing them (flight_publish.c) are in dgbpf.
 */
#ifndef __DG_FLIGHT_H
#define __DG_FLIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "bpf/recorder.h"
#include "common/bpffs.h"
#include "containers/identity.h"

#define DG_FLIGHT_PIN_ROOT DG_BPFFS_ROOT
#define DG_FLIGHT_INDEX_DIR "/run/driftguard"
#define DG_FLIGHT_INDEX_VERSION 1

/*
 * A count of syscalls given on the command line (--flight-recorder N,
 * --event-syscalls K): a plain decimal from 0 to DG_FLIGHT_MAX. False for
 * anything else (signs, suffixes, empty).
 */
bool dg_flight_parse_count(const char *arg, unsigned int *out);

/*
 * Syscall name of (abi, nr) from libseccomp (i386's 20 is "getpid"), or
 * "syscall_<nr>" when libseccomp has none. Returns buf.
 */
char *dg_flight_syscall_name(unsigned int abi, unsigned int nr, char *buf, size_t len);

/*
 * The return value as people read it: "3", "0x7f1c2a000000" (beyond 32
 * bits), "-2 ENOENT (No such file or directory)", "? (in progress)".
 * Returns buf.
 */
char *dg_flight_format_ret(const struct dg_flight_entry *e, char *buf, size_t len);

/*
 * One line (no newline), oldest first in a dump:
 *   "   12345.678901234  4242  x86_64  getpid(0x0, ...) = 4242"
 * Time is CLOCK_MONOTONIC seconds. Returns buf.
 */
char *dg_flight_format_line(const struct dg_flight_entry *e, char *buf, size_t len);

/*
 * One entry as JSON: seq, ts_ns (CLOCK_MONOTONIC), tid, abi, nr, name,
 * args (hex strings: 64-bit values do not survive JSON numbers), ret
 * (integer, null while the syscall runs) and errno ("ENOENT", only for
 * an error return). NULL when out of memory.
 */
json_t *dg_flight_entry_to_json(const struct dg_flight_entry *e);

/*
 * A ring's content in order: ring is the n slots of one session's ring as
 * read from the map, head the session's next sequence number (read before
 * the ring). Copies the entries of sequence numbers [max(first, head - n),
 * head) that are really there into out, oldest first; returns how many. A slot not
 * written yet, or being rewritten, holds another sequence number (or
 * DG_FLIGHT_WRITING) and is left out. `again` (NULL: none) is a second read
 * of the ring, after the first: a slot is kept only if its sequence number
 * is the same in both, which rules out a copy torn by a concurrent rewrite
 * (the writer clears seq before it writes the rest and sets it last).
 */
size_t dg_flight_order(const struct dg_flight_entry *ring, const struct dg_flight_entry *again,
		       unsigned int n, uint64_t first, uint64_t head, struct dg_flight_entry *out);

/* Reading (flight_read.c). One session's ring in the maps. */
struct dg_flight_ring {
	int ring_fd, heads_fd;
	unsigned int entries; /* per ring, a power of two */
	unsigned int session;
	uint64_t first_seq; /* the session's first sequence number */
};

/*
 * The last `want` (at most entries) syscalls of a ring, oldest first, into
 * *out (malloc'd); *total: how many syscalls the session made. Reads only
 * the slots it needs, each twice (see dg_flight_order()).
 */
int dg_flight_read_ring(const struct dg_flight_ring *r, size_t want, struct dg_flight_entry **out,
			size_t *n, uint64_t *total);

/* Publishing, for learn and enforce (flight_publish.c). */
struct dg_flight_pub {
	char pin_dir[256];  /* "" when nothing is pinned */
	char index[256];    /* "" when no index was written */
	json_t *index_json; /* what was written, to rewrite its sessions */
};

/*
 * Pin the two maps under DG_FLIGHT_PIN_ROOT/<getpid()> and write the index
 * of `tool` ("learn", "enforce") with `sessions` (a JSON array, see above;
 * borrowed). Sweeps what killed owners left behind. On failure, what was
 * done is undone.
 */
int dg_flight_publish(struct dg_flight_pub *pub, const char *tool, int ring_fd, int heads_fd,
		      unsigned int entries, json_t *sessions);

/* Replace the sessions of a published index (borrowed), atomically. */
int dg_flight_publish_sessions(struct dg_flight_pub *pub, json_t *sessions);

/*
 * A session's entry of the index, without its "session" number (flight_index.c):
 * learn's command ("cmd:<learn pid>", the workload's pid and argv) or
 * container ("<display name>" and its identity). NULL when out of memory.
 */
json_t *dg_flight_command_session(char *const *cmd, pid_t pid);
json_t *dg_flight_container_session(const struct dg_identity *c);

/* Remove the pins and the index; safe to call twice or unpublished. */
void dg_flight_unpublish(struct dg_flight_pub *pub);

/* Finding, for dump (flight_index.c). */
struct dg_flight_target {
	char tool[16];	 /* "learn", "enforce" */
	pid_t owner_pid; /* that process's pid */
	unsigned int session;
	unsigned int entries;
	uint64_t first_seq;
	char pin_dir[256];
	char name[512];	      /* the session's "name" */
	json_t *session_json; /* the session's object of the index (owned) */
};

void dg_flight_target_clear(struct dg_flight_target *t);

/*
 * Does the index session `s` of owner process `owner_pid` answer to `what`?
 * Its name ("cmd:4242", "runc:web-1"), the owner's pid, the workload pid, a
 * container's id, an unambiguous id prefix of at least 4 characters (only
 * when prefix_ok), or its name.
 */
bool dg_flight_session_matches(json_t *s, pid_t owner_pid, const char *what, bool prefix_ok);

/*
 * Read every live index (of learn and enforce) in `index_dir` (NULL:
 * DG_FLIGHT_INDEX_DIR) and find
 * the one session that answers to `what`; `extra_pids` (0-terminated, may
 * be NULL) are pids of the process tree of what the user named (a container
 * started by `learn -- runc run`): a command session whose workload pid is
 * one of them matches too. *out is filled on success (free it with
 * dg_flight_target_clear()), zeroed otherwise. -ENOENT when nothing is
 * recorded or nothing matches, -EEXIST when `what` is ambiguous; the message
 * lists what there is.
 */
int dg_flight_find(const char *index_dir, const char *what, const pid_t *extra_pids,
		   struct dg_flight_target *out);

/* dg_flight_read_ring() of the whole ring of a target, through its pins (flight_read.c). */
int dg_flight_read(const struct dg_flight_target *t, struct dg_flight_entry **out, size_t *n,
		   uint64_t *total);

#endif /* __DG_FLIGHT_H */
