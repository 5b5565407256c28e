// SPDX-License-Identifier: GPL-2.0-only
/*
 * driftguard stop: end enforcement deliberately. The running `driftguard
 * enforce` gets SIGTERM (a clean stop removes its pinned set), then what is
 * still pinned in bpffs (enforcer/pinning.h: the sets of killed daemons) is
 * removed. Says what it stopped and removed.
 */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/enforce.h"
#include "common/cleanup.h"
#include "common/errors.h"
#include "common/pidfile.h"
#include "enforcer/pinning.h"

struct stop_opts {
	const char *pidfile;
	unsigned int timeout_s;
};

enum { OPT_PIDFILE = 0x100, OPT_TIMEOUT };

static const struct argp_option stop_options[] = {
	{"pidfile", OPT_PIDFILE, "FILE", 0, "The enforcer's pid file (" DG_DEFAULT_PIDFILE ")", 0},
	{"timeout", OPT_TIMEOUT, "SECONDS", 0,
	 "How long the enforcer gets to exit after SIGTERM before SIGKILL (default 10)", 0},
	{0},
};

static error_t stop_parse(int key, char *arg, struct argp_state *state)
{
	struct stop_opts *o = state->input;
	char *end;

	switch (key) {
	case OPT_PIDFILE:
		o->pidfile = arg;
		break;
	case OPT_TIMEOUT:
		errno = 0;
		o->timeout_s = (unsigned int)strtoul(arg, &end, 10);
		if (errno || end == arg || *end || o->timeout_s > 3600)
			argp_error(state, "--timeout wants seconds from 0 to 3600, not \"%s\"",
				   arg);
		break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument \"%s\"", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp stop_argp = {
	.options = stop_options,
	.parser = stop_parse,
	.doc = "Stop `driftguard enforce` and end its enforcement. enforce's programs are "
	       "pinned in bpffs (" DG_ENFORCE_PIN_DIR "), so that a crash or `kill -9` of it "
	       "leaves the policy enforced and a restarted enforce adopts it with no gap; this "
	       "stops the running one (SIGTERM, SIGKILL after --timeout) and removes whatever "
	       "is still pinned.",
};

/* Whether pid, started at start_time, still runs (a zombie does not: it closed its fds). */
static bool runs(pid_t pid, uint64_t start_time)
{
	struct dg_pin_state s = {.pid = (uint32_t)pid, .start_time = start_time};

	return dg_pin_owner_alive(&s);
}

static bool wait_gone(pid_t pid, uint64_t start_time, unsigned int timeout_ms)
{
	for (unsigned int waited = 0; runs(pid, start_time); waited += 20) {
		if (waited >= timeout_ms)
			return false;
		nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
	}
	return true;
}

/* SIGTERM, then SIGKILL after the timeout; 0 once it is gone. */
static int stop_daemon(pid_t pid, uint64_t start_time, unsigned int timeout_s)
{
	if (!runs(pid, start_time))
		return 0;
	if (kill(pid, SIGTERM))
		return dg_err(errno, "cannot signal driftguard enforce (pid %d): %s", (int)pid,
			      strerror(errno));
	if (wait_gone(pid, start_time, timeout_s * 1000)) {
		printf("stopped driftguard enforce (pid %d)\n", (int)pid);
		return 0;
	}
	kill(pid, SIGKILL);
	if (!wait_gone(pid, start_time, 5000))
		return dg_err(ETIMEDOUT,
			      "driftguard enforce (pid %d) did not exit, even on SIGKILL",
			      (int)pid);
	printf("killed driftguard enforce (pid %d): it did not exit within %u s of SIGTERM\n",
	       (int)pid, timeout_s);
	return 0;
}

/* The daemons to stop: the pid file's holder, and the owners of pinned sets that run. */
static int stop_daemons(const struct stop_opts *o, unsigned int *stopped)
{
	_cleanup_free_ struct dg_pinned_set *sets = NULL;
	size_t n;
	pid_t pid;
	int rc;

	if (dg_pidfile_holder(o->pidfile, &pid) == 0) {
		rc = stop_daemon(pid, dg_pin_start_time(pid), o->timeout_s);
		if (rc)
			return rc;
		(*stopped)++;
	}
	dg_err_clear();
	rc = dg_pins_scan(&sets, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (!sets[i].has_state || !dg_pin_owner_alive(&sets[i].state))
			continue;
		rc = stop_daemon((pid_t)sets[i].state.pid, sets[i].state.start_time, o->timeout_s);
		if (rc)
			return rc;
		(*stopped)++;
	}
	return 0;
}

/* What the daemons left pinned (killed ones, or one stopped with SIGQUIT). */
static int remove_pinned(unsigned int *removed)
{
	_cleanup_free_ struct dg_pinned_set *sets = NULL;
	size_t n;
	char who[96];
	int rc;

	rc = dg_pins_scan(&sets, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const struct dg_pin_state *s = &sets[i].state;

		rc = dg_pins_remove(&sets[i]);
		if (rc)
			return rc;
		(*removed)++;
		if (!sets[i].has_state) {
			printf("removed an incompletely pinned enforcer (%u links, %u maps) from "
			       "%s\n",
			       sets[i].n_links, sets[i].n_maps, sets[i].dir);
			continue;
		}
		printf("removed the enforcement that driftguard enforce %s left pinned in %s: the "
		       "%s "
		       "backend, rules generation %llu from %s (%u kernel rules), %u links, %u "
		       "maps\n",
		       dg_pin_owner_text(s, who, sizeof(who)), sets[i].dir,
		       s->backend == DG_BACKEND_LSM ? "lsm" : "signal",
		       (unsigned long long)s->generation, s->rules_path, s->n_rules,
		       sets[i].n_links, sets[i].n_maps);
	}
	return 0;
}

int cmd_stop(int argc, char **argv)
{
	struct stop_opts o = {.pidfile = DG_DEFAULT_PIDFILE, .timeout_s = 10};
	unsigned int stopped = 0, removed = 0;
	int rc;

	if (argp_parse(&stop_argp, argc, argv, 0, NULL, &o) != 0)
		return 2;
	if (geteuid() != 0) {
		fprintf(stderr, "driftguard stop: stopping enforcement needs root; run it with "
				"sudo\n");
		return 1;
	}
	rc = stop_daemons(&o, &stopped);
	if (!rc)
		rc = remove_pinned(&removed);
	if (rc) {
		fprintf(stderr, "driftguard stop: %s\n", dg_errmsg());
		return 1;
	}
	if (!stopped && !removed)
		printf("nothing to stop: no driftguard enforce holds %s and nothing is pinned in "
		       "%s\n",
		       o.pidfile, DG_ENFORCE_PIN_DIR);
	else
		printf("enforcement ended: nothing of driftguard enforce is loaded any more\n");
	return 0;
}
