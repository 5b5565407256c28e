// SPDX-License-Identifier: GPL-2.0-only
/*
 * driftguard learn: running the workload under recording (a command, an OCI
 * runtime's container through a learning bundle, or a running container),
 * stopping it, and writing the outputs when it is done or told to stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/learn.h"
#include "common/cleanup.h"
#include "common/errors.h"
#include "containers/cgroups.h"
#include "containers/engine_names.h"
#include "containers/identity.h"
#include "containers/inventory.h"
#include "containers/lookup.h"
#include "containers/procfs.h"
#include "containers/runtime_state.h"
#include "generator/engine_cli.h"
#include "generator/learn_bundle.h"
#include "generator/learned.h"

static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
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
static void publish_flight(struct learn_run *run, json_t *s)
{
	_cleanup_(json_decrefp) json_t *sessions = json_array();
	unsigned int entries = dg_recorder_flight_entries(run->rec);
	int ring_fd, heads_fd, rc;

	if (!entries) {
		json_decref(s);
		return;
	}
	if (!sessions || !s || json_object_set_new(s, "session", json_integer(run->session)) ||
	    json_array_append_new(sessions, s)) {
		dg_warn("flight recorder: out of memory; `driftguard dump` will not find this one");
		return;
	}
	rc = dg_recorder_flight_fds(run->rec, &ring_fd, &heads_fd);
	if (!rc)
		rc = dg_flight_publish(&run->pub, "learn", ring_fd, heads_fd, entries, sessions);
	if (rc) {
		dg_warn("%s; `driftguard dump` will not find this session", dg_errmsg());
		dg_err_clear();
		return;
	}
	dg_debug("flight recorder: last %u syscalls, pinned in %s, index %s", entries,
		 run->pub.pin_dir, run->pub.index);
}

void learn_run_unpublish(struct learn_run *run)
{
	dg_flight_unpublish(&run->pub);
}

/*
 * --caps: start the session's capability recording. A runtime's container
 * (gate) counts from the container's exec; its learning bundle gives the
 * process every capability, so the workload's checks succeed and are seen.
 */
static int start_caps(struct learn_run *run, enum dg_caps_gate gate, const char *bundle_dir)
{
	int rc;

	if (!run->capr)
		return 0;
	rc = dg_caps_track_session(run->capr, run->session, gate);
	if (rc || !bundle_dir)
		return rc;
	rc = dg_caps_widen_bundle(bundle_dir);
	if (rc)
		return dg_err_wrap(rc, "giving the learning bundle every capability");
	dg_info("learning capabilities (%s): the container gets every capability while "
		"learning; what it uses is written to %s",
		dg_caps_backend(run->capr), run->o->caps);
	return 0;
}

static int write_outputs(const struct learn_run *run, bool container, bool partial)
{
	int rc = learn_write_profile(run, container, partial);

	return rc ?: learn_write_caps(run);
}

