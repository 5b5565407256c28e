// SPDX-License-Identifier: GPL-2.0-only
/*
 * driftguard enforce: the enforcer, its policy and its flight recorder
 * loaded, then the loop that writes decisions, follows containers and
 * re-reads the rules, until stopped.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/enforce.h"
#include "common/cleanup.h"
#include "common/errors.h"
#include "containers/identity.h"
#include "containers/inventory.h"
#include "enforcer/events.h"
#include "enforcer/policy_resolver.h"
#include "enforcer/rules.h"
#include "flight/flight_watch.h"

/* Everything the event callback and the reload path need. */
struct enforce_state {
	const struct enforce_opts *o;
	struct dg_policy *policy;
	unsigned int src[DG_MAX_RULES]; /* kernel rule -> policy entry */
	struct dg_policy_hdr hdr;
	struct dg_rule_bpf compiled[DG_MAX_RULES];
	struct dg_enforcer *enforcer;
	struct dg_inventory *containers;
	bool containers_changed;	/* since the selectors were last resolved */
	struct dg_flight_watch *flight; /* NULL with --flight-recorder 0 */
	FILE *out;
	long long mono_to_real_ns;
};

static volatile sig_atomic_t stop, reload;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	reload = 1;
}

/*
 * The event can arrive before the refused syscall returns: its return value
 * (EPERM with BPF-LSM) gets up to TAIL_WAIT_TRIES * TAIL_WAIT_US (~5 ms) to
 * show, in short steps, so that an exec storm does not stall the event loop.
 */
#define TAIL_WAIT_TRIES 50
#define TAIL_WAIT_US 100

/* The event's "syscalls": its container's last ones up to the decision, or why there are none. */
static void add_syscalls(struct enforce_state *st, const struct dg_exec_event *ev, json_t *line)
{
	json_t *tail = NULL;

	if (!st->flight) {
		dg_event_set_syscalls(line, NULL,
				      "the flight recorder is off (--flight-recorder 0)");
		return;
	}
	for (int tries = 0; tries < TAIL_WAIT_TRIES; tries++) {
		json_t *last;

		json_decref(tail);
		tail = NULL;
		if (dg_flight_watch_tail(st->flight, ev->cgroup_id, ev->time_ns,
					 st->o->event_syscalls, &tail)) {
			dg_event_set_syscalls(line, NULL, dg_errmsg());
			dg_err_clear();
			return;
		}
		last = json_array_get(tail, json_array_size(tail) - 1);
		if (!last || json_integer_value(json_object_get(last, "tid")) != ev->tid ||
		    !json_is_null(json_object_get(last, "ret")))
			break;
		usleep(TAIL_WAIT_US);
	}
	dg_event_set_syscalls(line, tail, NULL);
}

static void on_event(const struct dg_exec_event *ev, void *ctx)
{
	struct enforce_state *st = ctx;
	const struct dg_drift_rule *rule = NULL;
	struct dg_identity ident;
	bool container;
	json_t *line;

	if (ev->rule < DG_MAX_RULES && st->src[ev->rule] < st->policy->n_rules)
		rule = &st->policy->rules[st->src[ev->rule]];
	/* The recorder's copy first: a container that just exited is gone from its state. */
	container =
		(st->flight && dg_flight_watch_identity(st->flight, ev->cgroup_id, &ident) == 0) ||
		dg_inventory_resolve_id(st->containers, ev->cgroup_id, &ident) == 0;
	line = dg_event_to_json(ev, container ? &ident : NULL, rule ? rule->name : "?",
				st->mono_to_real_ns);
	if (!line)
		return;
	add_syscalls(st, ev, line);
	dg_event_print(st->out, line);
	json_decref(line);
}

/* Which step of install_policy() failed: its callers say it in their words. */
enum install_step { INSTALL_COMPILE, INSTALL_LOAD };

/*
 * Compile `p` against the containers running now (audit only with --audit)
 * and load it into the kernel. 1 without loading when `only_if_changed` and
 * it compiles to what runs already; 0 loaded. On error the running policy
 * stays and *failed says where.
 */
static int install_policy(struct enforce_state *st, const struct dg_policy *p, bool only_if_changed,
			  enum install_step *failed)
{
	struct dg_container_resolver resolver = dg_live_resolver(st->containers);
	struct dg_rule_bpf compiled[DG_MAX_RULES];
	unsigned int src[DG_MAX_RULES];
	struct dg_policy_hdr hdr;
	int rc;

