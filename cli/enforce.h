/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * driftguard enforce, in two files: cmd_enforce.c parses the options (and
 * is `driftguard reload`), enforce_run.c loads the enforcer and the rules
 * and runs until stopped.
 */
#ifndef __DG_CLI_ENFORCE_H
#define __DG_CLI_ENFORCE_H

#include <stdbool.h>

#include "enforcer/enforcer.h"

#define DG_DEFAULT_PIDFILE "/run/driftguard/enforce.pid"

/* What the command line asked for; not changed once parsed. */
struct enforce_opts {
	const char *rules;
	const char *events;
	const char *pidfile;
	enum dg_backend_choice backend;
	bool audit;
	unsigned int flight;	     /* syscalls per container ring, 0: off */
	unsigned int event_syscalls; /* of them in each event */
	bool event_syscalls_given;
	unsigned int coalesce_ms; /* --coalesce window, 0: off (enforcer/coalesce.h) */
	const char *metrics;	  /* ADDR:PORT to serve Prometheus metrics on, or NULL */
	bool bpf_stats;		  /* BPF_ENABLE_STATS while running (for the metrics) */
};

/*
 * Enforce the rules of o->rules until SIGINT or SIGTERM, re-reading them on
 * SIGHUP; one JSON line per decision to o->events. 0 when stopped, or a
 * negative errno with a message.
 */
int enforce_run(const struct enforce_opts *o);

#endif /* __DG_CLI_ENFORCE_H */
