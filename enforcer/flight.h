/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The flight recorder seen from user space (the rings: bpf/learn.h).
 *
 * IPC between `driftguard learn` and `driftguard dump`: learn pins its two
 * flight maps under DG_FLIGHT_PIN_ROOT/<learn pid>/ ("flight",
 * "flight_heads"; bpffs is mounted on /sys/fs/bpf when it is not) and writes
 * an index, DG_FLIGHT_INDEX_DIR/learn-<learn pid>.json:
 *
 *   {"version": 1, "pid": <learn pid>, "pin_dir": "...", "entries": N,
 *    "entry_size": <sizeof(struct dg_flight_entry)>,
 *    "sessions": [{"session": 1, "name": "cmd:<learn pid>", "pid": <workload pid>,
 *                  "command": [...]}                     -- learn -- CMD
 *                 {"session": 1, "name": "runc:<id>",
 *                  "container": {<dg_identity_to_json>}}]} -- learn --container
 *
 * Both are removed when learn exits (Ctrl-C included); the leftovers of a
 * learn that was killed are ignored by dump (its pid is gone) and swept by
 * the next learn. dump reads the rings with plain map lookups; nothing is
 * sent to user space until then.
 */
#ifndef __DG_FLIGHT_H
#define __DG_FLIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "learn.h"

#define DG_FLIGHT_PIN_ROOT "/sys/fs/bpf/driftguard"
#define DG_FLIGHT_INDEX_DIR "/run/driftguard"
#define DG_FLIGHT_INDEX_VERSION 1

/* "x86_64", "i386", "x32"; "?" for anything else. */
const char *dg_flight_abi_name(unsigned int abi);

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
 * the ring). Copies the entries of sequence numbers [max(0, head - n), head)
 * that are really there into out, oldest first; returns how many. A slot not
 * written yet, or being rewritten, holds another sequence number (or
 * DG_FLIGHT_WRITING) and is left out. `again` (NULL: none) is a second read
 * of the ring, after the first: a slot is kept only if its sequence number
 * is the same in both, which rules out a copy torn by a concurrent rewrite
 * (the writer clears seq before it writes the rest and sets it last).
 */
size_t dg_flight_order(const struct dg_flight_entry *ring, const struct dg_flight_entry *again,
		       unsigned int n, uint64_t head, struct dg_flight_entry *out);

/* Publishing, for learn. */
struct dg_flight_pub {
	char pin_dir[256]; /* "" when nothing is pinned */
	char index[256];   /* "" when no index was written */
};

/*
 * Pin the two maps under DG_FLIGHT_PIN_ROOT/<getpid()> and write the index
 * with `sessions` (a JSON array, see above; borrowed). Sweeps what killed
 * learn processes left behind. On failure, what was done is undone.
 */
int dg_flight_publish(struct dg_flight_pub *pub, int ring_fd, int heads_fd, unsigned int entries,
		      json_t *sessions);

/* Remove the pins and the index; safe to call twice or unpublished. */
void dg_flight_unpublish(struct dg_flight_pub *pub);

/* Finding and reading, for dump. */
struct dg_flight_target {
	pid_t learn_pid;
	unsigned int session;
	unsigned int entries;
	char pin_dir[256];
	char name[512];		/* the session's "name" */
	json_t *session_json;	/* the session's object of the index (owned) */
};

void dg_flight_target_clear(struct dg_flight_target *t);

/*
 * Does the index session `s` of learn process `learn_pid` answer to `what`?
 * Its name ("cmd:4242", "runc:web-1"), the learn pid, the workload pid, a
 * container's id, an unambiguous id prefix of at least 4 characters (only
 * when prefix_ok), or its name.
 */
bool dg_flight_session_matches(json_t *s, pid_t learn_pid, const char *what, bool prefix_ok);

/*
 * Read every live index in `index_dir` (NULL: DG_FLIGHT_INDEX_DIR) and find
 * the one session that answers to `what`; `extra_pids` (0-terminated, may
 * be NULL) are pids of the process tree of what the user named (a container
 * started by `learn -- runc run`): a command session whose workload pid is
 * one of them matches too. *out is filled on success (free it with
 * dg_flight_target_clear()), zeroed otherwise. -ENOENT when nothing is being learned or nothing
 * matches, -EEXIST when `what` is ambiguous; the message lists what there is.
 */
int dg_flight_find(const char *index_dir, const char *what, const pid_t *extra_pids,
		   struct dg_flight_target *out);

/*
 * Read target's ring through its pins: *out (malloc'd, oldest first) gets
 * up to `entries` entries, *total the number of syscalls the session made.
 */
int dg_flight_read(const struct dg_flight_target *t, struct dg_flight_entry **out, size_t *n,
		   uint64_t *total);

#endif /* __DG_FLIGHT_H */
