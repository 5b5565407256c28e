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
#include "cli/enforce_metrics.h"
#include "cli/service_notify.h"
#include "common/cleanup.h"
#include "common/errors.h"
#include "common/pidfile.h"
#include "containers/identity.h"
#include "containers/inventory.h"
#include "containers/lookup.h"
#include "enforcer/coalesce.h"
#include "enforcer/container_cgroups.h"
#include "enforcer/event_queue.h"
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
	struct dg_coalesce *coalesce;	/* NULL without --coalesce */
	struct dg_event_queue *waiting; /* events waiting for their tail */
	FILE *out;
	long long mono_to_real_ns;
	uint64_t unwritten;	    /* events that could not be written: dropped too */
	char unwritten_why[128];    /* the last reason */
	struct dg_metrics *metrics; /* NULL without --metrics */
};

static volatile sig_atomic_t stop, reload, keep_pinned;
/*
 * When the last stop and reload signals came (CLOCK_MONOTONIC, ns; read by
 * the loop, which says how long it took to act on them: its responsiveness,
 * tests/integration/enforce_flood.sh). clock_gettime is async-signal-safe.
 */
static volatile uint64_t stop_signal_ns, reload_signal_ns;

static uint64_t mono_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* SIGTERM, SIGINT: a deliberate stop, enforcement goes with us. */
static void on_stop(int sig)
{
	(void)sig;
	stop_signal_ns = mono_now_ns();
	stop = 1;
}

/* SIGQUIT: exit but leave the enforcement pinned, for a restart with no gap (an upgrade). */
static void on_quit(int sig)
{
	(void)sig;
	stop_signal_ns = mono_now_ns();
	keep_pinned = 1;
	stop = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	reload_signal_ns = mono_now_ns();
	reload = 1;
}

/* Milliseconds since `since_ns` (a signal's time). */
static double ms_since(uint64_t since_ns)
{
	return (double)(mono_now_ns() - since_ns) / 1e6;
}

/*
 * The event can arrive before the refused syscall returns: its return value
 * (EPERM with BPF-LSM) gets up to TAIL_WAIT_NS to show. The event waits in
 * st->waiting meanwhile (enforcer/event_queue.h), not in a sleep: the loop
 * goes on reading events, signals and containers.
 */
#define TAIL_WAIT_NS (5 * 1000 * 1000ULL)
/* How long a turn of the loop reads events, so that a flood still lets it turn. */
#define EVENTS_MS_PER_TURN 20

/* Whether the tail ends with the event's own syscall still in progress. */
static bool tail_in_progress(json_t *tail, const struct dg_exec_event *ev)
{
	json_t *last = json_array_get(tail, json_array_size(tail) - 1);

	return last && json_integer_value(json_object_get(last, "tid")) == ev->tid &&
	       json_is_null(json_object_get(last, "ret"));
}

/*
 * The container of an event's task: the recorder's copy first (a container
 * that just exited is gone from its state), then the inventory, read again
 * once when the kernel judged the task a container's that is not known yet
 * (it has just started, its state not read while events kept the loop
 * busy); a container no runtime state names is named by its cgroup
 * (containers/lookup.h), never as the host.
 */
static bool find_container(struct enforce_state *st, const struct dg_exec_event *ev,
			   struct dg_identity *out)
{
	if (st->flight && dg_flight_watch_identity(st->flight, ev->cgroup_id, out) == 0)
		return true;
	if (dg_inventory_resolve_id(st->containers, ev->cgroup_id, out) == 0)
		return true;
	dg_err_clear();
	if (!ev->container)
		return false;
	dg_inventory_refresh(st->containers);
	return dg_container_of_task(st->containers, ev->cgroup_id, true, out) == 0;
}

/* The name of the rule that decided `ev`, under the running policy. */
static const char *rule_name(const struct enforce_state *st, const struct dg_exec_event *ev)
{
	if (ev->rule < DG_MAX_RULES && st->src[ev->rule] < st->policy->n_rules)
		return st->policy->rules[st->src[ev->rule]].name;
	return "?";
}

/* The line of `ev`, its rule named `rule`; NULL: out of memory. */
static json_t *event_line(struct enforce_state *st, const struct dg_exec_event *ev,
			  const char *rule)
{
	struct dg_identity ident;
	bool container = find_container(st, ev, &ident);

	return dg_event_to_json(ev, container ? &ident : NULL, rule, st->mono_to_real_ns);
}

