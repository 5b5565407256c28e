// SPDX-License-Identifier: GPL-2.0-only
/*
 * driftguard enforce: block (or audit) execution of drifted files by YAML
 * rules, one JSON line per decision (enforce_run.c runs it); driftguard
 * reload: make it re-read the rules.
 */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/enforce.h"
#include "cli/options.h"
#include "common/cleanup.h"
#include "common/errors.h"
#include "common/pidfile.h"
#include "enforcer/metrics.h"
#include "flight/flight.h"

#define DG_DEFAULT_FLIGHT 256
#define DG_DEFAULT_EVENT_SYSCALLS 32

static const char *const backend_names[] = {
	[DG_BACKEND_CHOICE_AUTO] = "auto",
	[DG_BACKEND_CHOICE_LSM] = "lsm",
	[DG_BACKEND_CHOICE_SIGNAL] = "signal",
};

enum {
	OPT_BACKEND = 0x100,
	OPT_EVENTS,
	OPT_PIDFILE,
	OPT_AUDIT,
	OPT_FLIGHT,
	OPT_EVENT_SYSCALLS,
	OPT_COALESCE,
	OPT_METRICS,
	OPT_BPF_STATS,
};

/* The longest --coalesce window, in ms. */
#define DG_MAX_COALESCE_MS 60000

static const struct argp_option enforce_options[] = {
	{"rules", 'r', "FILE", 0, "Drift rules (YAML, see docs/rules.md)", 0},
	{"backend", OPT_BACKEND, "auto|lsm|signal", 0,
	 "lsm: BPF-LSM refuses the exec (EPERM); signal: SIGKILL before the first instruction; "
	 "auto (default): lsm when BPF-LSM really runs here, else signal",
	 0},
	{"events", OPT_EVENTS, "FILE", 0,
	 "Append one JSON line per decision to FILE (default: stdout)", 0},
	{"audit", OPT_AUDIT, NULL, 0, "Only log, whatever the rules' mode says", 0},
	{"flight-recorder", OPT_FLIGHT, "N", 0,
	 "Keep the last N syscalls of every running container in kernel memory (default 256, "
	 "rounded up to a power of two, at most 65536; 0: off), for the events and `driftguard "
	 "dump`. Costs ~170 ns per container syscall, and adds a sys_exit program that every "
	 "syscall of the machine passes through (bench/syscall_cost: ring, watching)",
	 0},
	{"event-syscalls", OPT_EVENT_SYSCALLS, "K", 0,
	 "How many of the container's last syscalls each event carries (default 32, at most N)", 0},
	{"coalesce", OPT_COALESCE, "MS", 0,
	 "Identical events of a container (same rule, action, kind, origin and path) within MS "
	 "milliseconds after one that was written are counted, then written as one line with "
	 "\"coalesced\": N (default 0: every event its own line; at most 60000)",
	 0},
	{"pidfile", OPT_PIDFILE, "FILE", 0,
	 "Where `driftguard reload` finds us (" DG_DEFAULT_PIDFILE ")", 0},
	{"metrics", OPT_METRICS, "ADDR:PORT", 0,
	 "Serve Prometheus metrics at http://ADDR:PORT/metrics (127.0.0.1:9477, [::1]:9477, "
	 ":9477 for every address; README, \"Metrics\")",
	 0},
	{"bpf-stats", OPT_BPF_STATS, NULL, 0,
	 "With --metrics: have the kernel count BPF programs' run time while enforce runs "
	 "(BPF_ENABLE_STATS; every BPF program of the machine pays a few ns per run)",
	 0},
	{"verbose", 'v', NULL, 0, "Debug messages, the verifier's log on failure", 0},
	{0},
};