int learn_run_command(struct learn_run *run)
{
	const struct learn_opts *o = run->o;
	struct dg_learn_bundle bundle = {0};
	_cleanup_free_ char **runtime_argv = NULL;
	char **cmd = o->cmd;
	unsigned int flags = 0;
	bool container = false;
	int rc, wstatus = 0, exit_code;
	bool stopped = false;
	pid_t pid = -1, w;

	/* The command line names the container, if any. */
	learn_command_subject(o->cmd, run->subject, sizeof(run->subject));
	if (o->gate != GATE_NONE) {
		rc = dg_learn_bundle_prepare(o->cmd, &bundle, &runtime_argv);
		if (rc < 0)
			return dg_err_wrap(rc, "preparing the learning bundle");
		if (rc > 0) {
			cmd = runtime_argv;
			flags = DG_TASK_GATE_SECCOMP;
			container = true;
			run->from_exec = true;
			run->nothing_hint = "the runtime failed before it started the container's "
					    "process; see its messages above";
			dg_info("learning an OCI runtime's container: the runtime gets %s with a "
				"permissive learning filter; recording starts where the final "
				"filter will apply%s",
				bundle.dir,
				bundle.replaced_seccomp ? " (the bundle's own seccomp profile is "
							  "replaced while learning)"
							: "");
		} else if (dg_engine_cli_of(o->cmd, NULL, 0) == DG_CLI_PODMAN) {
			/* podman -> conmon -> runc: only the container gets a filter. */
			flags = DG_TASK_GATE_SECCOMP;
			container = true;
			run->from_exec = true;
			run->nothing_hint = "no task ran under a seccomp filter: podman failed "
					    "before it started the container (see its messages "
					    "above), or the container runs without one "
					    "(--privileged, --security-opt seccomp=unconfined)";
			dg_info("learning podman's container: recording starts where podman's "
				"seccomp filter applies (--gate seccomp); what that profile denies "
				"is not recorded and stays denied");
		} else if (o->gate == GATE_SECCOMP) {
			flags = DG_TASK_GATE_SECCOMP;
			run->nothing_hint = "no task of the command ran under a seccomp filter, so "
					    "the gate never opened; --gate none records from the "
					    "first instruction";
		}
	}

	rc = start_caps(run, flags & DG_TASK_GATE_SECCOMP ? DG_CAPS_GATE_EXEC : DG_CAPS_GATE_NONE,
			bundle.dir[0] ? bundle.dir : NULL);
	if (rc) {
		dg_learn_bundle_cleanup(&bundle);
		return rc;
	}
	install_stop_handlers();
	rc = spawn_recorded(run->rec, run->session, flags, cmd, &pid);
	if (rc) {
		dg_learn_bundle_cleanup(&bundle);
		return rc;
	}
	arm_duration(o->duration);
	publish_flight(run, dg_flight_command_session(o->cmd, pid));

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
			rc = write_outputs(run, container, false);
			if (rc == -ENODATA) {
				/* Not yet: the final write decides, once it has stopped. */
				dg_info("%s", dg_errmsg());
				dg_err_clear();
				rc = 0;
			}
			if (rc)
				break;
			stopped = true;
			kill(pid, sig);
		}
	}
	dg_learn_bundle_cleanup(&bundle);
	if (rc)
		return rc;
	exit_code = exit_status(wstatus);
	/* A workload learn stopped ended as asked: its profile is complete. */
	rc = write_outputs(run, container, exit_code != 0 && !stopped);
	if (rc == -ENODATA && exit_code)
		return dg_err_wrap(rc, "%s exited with status %d", cmd[0], exit_code);
	if (rc)
		return rc;
	if (exit_code)
		dg_info("%s exited with status %d", cmd[0], exit_code);
	return exit_code;
}

/* Until the container's init (pidfd) exits, or a stop signal (SIGINT, SIGTERM, --duration). */
static int wait_for_init(int pidfd)
{
	for (;;) {
		struct pollfd pfd = {.fd = pidfd, .events = POLLIN};

		if (poll(&pfd, 1, -1) > 0)
			return 0; /* the container's init exited */
		if (errno != EINTR)
			return dg_err(errno, "poll: %s", strerror(errno));
		if (stop_signal)
			return 0;
	}
}

int learn_run_container(struct learn_run *run)
{
	const struct learn_opts *o = run->o;
	_cleanup_free_ struct dg_container_to_record *c = calloc(1, sizeof(*c));
	_cleanup_close_ int pidfd = -1;
	char name[512];
	int rc;

	if (!c)
		return dg_err(ENOMEM, "out of memory");
	rc = dg_container_to_record(o->runtime_root ?: DG_RUNC_STATE_ROOT, o->container, c);
	if (rc)
		return rc;
	pidfd = (int)syscall(SYS_pidfd_open, c->ident.init_pid, 0);
	if (pidfd < 0)
		return dg_err(errno, "container \"%s\" (pid %d): %s", c->ident.id,
			      c->ident.init_pid, strerror(errno));
	rc = start_caps(run, DG_CAPS_GATE_NONE, NULL);
	if (rc)
		return rc;
	run->nothing_hint = "the container made no syscall while it was recorded";
	rc = dg_recorder_watch_cgroup(run->rec, run->session, c->init_cgroup_id, 0);
	if (rc)
		return rc;
	snprintf(run->subject, sizeof(run->subject), "container %s",
		 dg_identity_display(&c->ident, name, sizeof(name)));
	publish_flight(run, dg_flight_container_session(&c->ident));
	dg_info("recording container %s (init pid %d, cgroup %s) until it exits%s", c->ident.id,
		c->ident.init_pid, c->init_cgroup, o->duration > 0 ? " or --duration is up" : "");
	install_stop_handlers();
	arm_duration(o->duration);
	rc = wait_for_init(pidfd);
	return rc ? rc : write_outputs(run, true, false);
}

/*
 * --next: how long a docker or podman container's name is looked for again
 * when its engine's records do not have it yet, while its process is held
 * at the exec fifo (see dg_engine_name_fill_held).
 */
#define NEXT_NAME_WAIT_MS 500