/* Write `line` (consumed), which stands for `events` decisions; never silently lost. */
static void write_line(struct enforce_state *st, json_t *line, uint64_t events)
{
	if (line)
		dg_metrics_count_event(st->metrics, line);
	/* An event that cannot be written is counted as dropped. */
	if (!line || dg_event_print(st->out, line)) {
		st->unwritten += events;
		snprintf(st->unwritten_why, sizeof(st->unwritten_why), "%s",
			 line ? dg_errmsg() : "out of memory");
		dg_err_clear();
	}
	json_decref(line);
}

/*
 * Write `ev` with its syscalls (dg_event_try_fn): false, writing nothing,
 * while its own syscall is still in progress in the tail and not `last_try`.
 */
static bool try_write(void *ctx, const struct dg_exec_event *ev, const char *rule, bool last_try)
{
	struct enforce_state *st = ctx;
	char why[256] = "", failed[256] = "";
	json_t *tail = NULL, *line;

	/*
	 * Stopping: what is left in the ring is written at once, without the
	 * tails (reading each container's ring would hold the exit up by
	 * seconds after a flood).
	 */
	if (st->flight && stop)
		snprintf(failed, sizeof(failed), "enforce was stopping: the tail was not read");
	else if (st->flight &&
		 dg_flight_watch_tail(st->flight, ev->cgroup_id, ev->time_ns, st->o->event_syscalls,
				      &tail, why, sizeof(why))) {
		snprintf(failed, sizeof(failed), "%s", dg_errmsg());
		dg_err_clear();
	} else if (!last_try && tail && tail_in_progress(tail, ev)) {
		json_decref(tail);
		return false;
	}
	line = event_line(st, ev, rule);
	if (line)
		dg_event_set_syscalls(line, tail,
				      !st->flight
					      ? "the flight recorder is off (--flight-recorder 0)"
				      : failed[0] ? failed
				      : why[0]	  ? why
						  : NULL);
	else
		json_decref(tail);
	write_line(st, line, 1);
	return true;
}

/* One decision's line with its syscalls, its rule named `rule`: now, or once its tail is. */
static void emit_event(struct enforce_state *st, const struct dg_exec_event *ev, const char *rule)
{
	dg_event_queue_add(st->waiting, ev, rule, mono_now_ns(), TAIL_WAIT_NS);
}

static void on_event(const struct dg_exec_event *ev, void *ctx)
{
	struct enforce_state *st = ctx;

	/* Counted in its kind's open window (--coalesce): written when the window ends. */
	if (st->coalesce && !dg_coalesce_admit(st->coalesce, ev))
		return;
	emit_event(st, ev, rule_name(st, ev));
}

/*
 * A decision that queued while no daemon ran, named by the rules it was
 * taken under (not coalesced: their rule indexes are the old policy's).
 */
static void on_adopted_event(const struct dg_exec_event *ev, const char *rule, void *ctx)
{
	emit_event(ctx, ev, rule);
}

/* What the pinned state says about it: a daemon adopting it names its queued events. */
static void label_policy(struct enforce_state *st, const struct dg_policy *p,
			 const struct dg_policy_hdr *hdr, const unsigned int *src)
{
	const char *names[DG_MAX_RULES];

	for (unsigned int i = 0; i < hdr->n_rules && i < DG_MAX_RULES; i++)
		names[i] = src[i] < p->n_rules ? p->rules[src[i]].name : NULL;
	dg_enforcer_label_policy(st->enforcer, st->o->rules, names, hdr->n_rules);
}

