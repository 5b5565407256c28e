/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * driftguard learn, in three files: cmd_learn.c parses the options,
 * learn_run.c runs the workload under recording and stops it,
 * learn_output.c writes what was learned (the seccomp profile, the
 * capability sets).
 */
#ifndef __DG_CLI_LEARN_H
#define __DG_CLI_LEARN_H

#include <stdbool.h>

#include "flight/flight.h"
#include "generator/cap_recorder.h"
#include "generator/profile_export.h"
#include "generator/recorder.h"

/* --gate: when a task's syscalls start to count. */
enum learn_gate { GATE_AUTO, GATE_NONE, GATE_SECCOMP };

/* What the command line asked for; not changed once parsed. */
struct learn_opts {
	const char *output;
	const char *container;
	const char *next; /* --next PATTERN */
	const char *runtime_root;
	double duration; /* seconds, 0 = until exit */
	enum learn_gate gate;
	unsigned int flight; /* flight recorder entries per session, 0 = off */
	char **cmd;
	const char *caps; /* --caps FILE, NULL: not asked for */
	enum dg_caps_format caps_format;
	enum dg_export_format format; /* --format: what o->output is written as */
	/* --runtime-baseline: DG_BASELINE_* (generator/runtime_baselines.h); -1: not given */
	int baselines;
};

/* One learning run: the recorders, the session and what was published. */
struct learn_run {
	const struct learn_opts *o;
	struct dg_recorder *rec;
	unsigned int session;
	struct dg_caps *capr;	  /* NULL: no capability learning (not asked, or unavailable) */
	struct dg_flight_pub pub; /* what was published for `driftguard dump` */
	char subject[1024];	  /* what is learned, for the profile's comment */
	/*
	 * Recording starts before the workload's exec (the seccomp gate): a
	 * session without an execve never ran the workload, whatever the
	 * runtime did before failing.
	 */
	bool from_exec;
	const char *nothing_hint; /* why nothing may have been recorded, for the message */
	/* A profile what is written extends (the union, as `merge` makes it); NULL: none. */
	struct dg_profile *extend;
	const char *extend_name; /* its file, for messages */
};

/*
 * Run `o->cmd` (an OCI runtime's container through a learning bundle) under
 * recording until it exits, or record the running container `o->container`
 * until it stops; then write the outputs. Returns the command's exit status
 * (0 for a container), or a negative errno with a message.
 */
int learn_run_command(struct learn_run *run);
int learn_run_container(struct learn_run *run);

/*
 * --next PATTERN: wait for the next container whose id or name matches to
 * appear in a runtime's state directory (at create, before its process is
 * released), record it through the seccomp gate until it exits, then write
 * the outputs. 0, or a negative errno with a message.
 */
int learn_run_next(struct learn_run *run);

/*
 * `driftguard hook` (learn_hook.c): record the container whose init is `pid`
 * (held by its runtime before its seccomp filter, at the prestart hook)
 * through the seccomp gate; armed(ctx) once recording is armed; then wait
 * until the init exits (or SIGINT/SIGTERM) and write the outputs.
 */
int learn_run_init(struct learn_run *run, pid_t pid, const char *id, void (*armed)(void *ctx),
		   void *ctx);

/* Remove what was published for `driftguard dump` (a cleanup). */
void learn_run_unpublish(struct learn_run *run);

/* "`runc run -b b web-1`": the command line as the profile's comment names it. */
void learn_command_subject(char *const *cmd, char *buf, size_t len);

/*
 * Write the profile of what the session recorded so far to o->output (again
 * at each call); container: the workload is a container (a runtime started
 * it), so the runtime baselines apply by default (a plain command gets them
 * only when --runtime-baseline asks).
 * partial: the workload failed (exited non-zero or was killed, not by
 * learn): a profile already at o->output stays, this one goes to
 * o->output.partial (generator/text_file.h), and the message says so.
 * Nothing of the workload recorded (no syscall; with from_exec, no execve):
 * nothing is written, -ENODATA with the reason.
 */
int learn_write_profile(const struct learn_run *run, bool container, bool partial);

/* Write the capability sets of the session to o->caps (nothing without --caps). */
int learn_write_caps(const struct learn_run *run);

#endif /* __DG_CLI_LEARN_H */