static error_t enforce_parse(int key, char *arg, struct argp_state *state)
{
	struct enforce_opts *o = state->input;

	switch (key) {
	case 'r':
		o->rules = arg;
		break;
	case OPT_EVENTS:
		o->events = arg;
		break;
	case OPT_PIDFILE:
		o->pidfile = arg;
		break;
	case OPT_AUDIT:
		o->audit = true;
		break;
	case OPT_METRICS: {
		struct sockaddr_storage ss;
		socklen_t len;

		if (dg_metrics_parse_addr(arg, &ss, &len))
			argp_error(state, "%s", dg_errmsg());
		o->metrics = arg;
		break;
	}
	case OPT_BPF_STATS:
		o->bpf_stats = true;
		break;
	case OPT_FLIGHT:
	case OPT_EVENT_SYSCALLS: {
		unsigned int n;

		if (!dg_flight_parse_count(arg, &n))
			argp_error(state,
				   "--%s wants a number of syscalls from 0 to %d, not \"%s\"",
				   key == OPT_FLIGHT ? "flight-recorder" : "event-syscalls",
				   DG_FLIGHT_MAX, arg);
		if (key == OPT_FLIGHT) {
			o->flight = n;
		} else {
			o->event_syscalls = n;
			o->event_syscalls_given = true;
		}
		break;
	}
	case OPT_COALESCE: {
		char *end;
		unsigned long ms;

		errno = 0;
		ms = strtoul(arg, &end, 10);
		if (!*arg || *end || errno || arg[0] == '-' || ms > DG_MAX_COALESCE_MS)
			argp_error(state, "--coalesce wants milliseconds from 0 to %d, not \"%s\"",
				   DG_MAX_COALESCE_MS, arg);
		o->coalesce_ms = (unsigned int)ms;
		break;
	}
	case OPT_BACKEND: {
		int choice = DG_PARSE_CHOICE(state, "backend", backend_names, arg);

		if (choice < 0)
			return EINVAL;
		o->backend = (enum dg_backend_choice)choice;
		break;
	}
	case 'v':
		dg_verbose = true;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument \"%s\"", arg);
		break;
	case ARGP_KEY_END:
		if (!o->rules)
			argp_error(state, "--rules FILE is required (examples in rules/)");
		if (o->event_syscalls_given && o->event_syscalls > o->flight)
			argp_error(state,
				   "--event-syscalls %u is more than the flight recorder keeps "
				   "(--flight-recorder %u)",
				   o->event_syscalls, o->flight);
		if (o->event_syscalls > o->flight)
			o->event_syscalls = o->flight; /* the default, with a small ring */
		if (o->bpf_stats && !o->metrics)
			argp_error(state,
				   "--bpf-stats is for the metrics: add --metrics ADDR:PORT");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp enforce_argp = {
	.options = enforce_options,
	.parser = enforce_parse,
	.doc = "Block execution of drifted files - written after a container started (overlayfs "
	       "upper layer), memfds and deleted files, files on other mounts than the "
	       "container's root - by YAML rules. Runs until SIGINT/SIGTERM; SIGHUP or "
	       "`driftguard reload` re-reads the rules (a bad file never replaces the running "
	       "policy). Each decision is one JSON line carrying the container's last syscalls "
	       "(the flight recorder; `driftguard dump CONTAINER` prints all N of them).",
};

int cmd_enforce(int argc, char **argv)
{
	struct enforce_opts o = {.backend = DG_BACKEND_CHOICE_AUTO,
				 .flight = DG_DEFAULT_FLIGHT,
				 .event_syscalls = DG_DEFAULT_EVENT_SYSCALLS};
	int rc;

	if (argp_parse(&enforce_argp, argc, argv, 0, NULL, &o) != 0)
		return 2;
	rc = enforce_run(&o);
	if (rc < 0) {
		fprintf(stderr, "driftguard enforce: %s\n", dg_errmsg());
		return 1;
	}
	return 0;
}

static const struct argp_option reload_options[] = {
	{"coalesce", OPT_COALESCE, "MS", 0,
	 "Identical events of a container (same rule, action, kind, origin and path) within MS "
	 "milliseconds after one that was written are counted, then written as one line with "
	 "\"coalesced\": N (default 0: every event its own line; at most 60000)",
	 0},
	{"pidfile", OPT_PIDFILE, "FILE", 0, "The enforcer's pid file (" DG_DEFAULT_PIDFILE ")", 0},
	{0},
};

static error_t reload_parse(int key, char *arg, struct argp_state *state)
{
	const char **pidfile = state->input;

	switch (key) {
	case OPT_PIDFILE:
		*pidfile = arg;
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument \"%s\"", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp reload_argp = {
	.options = reload_options,
	.parser = reload_parse,
	.doc = "Make the running `driftguard enforce` re-read its rules file (SIGHUP). A file "
	       "with errors is refused there and the running policy stays; see its log. Only "
	       "the process that holds the pid file's lock is signalled: a stale pid file "
	       "(of an enforce that was killed) is refused.",
};

int cmd_reload(int argc, char **argv)
{
	const char *pidfile = DG_DEFAULT_PIDFILE;
	pid_t pid;

	if (argp_parse(&reload_argp, argc, argv, 0, NULL, &pidfile) != 0)
		return 2;
	/* Only the live holder of the pid file's lock: never a pid that a dead one left. */
	if (dg_pidfile_holder(pidfile, &pid)) {
		fprintf(stderr, "driftguard reload: %s; nothing was signalled\n", dg_errmsg());
		return 1;
	}
	if (kill(pid, SIGHUP)) {
		fprintf(stderr, "driftguard reload: cannot signal pid %d (from %s): %s\n", (int)pid,
			pidfile, strerror(errno));
		return 1;
	}
	return 0;
}