/* The identical events of a --coalesce window: one line, the last of them, with their count. */
static void on_coalesced(void *ctx, const struct dg_exec_event *last, uint64_t count,
			 uint64_t first_ns)
{
	struct enforce_state *st = ctx;
	json_t *line = event_line(st, last, rule_name(st, last));

	if (line && dg_event_set_coalesced(line, count, first_ns, st->mono_to_real_ns)) {
		json_decref(line);
		line = NULL;
	}
	write_line(st, line, count);
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
	label_policy(st, p, &hdr, src);
	rc = dg_enforcer_set_policy(st->enforcer, &hdr, compiled);
	if (rc)
		return rc;
	st->hdr = hdr;
	dg_metrics_policy_installed(st->metrics, hdr.n_rules);
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

/* Say what the daemon took over (enforcer.h: dg_enforcer_pin()). */
static void report_adoption(const struct dg_adoption *a, uint64_t generation)
{
	char who[96];

	if (!a->sets) {
		dg_info("pinned in %s: enforcement outlives this process (a crash or kill -9 "
			"leaves it enforced; `driftguard stop` removes it)",
			a->dir);
		return;
	}
	if (a->has_state)
		dg_info("adopted the enforcement that driftguard enforce %s left pinned: the %s "
			"backend, rules generation %llu from %s (%u kernel rules%s), enforced "
			"until ours replaced it with no gap",
			dg_pin_owner_text(&a->from, who, sizeof(who)),
			a->from.backend == DG_BACKEND_LSM ? "lsm" : "signal",
			(unsigned long long)a->from.generation, a->from.rules_path, a->from.n_rules,
			a->from.audit_only ? ", audit only" : "");
	if (a->incomplete)
		dg_info("removed %u incompletely pinned set(s) (a daemon died while pinning)",
			a->incomplete);
	dg_info("%llu decisions that had queued while no daemon ran were read%s",
		(unsigned long long)a->events_read, a->events_read ? " (events above)" : "");
	if (a->has_counts)
		dg_info("in all it had blocked %llu, audited %llu and dropped %llu events%s",
			(unsigned long long)a->blocked, (unsigned long long)a->audited,
			(unsigned long long)a->dropped,
			a->dropped ? " (its ring buffer was full: decisions were still enforced)"
				   : "");
	dg_info("now rules generation %llu, pinned in %s", (unsigned long long)generation, a->dir);
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
	/* Released last: while it is held, our programs may still be attached. */
	_cleanup_(dg_pidfile_release) struct dg_pidfile pidfile = {.fd = -1};
	/* First, so freed last: the flight recorder unsubscribes from it. */
	_cleanup_(dg_inventory_freep) struct dg_inventory *containers = NULL;
	_cleanup_(dg_enforcer_closep) struct dg_enforcer *enforcer = NULL;
	/* After the enforcer and the inventory, so freed before both. */
	_cleanup_(dg_container_cgroups_freep) struct dg_container_cgroups *cgroups = NULL;
	_cleanup_(dg_flight_watch_freep) struct dg_flight_watch *flight = NULL;
	_cleanup_(dg_policy_freep) struct dg_policy *rules = NULL;
	_cleanup_(dg_coalesce_freep) struct dg_coalesce *coalesce = NULL;
	_cleanup_(dg_event_queue_freep) struct dg_event_queue *waiting = NULL;
	_cleanup_fclose_ FILE *events = NULL;
	struct dg_adoption adoption;
	_cleanup_(enforce_state_clear) struct enforce_state st = {.o = o, .out = stdout};
	_cleanup_(enforce_metrics_stop) struct enforce_metrics metrics = {.stats_fd = -1};
	struct sigaction stop_sa = {.sa_handler = on_stop}, hup_sa = {.sa_handler = on_hup},
			 quit_sa = {.sa_handler = on_quit};
	struct dg_enforcer_stats stats;
	time_t last_refresh = 0;
	bool more = false;
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
	/* Before loading: a port in use fails at once. */
	rc = enforce_metrics_start(&metrics, o);
	if (rc)
		return rc;
	st.metrics = metrics.store;
	rc = dg_inventory_new(&(struct dg_inventory_opts){0}, &containers);
	if (rc)
		return dg_err_wrap(rc, "container identity");
	st.containers = containers;
	/* Room for a flood's worth of events a few ms behind their tails. */
	rc = dg_event_queue_new(4096, try_write, &st, &waiting);
	if (rc)
		return rc;
	st.waiting = waiting;
	if (o->coalesce_ms) {
		rc = dg_coalesce_new((uint64_t)o->coalesce_ms * 1000000, on_coalesced, &st,
				     &coalesce);
		if (rc)
			return rc;
		st.coalesce = coalesce;
	}
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
	rc = dg_container_cgroups_follow(enforcer, containers, &cgroups);
	if (rc)
		return rc;
	rc = use_policy(&st, TAKE_PTR(rules));
	if (rc)
		return rc;
	rc = dg_inventory_subscribe(containers, on_containers, &st);
	if (rc)
		return rc;
	/* Held until we exit: `driftguard reload` and `stop` signal only a live holder. */
	rc = dg_pidfile_acquire(o->pidfile ?: DG_DEFAULT_PIDFILE, &pidfile);
	if (rc)
		goto out;
	sigaction(SIGINT, &stop_sa, NULL);
	sigaction(SIGTERM, &stop_sa, NULL);
	sigaction(SIGHUP, &hup_sa, NULL);
	sigaction(SIGQUIT, &quit_sa, NULL);
	dg_info("backend: %s", why);
	/* Ours enforce now: what earlier daemons left pinned can go. */
	rc = dg_enforcer_pin(enforcer, on_adopted_event, &st, &adoption);
	if (rc)
		goto out;
	report_adoption(&adoption, dg_enforcer_generation(enforcer));
	if (flight)
		dg_info("flight recorder: the last %u syscalls of each container (events carry %u; "
			"`driftguard dump CONTAINER` prints them); every host syscall passes "
			"through it (cost: README, Benchmark; --flight-recorder 0 turns it off)",
			dg_flight_watch_entries(flight), o->event_syscalls);
	else
		dg_info("flight recorder off: events carry no syscalls");
	dg_info("%s %zu rules from %s (%u kernel rules)",
		st.hdr.audit_only ? "auditing (mode audit: nothing is blocked) with" : "enforcing",
		st.policy->n_rules, o->rules, st.hdr.n_rules);
	enforce_metrics_sample(&metrics, enforcer, flight, true);
	dg_notify_ready();

	while (!stop) {
		struct pollfd fds[POLL_FDS] = {
			[POLL_EVENTS] = {.fd = dg_enforcer_fd(enforcer), .events = POLLIN},
			[POLL_CONTAINERS] = {.fd = dg_inventory_fd(containers), .events = POLLIN},
		};
		/* More events are pending: go on at once; events wait for tails: soon. */
		int wait_ms = more ? 0 : dg_event_queue_len(waiting) ? 1 : 200;

		/* Events, or a container starting (its ring must exist before it drifts). */
		if (poll(fds, POLL_FDS, wait_ms) < 0 && errno != EINTR) {
			rc = dg_err(errno, "poll: %s", strerror(errno));
			break;
		}
		/*
		 * For a bounded time per turn: under a flood of blocked execs the
		 * loop still turns every few ms, so stop, reload and new
		 * containers are handled at once (tests/integration/enforce_flood.sh).
		 */
		rc = dg_enforcer_poll(enforcer, 0, EVENTS_MS_PER_TURN);
		if (rc < 0 && rc != -EINTR)
			break;
		more = rc == 1;
		rc = 0;
		dg_event_queue_drain(waiting, mono_now_ns(), false);
		if (coalesce)
			dg_coalesce_flush(coalesce, mono_now_ns());
		/* After the events: they still find a container that has just gone. */
		dg_inventory_refresh(containers);
		if (flight)
			dg_flight_watch_tick(flight);
		if (reload) {
			reload = 0;
			dg_notify_reloading();
			rc = reload_policy(&st);
			if (rc)
				dg_warn("reload of %s failed, keeping the running policy: %s",
					o->rules, dg_errmsg());
			else
				dg_info("reloaded %zu rules from %s (%.1f ms after the signal)",
					st.policy->n_rules, o->rules, ms_since(reload_signal_ns));
			dg_metrics_reload(st.metrics, rc == 0);
			dg_notify_ready();
			rc = 0;
		}
		/* At once when containers changed; once a second for new cgroups. */
		if (has_selectors(st.policy) &&
		    (st.containers_changed || time(NULL) != last_refresh)) {
			st.containers_changed = false;
			last_refresh = time(NULL);
			refresh_selectors(&st);
		}
		enforce_metrics_sample(&metrics, enforcer, flight, false);
	}
	if (stop_signal_ns)
		dg_info("stopping: the loop ended %.1f ms after the signal",
			ms_since(stop_signal_ns));
	dg_enforcer_poll(enforcer, 0, 0); /* what is left in the ring */
out:
	dg_event_queue_drain(waiting, mono_now_ns(), true);
	if (coalesce)
		dg_coalesce_flush(coalesce, UINT64_MAX); /* the windows still open */
	dg_notify_stopping();
	dg_enforcer_stats(enforcer, &stats);
	dg_info("stopped: %llu blocked, %llu audited, %llu events dropped%s",
		(unsigned long long)stats.blocked, (unsigned long long)stats.audited,
		(unsigned long long)(stats.dropped + st.unwritten),
		stats.dropped ? " (the ring buffer was full: decisions were still enforced)" : "");
	if (st.unwritten)
		dg_info("%llu of the dropped events could not be written (%s); decisions "
			"were still enforced",
			(unsigned long long)st.unwritten, st.unwritten_why);
	/* Only a deliberate stop ends enforcement; an error exit is left as a crash would be. */
	if (!rc && !keep_pinned && dg_enforcer_unpin(enforcer))
		dg_warn("%s: `driftguard stop` removes what is left", dg_errmsg());
	else if (dg_enforcer_pinned(enforcer))
		dg_info("left pinned: the policy stays enforced until `driftguard stop`, or the "
			"next driftguard enforce adopts it");
	return rc;
}