/* --next: what the inventory's subscriber found. */
struct next_match {
	const char *pattern;
	struct dg_inventory *inv;
	bool subscribing; /* the containers listed already: not "next" */
	bool found;
	char id[DG_IDENTITY_ID_MAX];
};

static bool matches(const char *pattern, const struct dg_identity *c)
{
	return !fnmatch(pattern, c->id, 0) || (c->name[0] && !fnmatch(pattern, c->name, 0));
}

/*
 * A new container matches by its id or its name. docker and podman keep the
 * name in their own records, written before they call the runtime; should
 * it be missing, it is looked for again while the container is held.
 */
static bool new_one_matches(struct next_match *m, const struct dg_identity *c)
{
	struct dg_identity named;

	if (matches(m->pattern, c))
		return true;
	if (c->name[0] || (c->runtime != DG_RUNTIME_DOCKER && c->runtime != DG_RUNTIME_PODMAN))
		return false;
	named = *c;
	dg_engine_name_fill_held(&named, dg_inventory_state_root(m->inv, c->id), NEXT_NAME_WAIT_MS);
	if (!named.name[0])
		dg_debug("container %s: no name in its engine's records; matched by its id only",
			 c->id);
	return matches(m->pattern, &named);
}

static void on_container(void *ctx, enum dg_inventory_change what, const struct dg_identity *c,
			 const struct dg_identity *before)
{
	struct next_match *m = ctx;

	(void)before;
	if (what != DG_CONTAINER_APPEARED || m->found)
		return;
	if (m->subscribing) {
		if (matches(m->pattern, c))
			dg_info("container %s matches \"%s\" but exists already; waiting for the "
				"next one",
				c->id, m->pattern);
		return;
	}
	if (!new_one_matches(m, c))
		return;
	snprintf(m->id, sizeof(m->id), "%s", c->id);
	m->found = true;
}

/* Wait until the inventory lists a new container matching m->pattern, or a stop signal. */
static int wait_for_next(struct dg_inventory *inv, struct next_match *m)
{
	int rc;

	m->subscribing = true;
	rc = dg_inventory_subscribe(inv, on_container, m);
	m->subscribing = false;
	if (rc)
		return rc;
	dg_info("waiting for the next container whose id or name matches \"%s\"", m->pattern);
	while (!m->found) {
		/* A second at most: the inventory also rescans, for what inotify misses. */
		struct pollfd pfd = {.fd = dg_inventory_fd(inv), .events = POLLIN};

		if (poll(&pfd, 1, 1000) < 0 && errno != EINTR)
			return dg_err(errno, "poll: %s", strerror(errno));
		if (stop_signal)
			return dg_err(EINTR,
				      "no container matching \"%s\" appeared before learn was "
				      "stopped; no profile written",
				      m->pattern);
		dg_inventory_refresh(inv);
	}
	dg_inventory_unsubscribe(inv, on_container, m);
	return 0;
}

