// SPDX-License-Identifier: GPL-2.0-only
/*
 * driftguard enforce: block (or audit) execution of drifted files by YAML
 * rules, one JSON line per decision; driftguard reload: re-read the rules.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "cli/commands.h"
#include "enforcer/enforcer.h"
#include "common/errors.h"
#include "flight/flight.h"
#include "flight/flight_watch.h"
#include "containers/identity.h"
#include "enforcer/policy_resolver.h"
#include "enforcer/rules.h"

#define DG_DEFAULT_PIDFILE "/run/driftguard-enforce.pid"
#define DG_DEFAULT_FLIGHT 256
#define DG_DEFAULT_EVENT_SYSCALLS 32

struct enforce_opts {
	const char *rules;
	const char *events;
	const char *pidfile;
	enum dg_backend_choice backend;
	bool audit;
	unsigned int flight;	      /* syscalls per container ring, 0: off */
	unsigned int event_syscalls; /* of them in each event */
	bool event_syscalls_given;
};

/* Everything the event callback and the reload path need. */
struct enforce_state {
	struct enforce_opts *o;
	struct dg_policy *policy;
	unsigned int src[DG_MAX_RULES]; /* kernel rule -> policy entry */
	struct dg_policy_hdr hdr;
	struct dg_rule_bpf compiled[DG_MAX_RULES];
	struct dg_enforcer *enforcer;
	struct dg_identity_resolver *ids;
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

enum { OPT_BACKEND = 0x100, OPT_EVENTS, OPT_PIDFILE, OPT_AUDIT, OPT_FLIGHT, OPT_EVENT_SYSCALLS };

static const struct argp_option enforce_options[] = {
	{"rules", 'r', "FILE", 0, "Drift rules (YAML, see docs/rules.md)", 0},
	{"backend", OPT_BACKEND, "auto|lsm|signal", 0,
	 "lsm: BPF-LSM refuses the exec (EPERM); signal: SIGKILL before the first instruction; "
	 "auto (default): lsm when BPF-LSM really runs here, else signal",
	 0},
	{"events", OPT_EVENTS, "FILE", 0, "Append one JSON line per decision to FILE (default: stdout)",
	 0},
	{"audit", OPT_AUDIT, NULL, 0, "Only log, whatever the rules' mode says", 0},
	{"flight-recorder", OPT_FLIGHT, "N", 0,
	 "Keep the last N syscalls of every running container in kernel memory (default 256, "
	 "rounded up to a power of two, at most 65536; 0: off), for the events and `driftguard "
	 "dump`. Costs ~170 ns per container syscall, and adds a sys_exit program that every "
	 "syscall of the machine passes through (bench/syscall_cost: ring, watching)",
	 0},
	{"event-syscalls", OPT_EVENT_SYSCALLS, "K", 0,
	 "How many of the container's last syscalls each event carries (default 32, at most N)",
	 0},
	{"pidfile", OPT_PIDFILE, "FILE", 0, "Where `driftguard reload` finds us (" DG_DEFAULT_PIDFILE ")",
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
	case OPT_FLIGHT:
	case OPT_EVENT_SYSCALLS: {
		unsigned int n;

		if (!dg_flight_parse_count(arg, &n))
			argp_error(state, "--%s wants a number of syscalls from 0 to %d, not \"%s\"",
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
	case OPT_BACKEND:
		if (!strcmp(arg, "auto"))
			o->backend = DG_BACKEND_CHOICE_AUTO;
		else if (!strcmp(arg, "lsm"))
			o->backend = DG_BACKEND_CHOICE_LSM;
		else if (!strcmp(arg, "signal"))
			o->backend = DG_BACKEND_CHOICE_SIGNAL;
		else
			argp_error(state, "--backend is auto, lsm or signal, not \"%s\"", arg);
		break;
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
			argp_error(state, "--event-syscalls %u is more than the flight recorder keeps "
					  "(--flight-recorder %u)",
				   o->event_syscalls, o->flight);
		if (o->event_syscalls > o->flight)
			o->event_syscalls = o->flight; /* the default, with a small ring */
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

static const char *origin_names[] = {"upper", "memfd", "off-rootfs", "image"};
static const char *kind_names[] = {"binary", "script", "mapping"};

static const char *bit_name(const char *const *names, size_t n, unsigned int mask)
{
	for (size_t i = 0; i < n; i++)
		if (mask & (1u << i))
			return names[i];
	return "unknown";
}

static json_t *origin_list(unsigned int mask)
{
	json_t *a = json_array();

	for (size_t i = 0; i < 4; i++)
		if (mask & (1u << i))
			json_array_append_new(a, json_string(origin_names[i]));
	return a;
}

static void format_time(long long real_ns, char *buf, size_t len)
{
	time_t secs = (time_t)(real_ns / 1000000000LL);
	struct tm tm;
	char base[32];

	gmtime_r(&secs, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06lldZ", base, (real_ns % 1000000000LL) / 1000);
}

/*
 * "syscalls": the container's last syscalls up to the decision, or null (or
 * empty) and "syscalls_unavailable" saying why (the host, the recorder off,
 * a container found only after the decision).
 */
static void add_syscalls(struct enforce_state *st, const struct dg_exec_event *ev, json_t *line)
{
	json_t *tail = NULL;

	if (!st->flight) {
		json_object_set_new(line, "syscalls_unavailable",
				    json_string("the flight recorder is off (--flight-recorder 0)"));
		json_object_set_new(line, "syscalls", json_null());
		return;
	}
	/*
	 * The event can arrive before the refused syscall returns: give its
	 * return value (EPERM with BPF-LSM) up to ~5 ms to show, in short
	 * steps, so that an exec storm does not stall the event loop.
	 */
	for (int tries = 0; tries < 50; tries++) {
		json_t *last;

		json_decref(tail);
		tail = NULL;
		if (dg_flight_watch_tail(st->flight, ev->cgroup_id, ev->time_ns,
					 st->o->event_syscalls, &tail)) {
			json_object_set_new(line, "syscalls_unavailable", json_string(dg_errmsg()));
			dg_err_clear();
			break;
		}
		last = json_array_get(tail, json_array_size(tail) - 1);
		if (!last || json_integer_value(json_object_get(last, "tid")) != ev->tid ||
		    !json_is_null(json_object_get(last, "ret")))
			break;
		usleep(100);
	}
	if (tail && !json_array_size(tail))
		json_object_set_new(line, "syscalls_unavailable",
				    json_string("nothing recorded before the decision: the container "
						"was found only after it (its ring starts then)"));
	json_object_set_new(line, "syscalls", tail ? tail : json_null());
}

static void on_event(const struct dg_exec_event *ev, void *ctx)
{
	struct enforce_state *st = ctx;
	const struct dg_drift_rule *rule = NULL;
	struct dg_identity ident;
	json_t *line, *container;
	char when[48], reason[96];
	char *text;

	if (ev->rule < DG_MAX_RULES && st->src[ev->rule] < st->policy->n_rules)
		rule = &st->policy->rules[st->src[ev->rule]];
	/* The recorder's copy first: a container that just exited is gone from its state. */
	if ((st->flight && dg_flight_watch_identity(st->flight, ev->cgroup_id, &ident) == 0) ||
	    dg_identity_resolve_id(st->ids, ev->cgroup_id, &ident) == 0) {
		char display[512];

		container = json_pack("{s:s, s:s, s:s, s:s}", "runtime", dg_runtime_name(ident.runtime),
				      "id", ident.id, "name", ident.name, "display",
				      dg_identity_display(&ident, display, sizeof(display)));
	} else {
		container = json_pack("{s:s}", "runtime", "host");
	}
	format_time((long long)ev->time_ns + st->mono_to_real_ns, when, sizeof(when));
	snprintf(reason, sizeof(reason), "%s %s",
		 bit_name(origin_names, 4, ev->origin), bit_name(kind_names, 3, ev->kind));
	line = json_pack("{s:s, s:o, s:I, s:I, s:I, s:s, s:s, s:b, s:b, s:b, s:o, s:s, s:s, s:s, "
			 "s:s, s:s}",
			 "time", when, "container", container, "cgroup_id",
			 (json_int_t)ev->cgroup_id, "pid", (json_int_t)ev->pid, "tid",
			 (json_int_t)ev->tid, "comm", ev->comm, "path", ev->path, "path_complete",
			 ev->path_full, "fupper_layer", ev->fupper, "eupper_layer", ev->eupper,
			 "origin", origin_list(ev->origin), "kind",
			 bit_name(kind_names, 3, ev->kind), "reason", reason, "rule",
			 rule ? rule->name : "?", "action",
			 ev->action == DG_VERDICT_BLOCK ? "block" : "audit", "backend",
			 ev->backend == DG_BACKEND_LSM ? "lsm" : "signal");
	if (!line)
		return;
	add_syscalls(st, ev, line);
	text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text) {
		fprintf(st->out, "%s\n", text);
		fflush(st->out);
	}
	free(text);
	json_decref(line);
}

/* Load, compile and install the rules file; on any error the running policy stays. */
static int load_policy(struct enforce_state *st)
{
	struct dg_container_resolver resolver = dg_live_resolver();
	struct dg_rule_bpf compiled[DG_MAX_RULES];
	unsigned int src[DG_MAX_RULES];
	struct dg_policy_hdr hdr;
	struct dg_policy *p = NULL;
	int rc;

	rc = dg_policy_load_file(st->o->rules, &p);
	if (rc)
		return rc;
	memset(compiled, 0, sizeof(compiled));
	rc = dg_policy_compile_map(p, &resolver, &hdr, compiled, src);
	if (rc) {
		dg_policy_free(p);
		return dg_err_wrap(rc, "compiling %s", st->o->rules);
	}
	if (st->o->audit)
		hdr.audit_only = 1;
	rc = dg_enforcer_set_policy(st->enforcer, &hdr, compiled);
	if (rc) {
		dg_policy_free(p);
		return rc;
	}
	dg_policy_free(st->policy);
	st->policy = p;
	st->hdr = hdr;
	memcpy(st->compiled, compiled, sizeof(compiled));
	memcpy(st->src, src, sizeof(src));
	return 0;
}

/*
 * Containers come and go: selectors by id, name or cgroup are resolved
 * again, and the policy swapped when what they select changed.
 */
static void refresh_selectors(struct enforce_state *st)
{
	struct dg_container_resolver resolver = dg_live_resolver();
	struct dg_rule_bpf compiled[DG_MAX_RULES];
	unsigned int src[DG_MAX_RULES];
	struct dg_policy_hdr hdr;

	memset(compiled, 0, sizeof(compiled));
	if (dg_policy_compile_map(st->policy, &resolver, &hdr, compiled, src)) {
		dg_warn("re-resolving containers: %s; keeping the running policy", dg_errmsg());
		return;
	}
	if (st->o->audit)
		hdr.audit_only = 1;
	if (!memcmp(&hdr, &st->hdr, sizeof(hdr)) && !memcmp(compiled, st->compiled, sizeof(compiled)))
		return;
	if (dg_enforcer_set_policy(st->enforcer, &hdr, compiled)) {
		dg_warn("updating the policy: %s; keeping the running one", dg_errmsg());
		return;
	}
	st->hdr = hdr;
	memcpy(st->compiled, compiled, sizeof(compiled));
	memcpy(st->src, src, sizeof(src));
	dg_debug("containers changed: policy re-resolved");
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

static long long mono_to_real(void)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	return (real.tv_sec - mono.tv_sec) * 1000000000LL + (real.tv_nsec - mono.tv_nsec);
}

DG_DEFINE_CLEANUP(struct dg_enforcer *, dg_enforcer_close)
DG_DEFINE_CLEANUP(struct dg_flight_watch *, dg_flight_watch_free)
DG_DEFINE_CLEANUP(struct dg_policy *, dg_policy_free)

static int run(struct enforce_opts *o)
{
	_cleanup_(dg_identity_resolver_freep) struct dg_identity_resolver *ids = NULL;
	_cleanup_(dg_enforcer_closep) struct dg_enforcer *enforcer = NULL;
	_cleanup_(dg_flight_watch_freep) struct dg_flight_watch *flight = NULL;
	_cleanup_(dg_policy_freep) struct dg_policy *check = NULL;
	_cleanup_fclose_ FILE *events = NULL;
	struct enforce_state st = {.o = o, .out = stdout};
	struct sigaction stop_sa = {.sa_handler = on_stop}, hup_sa = {.sa_handler = on_hup};
	struct dg_enforcer_stats stats;
	time_t last_refresh = 0;
	char why[512];
	int rc;

	/* The rules first: a bad file must fail before anything is loaded. */
	rc = dg_policy_load_file(o->rules, &check);
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
	rc = dg_identity_resolver_new(NULL, NULL, &ids);
	if (rc)
		return dg_err_wrap(rc, "container identity");
	st.ids = ids;
	st.mono_to_real_ns = mono_to_real();
	/* The recorder first: containers it finds now have a ring before any decision. */
	if (o->flight) {
		rc = dg_flight_watch_new(o->flight, NULL, &flight);
		if (rc)
			return dg_err_wrap(rc, "flight recorder (--flight-recorder 0 enforces without "
					       "it)");
		dg_flight_watch_refresh(flight);
		st.flight = flight;
	}
	rc = dg_enforcer_open(o->backend, on_event, &st, &enforcer, why, sizeof(why));
	if (rc)
		return rc;
	st.enforcer = enforcer;
	rc = load_policy(&st);
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
		struct pollfd fds[2] = {{.fd = dg_enforcer_fd(enforcer), .events = POLLIN},
					{.fd = flight ? dg_flight_watch_fd(flight) : -1,
					 .events = POLLIN}};

		/* Events, or a container starting (its ring must exist before it drifts). */
		if (poll(fds, 2, 200) < 0 && errno != EINTR) {
			rc = dg_err(errno, "poll: %s", strerror(errno));
			break;
		}
		rc = dg_enforcer_poll(enforcer, 0);
		if (rc && rc != -EINTR)
			break;
		rc = 0;
		/* After the events: they still find a container that has just gone. */
		if (flight)
			dg_flight_watch_refresh(flight);
		if (reload) {
			reload = 0;
			if (load_policy(&st))
				dg_warn("reload of %s failed, keeping the running policy: %s",
					o->rules, dg_errmsg());
			else
				dg_info("reloaded %zu rules from %s", st.policy->n_rules, o->rules);
		}
		if (has_selectors(st.policy) && time(NULL) != last_refresh) {
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
	dg_policy_free(st.policy);
	return rc;
}

int cmd_enforce(int argc, char **argv)
{
	struct enforce_opts o = {.backend = DG_BACKEND_CHOICE_AUTO,
				 .flight = DG_DEFAULT_FLIGHT,
				 .event_syscalls = DG_DEFAULT_EVENT_SYSCALLS};
	int rc;

	argp_parse(&enforce_argp, argc, argv, 0, NULL, &o);
	rc = run(&o);
	if (rc < 0) {
		fprintf(stderr, "driftguard enforce: %s\n", dg_errmsg());
		return 1;
	}
	return 0;
}

static const struct argp_option reload_options[] = {
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
	       "with errors is refused there and the running policy stays; see its log.",
};

int cmd_reload(int argc, char **argv)
{
	const char *pidfile = DG_DEFAULT_PIDFILE;
	_cleanup_fclose_ FILE *f = NULL;
	int pid = 0;

	argp_parse(&reload_argp, argc, argv, 0, NULL, &pidfile);
	f = fopen(pidfile, "re");
	if (!f || fscanf(f, "%d", &pid) != 1 || pid <= 0) {
		fprintf(stderr, "driftguard reload: no running enforcer found through %s: %s\n",
			pidfile, f ? "no pid in it" : strerror(errno));
		return 1;
	}
	if (kill(pid, SIGHUP)) {
		fprintf(stderr, "driftguard reload: cannot signal pid %d (from %s): %s\n", pid,
			pidfile, strerror(errno));
		return 1;
	}
	return 0;
}
