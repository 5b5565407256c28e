// SPDX-License-Identifier: GPL-2.0-only
/*
 * driftguard learn: record what a command or a container does and write a
 * least-privilege OCI seccomp profile.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "cli/commands.h"
#include "config.h"
#include "containers/container.h"
#include "generator/cap_recorder.h"
#include "common/errors.h"
#include "flight/flight.h"
#include "containers/identity.h"
#include "generator/learn_bundle.h"
#include "generator/learned.h"
#include "generator/recorder.h"

enum gate_mode { GATE_AUTO, GATE_NONE, GATE_SECCOMP };

struct learn_opts {
	const char *output;
	const char *container;
	const char *runtime_root;
	double duration; /* seconds, 0 = until exit */
	enum gate_mode gate;
	unsigned int flight; /* flight recorder entries per session, 0 = off */
	char **cmd;
	/* --caps FILE (NULL: not asked for), --caps-format, and the recorder (NULL: unavailable) */
	const char *caps;
	enum dg_caps_format caps_format;
	struct dg_caps *capr;
	struct dg_flight_pub pub; /* what was published for `driftguard dump` */
	char subject[1024];	  /* what is learned, for the profile's comment */
};

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

enum { OPT_GATE = 0x100, OPT_RUNTIME_ROOT, OPT_CAPS, OPT_CAPS_FORMAT, OPT_FLIGHT };

static const struct argp_option learn_options[] = {
	{"output", 'o', "FILE", 0, "Write the seccomp profile to FILE (\"-\": stdout)", 0},
	{"container", 'c', "ID", 0, "Record the running container ID instead of a command", 0},
	{"runtime-root", OPT_RUNTIME_ROOT, "DIR", 0,
	 "State directory of the OCI runtime (default " DG_RUNC_ROOT ")", 0},
	{"duration", 'd', "SECONDS", 0, "Stop recording after SECONDS", 0},
	{"gate", OPT_GATE, "auto|none|seccomp", 0,
	 "When a task's syscalls start to count: none = from the first instruction; seccomp = "
	 "once the task runs under a seccomp filter (a container runtime's init); auto = "
	 "seccomp for an OCI runtime's run/create, else none",
	 0},
	{"flight-recorder", OPT_FLIGHT, "N", 0,
	 "Keep the last N syscalls (256 is a good size; rounded up to a power of two, at most "
	 "65536) with their arguments and return values in kernel memory, for `driftguard "
	 "dump`. Off by default: it adds a sys_exit program on every syscall of the machine "
	 "and ~170 ns per recorded syscall (bench/syscall_cost)",
	 0},
	{"caps", OPT_CAPS, "FILE", 0,
	 "Also learn the capabilities the workload uses and write its capability sets to FILE "
	 "(\"-\": stdout); granted and denied checks are reported on stderr",
	 0},
	{"caps-format", OPT_CAPS_FORMAT, "oci|k8s", 0,
	 "oci (default): the process.capabilities object of config.json; k8s: a "
	 "securityContext.capabilities snippet (drop ALL, add what was used)",
	 0},
	{"verbose", 'v', NULL, 0, "Print debug messages (libbpf's too)", 0},
	{"quiet", 'q', NULL, 0, "Print only errors", 0},
	{0},
};