	memset(compiled, 0, sizeof(compiled));
	*failed = INSTALL_COMPILE;
	rc = dg_policy_compile_map(p, &resolver, &hdr, compiled, src);
	if (rc)
		return rc;
	if (st->o->audit)
		hdr.audit_only = 1;
	if (only_if_changed && !memcmp(&hdr, &st->hdr, sizeof(hdr)) &&
	    !memcmp(compiled, st->compiled, sizeof(compiled)))
		return 1;
	*failed = INSTALL_LOAD;
	rc = dg_enforcer_set_policy(st->enforcer, &hdr, compiled);
	if (rc)
		return rc;
	st->hdr = hdr;
	memcpy(st->compiled, compiled, sizeof(compiled));
	memcpy(st->src, src, sizeof(src));
	return 0;
}

/* Make `p` (stolen), the rules of o->rules, the running policy; on error the running one stays. */
static int use_policy(struct enforce_state *st, struct dg_policy *p)
{
	enum install_step failed;
	int rc;

	rc = install_policy(st, p, false, &failed);
	if (rc) {
		dg_policy_free(p);
		if (failed == INSTALL_COMPILE)
			return dg_err_wrap(rc, "compiling %s", st->o->rules);
		return rc;
	}
	dg_policy_free(st->policy);
	st->policy = p;
	return 0;
}

/* SIGHUP: read, compile and install the rules file again. */
static int reload_policy(struct enforce_state *st)
{
	struct dg_policy *p = NULL;
	int rc;

	rc = dg_policy_load_file(st->o->rules, &p);
	if (rc)
		return rc;
	return use_policy(st, p);
}

/*
 * Containers come and go: selectors by id, name or cgroup are resolved
 * again, and the policy swapped when what they select changed.
 */
static void refresh_selectors(struct enforce_state *st)
{
	enum install_step failed;
	int rc;

	rc = install_policy(st, st->policy, true, &failed);
	if (rc < 0 && failed == INSTALL_COMPILE)
		dg_warn("re-resolving containers: %s; keeping the running policy", dg_errmsg());
	else if (rc < 0)
		dg_warn("updating the policy: %s; keeping the running one", dg_errmsg());
	else if (rc == 0)
		dg_debug("containers changed: policy re-resolved");
}

/* A container came, changed or went: selectors may select other cgroups now. */
static void on_containers(void *ctx, enum dg_inventory_change what, const struct dg_identity *c,
			  const struct dg_identity *before)
{
	struct enforce_state *st = ctx;

	(void)what;
	(void)c;
	(void)before;
	st->containers_changed = true;
}

static bool has_selectors(const struct dg_policy *p)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (p->rules[i].containers.scope == DG_SCOPE_CGROUPS)
			return true;
	return false;
}

static int write_pidfile(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "we");

	if (!f)
		return dg_err(errno, "cannot write the pid file %s: %s (use --pidfile)", path,
			      strerror(errno));
	fprintf(f, "%d\n", getpid());
	return 0;
}

static void enforce_state_clear(struct enforce_state *st)
{
	dg_policy_free(st->policy);
	st->policy = NULL;
}

/* The fds the loop waits on. */
enum { POLL_EVENTS, POLL_CONTAINERS, POLL_FDS };