int learn_run_next(struct learn_run *run)
{
	const struct learn_opts *o = run->o;
	const char *const roots[] = {o->runtime_root, NULL};
	struct dg_inventory_opts io = {.state_roots = o->runtime_root ? roots : NULL,
				       .cgroup2_optional = true};
	_cleanup_(dg_inventory_freep) struct dg_inventory *inv = NULL;
	_cleanup_free_ struct dg_container_to_record *c = calloc(1, sizeof(*c));
	struct next_match m = {.pattern = o->next};
	unsigned int flags = o->gate == GATE_NONE ? 0 : DG_TASK_GATE_SECCOMP;
	_cleanup_close_ int pidfd = -1;
	const char *state_root;
	char name[512];
	bool created;
	int rc;

	if (!c)
		return dg_err(ENOMEM, "out of memory");
	rc = dg_inventory_new(&io, &inv);
	if (rc)
		return rc;
	m.inv = inv;
	install_stop_handlers();
	arm_duration(o->duration);
	rc = wait_for_next(inv, &m);
	if (rc)
		return rc;
	state_root = dg_inventory_state_root(inv, m.id);
	rc = dg_container_to_record(state_root ?: DG_RUNC_STATE_ROOT, m.id, c);
	if (rc)
		return dg_err_wrap(rc, "the next container matching \"%s\"", o->next);
	/* First the watch, then the look at the container: what it does next is seen. */
	rc = dg_recorder_watch_cgroup(run->rec, run->session, c->init_cgroup_id, flags);
	if (rc)
		return rc;
	rc = start_caps(run, DG_CAPS_GATE_NONE, NULL);
	if (rc)
		return rc;
	/* Still held at its exec fifo: nothing of it ran yet but the runtime's last steps. */
	created = state_root && dg_runtime_state_held(state_root, m.id);
	pidfd = (int)syscall(SYS_pidfd_open, c->ident.init_pid, 0);
	if (pidfd < 0)
		return dg_err(errno, "container \"%s\" (pid %d): %s", m.id, c->ident.init_pid,
			      strerror(errno));
	dg_identity_display(&c->ident, name, sizeof(name));
	if (created) {
		snprintf(run->subject, sizeof(run->subject),
			 "container %s (learn --next %s: armed at its creation, recorded from %s)",
			 name, o->next,
			 flags ? "where its seccomp filter starts" : "its release by `start`");
		run->from_exec = true;
	} else {
		/* `run`, or a start faster than the inventory: the workload may be under way. */
		snprintf(run->subject, sizeof(run->subject),
			 "container %s (learn --next %s: seen only after its process was released; "
			 "what it did before is missing)",
			 name, o->next);
		dg_warn("container %s was seen only after its process was released (its runtime "
			"started it right after creating it); recording from now, the profile "
			"may miss its first syscalls and says so",
			m.id);
	}
	run->nothing_hint = flags ? "it was deleted before its process ran, or it runs without "
				    "a seccomp filter (give it one; --gate none records from its "
				    "release)"
				  : "it was deleted before its process ran";
	publish_flight(run, dg_flight_container_session(&c->ident));
	dg_info("learning container %s (init pid %d, cgroup %s) until it exits%s", name,
		c->ident.init_pid, c->init_cgroup, o->duration > 0 ? " or --duration is up" : "");
	rc = wait_for_init(pidfd);
	return rc ? rc : write_outputs(run, true, false);
}

/*
 * Whether `pid`'s cgroup v2 is the container's own: not the root, not the
 * caller's (the hook runs in its runtime's cgroup, which on a cgroup v1 host
 * may be where the runtime leaves the container in the v2 hierarchy too).
 */
static int own_cgroup(pid_t pid, char *path, size_t len, uint64_t *id, bool *own)
{
	char root[PATH_MAX], mine[DG_IDENTITY_PATH_MAX];
	int rc;

	if (dg_cgroup2_root(root, sizeof(root)))
		root[0] = '\0'; /* none mounted: dg_process_cgroup looks privately */
	dg_err_clear();
	rc = dg_process_cgroup(pid, root, path, len, id);
	if (rc)
		return rc;
	rc = dg_proc_cgroup(getpid(), mine, sizeof(mine));
	if (rc)
		return rc;
	*own = strcmp(path, "/") && strcmp(path, mine);
	return 0;
}

int learn_run_init(struct learn_run *run, pid_t pid, const char *id, void (*armed)(void *ctx),
		   void *ctx)
{
	char cgroup[DG_IDENTITY_PATH_MAX];
	_cleanup_close_ int pidfd = -1;
	uint64_t cgroup_id;
	bool own;
	int rc;

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return dg_err(errno, "the container's init (pid %d): %s", pid, strerror(errno));
	rc = own_cgroup(pid, cgroup, sizeof(cgroup), &cgroup_id, &own);
	if (rc)
		return dg_err_wrap(rc, "the container's init (pid %d)", pid);
	/*
	 * As --next: the cgroup's tasks from their next syscall, counted from
	 * their seccomp filter on. In a cgroup shared with others, the init and
	 * what it forks from now on.
	 */
	rc = own ? dg_recorder_watch_cgroup(run->rec, run->session, cgroup_id, DG_TASK_GATE_SECCOMP)
		 : dg_recorder_track_pid(run->rec, run->session, pid, DG_TASK_GATE_SECCOMP);
	if (rc)
		return rc;
	run->from_exec = true;
	run->nothing_hint = "it was deleted before its process ran, or it runs without a "
			    "seccomp filter (--security-opt seccomp=unconfined, --privileged)";
	snprintf(run->subject, sizeof(run->subject),
		 "container %s (driftguard hook: armed before its process ran, recorded from where "
		 "its seccomp filter starts)",
		 id);
	dg_info("learning container %s (init pid %d, %s %s) until it exits", id, pid,
		own ? "cgroup" : "its process tree; shared cgroup", cgroup);
	install_stop_handlers();
	armed(ctx);
	rc = wait_for_init(pidfd);
	return rc ? rc : write_outputs(run, true, false);
}
