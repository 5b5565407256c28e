// SPDX-License-Identifier: GPL-2.0-only
/*
 * driftguard hook: arming a detached learner for the container an OCI
 * runtime is creating, and telling the runtime whether it is armed
 * (learn_hook.h). The learning itself is learn_run_init()'s.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "cli/learn.h"
#include "cli/learn_hook.h"
#include "common/cleanup.h"
#include "common/errors.h"
#include "generator/profile_load.h"
#include "generator/text_file.h"

/* The learner's first byte to the hook: armed. Anything else is an error message. */
#define ARMED '+'

struct armed_ctx {
	int fd; /* the write end of the pipe the hook waits on; -1 once told */
};

static void tell_armed(void *ctx)
{
	struct armed_ctx *a = ctx;
	char c = ARMED;

	(void)!write(a->fd, &c, 1);
	close(a->fd);
	a->fd = -1;
}

/* stdin from /dev/null, stdout and stderr to the log: nothing of the runtime's stays open. */
static int detach_stdio(const char *log)
{
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int out = log ? open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)
		      : open("/dev/null", O_WRONLY | O_CLOEXEC);
	int rc = 0;

	if (in < 0 || out < 0)
		rc = dg_err(errno, "%s: %s", out < 0 && log ? log : "/dev/null", strerror(errno));
	else if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
		 dup2(out, STDERR_FILENO) < 0)
		rc = dg_err(errno, "dup2: %s", strerror(errno));
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return rc;
}

/* The detached learner: arm, tell the hook, learn until the container's init exits. */
static int learner(const struct dg_hook_request *req, struct dg_profile *extend, const char *log,
		   int ready)
{
	struct learn_opts o = {.output = req->output,
			       .gate = GATE_SECCOMP,
			       .baselines = -1,
			       .format = DG_EXPORT_OCI};
	struct learn_run run = {.o = &o, .extend = extend, .extend_name = req->input};
	_cleanup_(dg_recorder_closep) struct dg_recorder *r = NULL;
	struct armed_ctx armed = {.fd = ready};
	pid_t self = getpid();
	int rc;

	/* The hook's first word: whom to stop if it does not answer. */
	(void)!write(ready, &self, sizeof(self));
	openlog("driftguard-hook", LOG_PID, LOG_DAEMON);
	/* Not to keep the runtime's working directory (the bundle) busy. */
	(void)!chdir("/");
	rc = detach_stdio(log);
	if (!rc)
		rc = dg_recorder_open_opts(NULL, &r);
	if (!rc)
		rc = dg_recorder_new_session(r, &run.session, NULL);
	if (!rc) {
		run.rec = r;
		rc = learn_run_init(&run, req->pid, req->id, tell_armed, &armed);
	}
	if (rc < 0 && armed.fd >= 0) {
		/* Not armed: the hook prints it and fails; podman shows it. */
		(void)!write(armed.fd, dg_errmsg(), strlen(dg_errmsg()));
		return 1;
	}
	if (rc < 0) {
		syslog(LOG_ERR, "container %s: %s", req->id, dg_errmsg());
		fprintf(stderr, "driftguard hook: container %s: %s\n", req->id, dg_errmsg());
		return 1;
	}
	syslog(LOG_INFO, "container %s exited; its seccomp profile is %s", req->id, req->output);
	return 0;
}

/*
 * Read len bytes within *left ms (counted down), or fewer when the first is
 * ARMED and `armed_ends` (the good news is one byte); 0, -ETIMEDOUT, or
 * -EPIPE at EOF.
 */
static int read_within(int fd, void *buf, size_t len, bool armed_ends, int *left, size_t *got)
{
	*got = 0;
	while (*got < len) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		struct timespec t0, t1;
		ssize_t n;
		int ready;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		ready = poll(&pfd, 1, *left);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		*left -=
			(int)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0 || *left < 0)
			return -ETIMEDOUT;
		n = read(fd, (char *)buf + *got, len - *got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		*got += (size_t)n;
		if (armed_ends && ((char *)buf)[0] == ARMED)
			return 0;
	}
	return 0;
}

/*
 * Wait for the learner's word: its pid, then
 * ARMED or an error message. A learner that does not answer in time is
 * killed: the container is not to run unrecorded.
 */
static int wait_armed(int fd, const struct dg_hook_request *req)
{
	int left = DG_HOOK_ARM_TIMEOUT_MS, rc;
	pid_t learner_pid = 0;
	char msg[4096] = "";
	size_t got;

	rc = read_within(fd, &learner_pid, sizeof(learner_pid), false, &left, &got);
	if (rc || got != sizeof(learner_pid))
		return dg_err(ECHILD, "container %s: the learner could not be started", req->id);
	rc = read_within(fd, msg, sizeof(msg) - 1, true, &left, &got);
	if (!rc && msg[0] == ARMED)
		return 0;
	if (rc == -ETIMEDOUT) {
		kill(learner_pid, SIGKILL);
		return dg_err(ETIMEDOUT,
			      "container %s: learning was not armed within %d s; the learner was "
			      "stopped, so that the container does not run unrecorded",
			      req->id, DG_HOOK_ARM_TIMEOUT_MS / 1000);
	}
	if (!got)
		return dg_err(ECHILD,
			      "container %s: the learner exited before it armed recording (see "
			      "syslog)",
			      req->id);
	msg[got] = '\0';
	return dg_err(EIO, "cannot arm learning for container %s: %s", req->id, msg);
}

/*
 * The if: profile: read now, so that a wrong one fails the start, not the
 * end. Every problem goes in the one message: podman shows the first line
 * of a hook's stderr.
 */
static int read_input(const char *path, struct dg_profile **out)
{
	_cleanup_(dg_problems_free) struct dg_problems problems = {0};
	_cleanup_free_ char *all = NULL;
	struct dg_profile_host host;
	size_t len = 0;
	FILE *f;
	int rc;

	rc = dg_profile_host_detect(&host);
	if (!rc)
		rc = dg_profile_read_file(path, &host, &problems, out);
	if (!rc)
		return 0;
	if (problems.n < 2)
		return dg_err_wrap(rc, "the if: profile");
	f = open_memstream(&all, &len);
	if (!f)
		return dg_err(ENOMEM, "out of memory");
	for (size_t i = 0; i < problems.n; i++)
		fprintf(f, "%s%s", i ? "; " : "", problems.v[i].msg);
	fclose(f);
	return dg_err(-rc, "the if: profile: %s", all);
}

int learn_hook_start(const struct dg_hook_request *req, const char *log)
{
	_cleanup_(dg_profile_freep) struct dg_profile *extend = NULL;
	int ready[2], wstatus, rc;
	pid_t pid;

	if (geteuid() != 0)
		return dg_err(EPERM, "learning needs root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN): "
				     "the hook runs for root podman, not rootless");
	rc = dg_output_check(req->output);
	if (rc)
		return dg_err_wrap(rc, "the of: path");
	if (req->input[0]) {
		rc = read_input(req->input, &extend);
		if (rc)
			return rc;
	}
	if (pipe2(ready, O_CLOEXEC))
		return dg_err(errno, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(ready[0]);
		close(ready[1]);
		return dg_err(errno, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		pid_t learner_pid;

		/* A session of its own, and not the runtime's child: it outlives the hook. */
		close(ready[0]);
		setsid();
		learner_pid = fork();
		if (learner_pid)
			_exit(learner_pid < 0 ? 1 : 0);
		_exit(learner(req, extend, log, ready[1]));
	}
	close(ready[1]);
	waitpid(pid, &wstatus, 0);
	rc = wait_armed(ready[0], req);
	close(ready[0]);
	return rc;
}