int enforce_run(const struct enforce_opts *o)
{
	/* First, so freed last: the flight recorder unsubscribes from it. */
	_cleanup_(dg_inventory_freep) struct dg_inventory *containers = NULL;
	_cleanup_(dg_enforcer_closep) struct dg_enforcer *enforcer = NULL;
	_cleanup_(dg_flight_watch_freep) struct dg_flight_watch *flight = NULL;
	_cleanup_(dg_policy_freep) struct dg_policy *rules = NULL;
	_cleanup_fclose_ FILE *events = NULL;
	_cleanup_(enforce_state_clear) struct enforce_state st = {.o = o, .out = stdout};
	struct sigaction stop_sa = {.sa_handler = on_stop}, hup_sa = {.sa_handler = on_hup};
	struct dg_enforcer_stats stats;
	time_t last_refresh = 0;
	char why[1024];
	int rc;

	/* The rules first: a bad file must fail before anything is loaded. */
	rc = dg_policy_load_file(o->rules, &rules);
	if (rc)
		return rc;
	if (geteuid() != 0)
		return dg_err(EPERM, "enforcing needs root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN, "
				     "CAP_MAC_ADMIN for BPF-LSM); run it with sudo");
	if (o->events && strcmp(o->events, "-")) {
		events = fopen(o->events, "ae");
		if (!events)
			return dg_err(errno, "cannot open %s: %s", o->events, strerror(errno));
		st.out = events;
	}
	rc = dg_inventory_new(&(struct dg_inventory_opts){0}, &containers);
	if (rc)
		return dg_err_wrap(rc, "container identity");
	st.containers = containers;
	st.mono_to_real_ns = dg_event_clock_offset();
	/* The recorder first: containers it finds now have a ring before any decision. */
	if (o->flight) {
		rc = dg_flight_watch_new(o->flight, containers, &flight);
		if (rc)
			return dg_err_wrap(rc,
					   "flight recorder (--flight-recorder 0 enforces without "
					   "it)");
		st.flight = flight;
	}
	rc = dg_enforcer_open(o->backend, on_event, &st, &enforcer, why, sizeof(why));
	if (rc)
		return rc;
	st.enforcer = enforcer;
	rc = use_policy(&st, TAKE_PTR(rules));
	if (rc)
		return rc;
	rc = dg_inventory_subscribe(containers, on_containers, &st);
	if (rc)
		return rc;
	rc = write_pidfile(o->pidfile ?: DG_DEFAULT_PIDFILE);
	if (rc)
		goto out;
	sigaction(SIGINT, &stop_sa, NULL);
	sigaction(SIGTERM, &stop_sa, NULL);
	sigaction(SIGHUP, &hup_sa, NULL);
	dg_info("backend: %s", why);
	if (flight)
		dg_info("flight recorder: the last %u syscalls of each running container (events "
			"carry %u; `driftguard dump CONTAINER` prints them)",
			dg_flight_watch_entries(flight), o->event_syscalls);
	else
		dg_info("flight recorder off: events carry no syscalls");
	dg_info("%s %zu rules from %s (%u kernel rules)",
		st.hdr.audit_only ? "auditing (mode audit: nothing is blocked) with" : "enforcing",
		st.policy->n_rules, o->rules, st.hdr.n_rules);

	while (!stop) {
		struct pollfd fds[POLL_FDS] = {
			[POLL_EVENTS] = {.fd = dg_enforcer_fd(enforcer), .events = POLLIN},
			[POLL_CONTAINERS] = {.fd = dg_inventory_fd(containers), .events = POLLIN},
		};

		/* Events, or a container starting (its ring must exist before it drifts). */
		if (poll(fds, POLL_FDS, 200) < 0 && errno != EINTR) {
			rc = dg_err(errno, "poll: %s", strerror(errno));
			break;
		}
		rc = dg_enforcer_poll(enforcer, 0);
		if (rc && rc != -EINTR)
			break;
		rc = 0;
		/* After the events: they still find a container that has just gone. */
		dg_inventory_refresh(containers);
		if (flight)
			dg_flight_watch_tick(flight);
		if (reload) {
			reload = 0;
			if (reload_policy(&st))
				dg_warn("reload of %s failed, keeping the running policy: %s",
					o->rules, dg_errmsg());
			else
				dg_info("reloaded %zu rules from %s", st.policy->n_rules, o->rules);
		}
		/* At once when containers changed; once a second for new cgroups. */
		if (has_selectors(st.policy) &&
		    (st.containers_changed || time(NULL) != last_refresh)) {
			st.containers_changed = false;
			last_refresh = time(NULL);
			refresh_selectors(&st);
		}
	}
	dg_enforcer_poll(enforcer, 0); /* what is left in the ring */
out:
	dg_enforcer_stats(enforcer, &stats);
	dg_info("stopped: %llu blocked, %llu audited, %llu events dropped%s",
		(unsigned long long)stats.blocked, (unsigned long long)stats.audited,
		(unsigned long long)stats.dropped,
		stats.dropped ? " (the ring buffer was full: decisions were still enforced)" : "");
	unlink(o->pidfile ?: DG_DEFAULT_PIDFILE);
	return rc;
}