static error_t learn_parse(int key, char *arg, struct argp_state *state)
{
	struct learn_opts *o = state->input;
	char *end;

	switch (key) {
	case 'o':
		o->output = arg;
		break;
	case 'c':
		o->container = arg;
		break;
	case OPT_RUNTIME_ROOT:
		o->runtime_root = arg;
		break;
	case 'd':
		errno = 0;
		o->duration = strtod(arg, &end);
		if (errno || *end || o->duration <= 0)
			argp_error(state, "--duration wants a positive number of seconds, not \"%s\"",
				   arg);
		break;
	case OPT_GATE:
		if (!strcmp(arg, "auto"))
			o->gate = GATE_AUTO;
		else if (!strcmp(arg, "none"))
			o->gate = GATE_NONE;
		else if (!strcmp(arg, "seccomp"))
			o->gate = GATE_SECCOMP;
		else
			argp_error(state, "--gate is auto, none or seccomp, not \"%s\"", arg);
		break;
	case OPT_FLIGHT:
		if (!dg_flight_parse_count(arg, &o->flight))
			argp_error(state, "--flight-recorder wants a number of syscalls from 0 to %d, "
					  "not \"%s\"",
				   DG_FLIGHT_MAX, arg);
		break;
	case OPT_CAPS:
		o->caps = arg;
		break;
	case OPT_CAPS_FORMAT:
		if (dg_caps_format_parse(arg, &o->caps_format))
			argp_error(state, "--caps-format is oci or k8s, not \"%s\"", arg);
		break;
	case 'v':
		dg_verbose = true;
		break;
	case 'q':
		dg_quiet = true;
		break;
	case ARGP_KEY_ARG:
		/* The command and everything after it belong to the command. */
		o->cmd = &state->argv[state->next - 1];
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (!o->output)
			argp_error(state, "-o FILE is required: where to write the profile");
		if (!o->cmd == !o->container)
			argp_error(state, "give either a command (after --) or --container ID");
		if (o->container && o->gate == GATE_SECCOMP)
			argp_error(state, "--gate seccomp only applies to a command");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp learn_argp = {
	.options = learn_options,
	.parser = learn_parse,
	.args_doc = "-o FILE -- CMD [ARG...]\n-o FILE --container ID",
	.doc = "Record the syscalls of a command's whole process tree, from its first "
	       "instruction, or of a running container, and write a least-privilege OCI "
	       "seccomp profile (default SCMP_ACT_ERRNO).\v"
	       "The profile is written when the command exits, on Ctrl-C/SIGTERM (then again "
	       "with the final data when the command has exited) or after --duration; the "
	       "command's exit status is passed through. Learning `RUNTIME run|create [-b "
	       "BUNDLE] ID` (runc, crun, ...) gives the runtime a copy of the bundle with a "
	       "permissive learning filter, so that only what runs under the final filter is "
	       "recorded. Exit status: the command's, or 125 when driftguard itself fails, 2 on "
	       "bad usage.",
};

/* Fail before the workload runs, not after, if the profile cannot be written. */
static int check_output_dir(const char *output)
{
	_cleanup_free_ char *copy = NULL;
	const char *dir;

	if (!strcmp(output, "-"))
		return 0;
	copy = strdup(output);
	if (!copy)
		return dg_err(ENOMEM, "out of memory");
	dir = dirname(copy);
	if (access(dir, W_OK | X_OK))
		return dg_err(errno, "cannot write the profile into %s: %s", dir, strerror(errno));
	return 0;
}

DG_DEFINE_CLEANUP(struct dg_recorder *, dg_recorder_close)
DG_DEFINE_CLEANUP(struct dg_caps *, dg_caps_close)

static void unpublishp(struct learn_opts *o)
{
	dg_flight_unpublish(&o->pub);
}
DG_DEFINE_CLEANUP(struct dg_profile *, dg_profile_free)

/*
 * The profile's "comment": what it was learned from, when, on which kernel,
 * so that a profile file names its container (runtimes ignore the key).
 */
static int set_comment(struct dg_profile *p, const char *subject)
{
	char when[32], comment[1536];
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "?");
	snprintf(comment, sizeof(comment), "learned by driftguard %s from %s, %s, kernel %s",
		 DG_VERSION, subject, when, u.release);
	return dg_profile_set_comment(p, comment);
}

static int write_profile(struct dg_recorder *r, unsigned int session, unsigned int learned_flags,
			 const char *output, const char *subject)
{
	_cleanup_(dg_profile_freep) struct dg_profile *p = NULL;
	_cleanup_free_ struct dg_syscalls *s = NULL;
	uint64_t lost;
	int rc;

	s = calloc(1, sizeof(*s));
	if (!s)
		return dg_err(ENOMEM, "out of memory");
	rc = dg_recorder_read(r, session, s);
	if (rc)
		return rc;
	lost = dg_recorder_lost_tasks(r);
	if (lost)
		dg_warn("%llu task(s) could not be followed (no task storage); their syscalls "
			"are missing from the profile",
			(unsigned long long)lost);
	rc = dg_profile_from_syscalls(s, learned_flags, &p);
	if (rc)
		return dg_err_wrap(rc, "building the profile");
	rc = set_comment(p, subject);
	if (rc)
		return rc;
	rc = dg_profile_write_file(p, output);
	if (rc)
		return dg_err_wrap(rc, "writing %s", output);
	dg_info("recorded %u x86_64, %u i386, %u x32 syscalls; wrote %s",
		dg_syscalls_count(s, DG_ABI_X86_64), dg_syscalls_count(s, DG_ABI_I386),
		dg_syscalls_count(s, DG_ABI_X32), output);
	return 0;
}

static void install_stop_handlers(void)
{
	struct sigaction sa = {.sa_handler = on_stop};

	/* No SA_RESTART: waits return EINTR so the loop sees the signal. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
}

static void arm_duration(double seconds)
{
	struct itimerval it = {0};

	if (seconds <= 0)
		return;
	it.it_value.tv_sec = (time_t)seconds;
	it.it_value.tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6);
	setitimer(ITIMER_REAL, &it, NULL);
}

static int exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return 1;
}

/*
 * fork; the child stops itself with its last syscall before the workload
 * (kill SIGSTOP, entered before it is registered), the parent registers it
 * and lets it go: the first syscall recorded is the execve itself, so nothing
 * of driftguard's and nothing of the workload's start-up is mixed up.
 */
static int spawn_recorded(struct dg_recorder *r, unsigned int session, unsigned int flags,
			  char **cmd, pid_t *out)
{
	int status[2], rc, wstatus, child_errno = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(status, O_CLOEXEC))
		return dg_err(errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return dg_err(errno, "fork: %s", strerror(errno));
	if (pid == 0) {
		long self = syscall(SYS_getpid);
		int e;

		close(status[0]);
		syscall(SYS_kill, self, SIGSTOP);
		execvp(cmd[0], cmd);
		e = errno;
		(void)!write(status[1], &e, sizeof(e));
		_exit(127);
	}
	close(status[1]);
	if (waitpid(pid, &wstatus, WUNTRACED) != pid || !WIFSTOPPED(wstatus)) {
		close(status[0]);
		return dg_err(ECHILD, "the child for %s did not reach its start line", cmd[0]);
	}
	rc = dg_recorder_track_pid(r, session, pid, flags);
	if (rc) {
		close(status[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return rc;
	}
	kill(pid, SIGCONT);
	n = read(status[0], &child_errno, sizeof(child_errno));
	close(status[0]);
	if (n == sizeof(child_errno)) {
		waitpid(pid, NULL, 0);
		return dg_err(child_errno, "cannot run %s: %s", cmd[0], strerror(child_errno));
	}
	*out = pid;
	return 0;
}

/*
 * Pin the flight recorder and write the index `driftguard dump` reads
 * (flight.h). `s` (stolen) is the session's entry. Without it learning
 * still works, so a failure is a warning.
 */
static void publish_flight(struct learn_opts *o, struct dg_recorder *r, unsigned int session,
			   json_t *s)
{
	_cleanup_(json_decrefp) json_t *sessions = json_array();
	int ring_fd, heads_fd, rc;

	if (!dg_recorder_flight_entries(r)) {
		json_decref(s);
		return;
	}
	if (!sessions || !s || json_object_set_new(s, "session", json_integer(session)) ||
	    json_array_append_new(sessions, s)) {
		dg_warn("flight recorder: out of memory; `driftguard dump` will not find this one");
		return;
	}
	rc = dg_recorder_flight_fds(r, &ring_fd, &heads_fd);
	if (!rc)
		rc = dg_flight_publish(&o->pub, "learn", ring_fd, heads_fd,
				       dg_recorder_flight_entries(r), sessions);
	if (rc) {
		dg_warn("%s; `driftguard dump` will not find this session", dg_errmsg());
		dg_err_clear();
		return;
	}
	dg_debug("flight recorder: last %u syscalls, pinned in %s, index %s",
		 dg_recorder_flight_entries(r), o->pub.pin_dir, o->pub.index);
}

static json_t *command_session(char **cmd, pid_t pid)
{
	char name[32];
	json_t *s, *argv;

	snprintf(name, sizeof(name), "cmd:%d", (int)getpid());
	argv = json_array();
	for (char **a = cmd; argv && *a; a++)
		if (json_array_append_new(argv, json_string(*a))) {
			json_decref(argv);
			return NULL;
		}
	s = json_pack("{s:s, s:i, s:o}", "name", name, "pid", (int)pid, "command", argv);
	return s;
}

static json_t *container_session(struct learn_opts *o, const struct dg_container *c)
{
	struct dg_identity ident;
	char name[512];
	json_t *ident_json = NULL;

	if (dg_identity_from_runc(o->runtime_root ?: DG_RUNC_ROOT, c->id, NULL, &ident) ||
	    dg_identity_to_json(&ident, &ident_json)) {
		dg_err_clear();
		dg_debug("container %s: no identity beyond its id", c->id);
		snprintf(name, sizeof(name), "%s", c->id);
		ident_json = json_pack("{s:s, s:i}", "id", c->id, "init_pid", (int)c->init_pid);
	} else {
		dg_identity_display(&ident, name, sizeof(name));
	}
	snprintf(o->subject, sizeof(o->subject), "container %s", name);
	return json_pack("{s:s, s:o}", "name", name, "container", ident_json);
}

/*
 * --caps: start the session's capability recording. A runtime's container
 * (gate) counts from the container's exec; its learning bundle gives the
 * process every capability, so the workload's checks succeed and are seen.
 */
static int start_caps(struct learn_opts *o, unsigned int session, enum dg_caps_gate gate,
		      const char *bundle_dir)
{
	int rc;

	if (!o->capr)
		return 0;
	rc = dg_caps_track_session(o->capr, session, gate);
	if (rc || !bundle_dir)
		return rc;
	rc = dg_caps_widen_bundle(bundle_dir);
	if (rc)
		return dg_err_wrap(rc, "giving the learning bundle every capability");
	dg_info("learning capabilities (%s): the container gets every capability while "
		"learning; what it uses is written to %s",
		dg_caps_backend(o->capr), o->caps);
	return 0;
}

static int write_caps(struct learn_opts *o, unsigned int session)
{
	return o->capr ? dg_caps_write(o->capr, session, o->caps, o->caps_format) : 0;
}

static int learn_command(struct learn_opts *o, struct dg_recorder *r, unsigned int session)
{
	struct dg_learn_bundle bundle = {0};
	_cleanup_free_ char **runtime_argv = NULL;
	char **cmd = o->cmd;
	unsigned int flags = 0, learned_flags = 0;
	int rc, wstatus = 0, exit_code;
	pid_t pid = -1, w;
	size_t used;

	/* "`runc run -b b web-1`": the command line names the container, if any. */
	used = (size_t)snprintf(o->subject, sizeof(o->subject), "`");
	for (char **a = o->cmd; *a && used < sizeof(o->subject); a++)
		used += (size_t)snprintf(o->subject + used, sizeof(o->subject) - used, "%s%s",
					 a == o->cmd ? "" : " ", *a);
	if (used < sizeof(o->subject))
		snprintf(o->subject + used, sizeof(o->subject) - used, "`");

	if (o->gate != GATE_NONE) {
		rc = dg_learn_bundle_prepare(o->cmd, &bundle, &runtime_argv);
		if (rc < 0)
			return dg_err_wrap(rc, "preparing the learning bundle");
		if (rc > 0) {
			cmd = runtime_argv;
			flags = DG_TASK_GATE_SECCOMP;
			learned_flags = DG_LEARNED_RUNTIME_TAIL;
			dg_info("learning an OCI runtime's container: the runtime gets %s with a "
				"permissive learning filter; recording starts where the final "
				"filter will apply%s",
				bundle.dir,
				bundle.replaced_seccomp ? " (the bundle's own seccomp profile is "
							  "replaced while learning)"
							: "");
		} else if (o->gate == GATE_SECCOMP) {
			flags = DG_TASK_GATE_SECCOMP;
		}
	}

	rc = start_caps(o, session,
			flags & DG_TASK_GATE_SECCOMP ? DG_CAPS_GATE_EXEC : DG_CAPS_GATE_NONE,
			bundle.dir[0] ? bundle.dir : NULL);
	if (rc) {
		dg_learn_bundle_cleanup(&bundle);
		return rc;
	}
	install_stop_handlers();
	rc = spawn_recorded(r, session, flags, cmd, &pid);
	if (rc) {
		dg_learn_bundle_cleanup(&bundle);
		return rc;
	}
	arm_duration(o->duration);
	publish_flight(o, r, session, command_session(o->cmd, pid));

	for (;;) {
		w = waitpid(pid, &wstatus, 0);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			rc = dg_err(errno, "waitpid: %s", strerror(errno));
			break;
		}
		if (stop_signal) {
			int sig = stop_signal == SIGALRM ? SIGTERM : stop_signal;

			/* Keep what we have, then let the workload shut down. */
			stop_signal = 0;
			dg_info("%s: writing the profile, then stopping %s (pid %d)",
				sig == SIGTERM ? "time is up or SIGTERM" : "interrupted", cmd[0],
				pid);
			rc = write_profile(r, session, learned_flags, o->output, o->subject);
			rc = rc ?: write_caps(o, session);
			if (rc)
				break;
			kill(pid, sig);
		}
	}
	dg_learn_bundle_cleanup(&bundle);
	if (rc)
		return rc;
	exit_code = exit_status(wstatus);
	rc = write_profile(r, session, learned_flags, o->output, o->subject);
	rc = rc ?: write_caps(o, session);
	if (rc)
		return rc;
	if (exit_code)
		dg_info("%s exited with status %d", cmd[0], exit_code);
	return exit_code;
}

static int learn_container(struct learn_opts *o, struct dg_recorder *r, unsigned int session)
{
	struct dg_container c;
	_cleanup_close_ int pidfd = -1;
	int rc;

	rc = dg_container_find(o->runtime_root ?: DG_RUNC_ROOT, o->container, &c);
	if (rc)
		return rc;
	pidfd = (int)syscall(SYS_pidfd_open, c.init_pid, 0);
	if (pidfd < 0)
		return dg_err(errno, "container \"%s\" (pid %d): %s", c.id, c.init_pid,
			      strerror(errno));
	rc = start_caps(o, session, DG_CAPS_GATE_NONE, NULL);
	if (rc)
		return rc;
	rc = dg_recorder_watch_cgroup(r, session, c.cgroup_id, 0);
	if (rc)
		return rc;
	publish_flight(o, r, session, container_session(o, &c));
	dg_info("recording container %s (init pid %d, cgroup %s) until it exits%s", c.id,
		c.init_pid, c.cgroup_path, o->duration > 0 ? " or --duration is up" : "");
	install_stop_handlers();
	arm_duration(o->duration);
	for (;;) {
		struct pollfd pfd = {.fd = pidfd, .events = POLLIN};

		if (poll(&pfd, 1, -1) > 0)
			break; /* the container's init exited */
		if (errno != EINTR)
			return dg_err(errno, "poll: %s", strerror(errno));
		if (stop_signal)
			break;
	}
	rc = write_profile(r, session, 0, o->output, o->subject);
	return rc ?: write_caps(o, session);
}

int cmd_learn(int argc, char **argv)
{
	/* Declared first, so released last: the pins go after the recorder. */
	_cleanup_(unpublishp) struct learn_opts o = {.gate = GATE_AUTO,
						      .flight = 0};
	_cleanup_(dg_recorder_closep) struct dg_recorder *r = NULL;
	_cleanup_(dg_caps_closep) struct dg_caps *capr = NULL;
	struct dg_recorder_opts ropts;
	unsigned int session;
	int rc;

	argp_parse(&learn_argp, argc, argv, ARGP_IN_ORDER, NULL, &o);
	rc = check_output_dir(o.output);
	if (!rc && o.caps)
		rc = check_output_dir(o.caps);
	if (rc)
		goto fail;
	if (geteuid() != 0) {
		rc = dg_err(EPERM, "recording needs root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN); "
				   "run it with sudo");
		goto fail;
	}
	/* One session per learn: one ring. */
	ropts = (struct dg_recorder_opts){.flight_entries = o.flight, .flight_rings = 1};
	rc = dg_recorder_open_opts(&ropts, &r);
	if (rc)
		goto fail;
	rc = dg_recorder_new_session(r, &session, NULL);
	if (rc)
		goto fail;
	if (o.caps) {
		rc = dg_caps_open(r, &capr);
		if (rc == -EOPNOTSUPP) {
			dg_warn("%s; %s is not written, the seccomp profile is learned anyway",
				dg_errmsg(), o.caps);
			dg_err_clear();
		} else if (rc) {
			goto fail;
		}
		o.capr = capr;
	}
	rc = o.container ? learn_container(&o, r, session) : learn_command(&o, r, session);
	if (rc >= 0)
		return rc;
fail:
	fprintf(stderr, "driftguard learn: %s\n", dg_errmsg());
	/* Like env(1) and container runtimes: 125 is "the wrapper failed", not CMD. */
	return 125;
}
