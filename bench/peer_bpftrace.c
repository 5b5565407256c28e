// SPDX-License-Identifier: GPL-2.0-only
/*
 * bpftrace as a peer of driftguard's recorder: the `bpftrace` binary
 * (Debian's package; scripts/setup.sh installs it) run as a child process
 * with a one-liner, the way people record a workload's syscalls by hand.
 *
 * Readiness: bpftrace prints "Attaching N probes..." BEFORE it attaches them;
 * with __BPFTRACE_NOTIFY_PROBES_ATTACHED in its environment (its own runtime
 * tests use it) it prints that name once all probes are attached. We wait
 * for that line, so that no round starts before the probes are live.
 * The child runs on every CPU but 0, where syscall_cost's loop is pinned: its
 * user side does not compete with the loop (ours has no user side running).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bench/peers.h"
#include "common/cleanup.h"
#include "common/errors.h"

#define ATTACHED "__BPFTRACE_NOTIFY_PROBES_ATTACHED\n"
#define START_TIMEOUT_MS 120000 /* it compiles with LLVM first: slow on a busy machine */

struct peer_bpftrace {
	pid_t pid;
	int out;     /* its stdout and stderr */
	int prog_fd; /* its sys_enter program, -1 if not found */
};

DG_DEFINE_CLEANUP(struct peer_bpftrace *, peer_bpftrace_stop);

static uint32_t last_prog_id(void)
{
	uint32_t id = 0, next;

	while (!bpf_prog_get_next_id(id, &next))
		id = next;
	return id;
}

/* The tracepoint program named sys_enter loaded after AFTER: bpftrace's. */
static int find_prog(uint32_t after)
{
	uint32_t id = after;

	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (!bpf_prog_get_info_by_fd(fd, &info, &len) &&
		    info.type == BPF_PROG_TYPE_TRACEPOINT && !strcmp(info.name, "sys_enter"))
			return fd;
		close(fd);
	}
	return -1;
}

static void exec_bpftrace(const char *program, int out)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t cpus;

	if (ncpu > 1) {
		CPU_ZERO(&cpus);
		for (long c = 1; c < ncpu && c < CPU_SETSIZE; c++)
			CPU_SET(c, &cpus);
		sched_setaffinity(0, sizeof(cpus), &cpus);
	}
	setenv("__BPFTRACE_NOTIFY_PROBES_ATTACHED", "1", 1);
	dup2(out, STDOUT_FILENO);
	dup2(out, STDERR_FILENO);
	execlp("bpftrace", "bpftrace", "-e", program, (char *)NULL);
	dprintf(STDERR_FILENO, "cannot run bpftrace: %s\n", strerror(errno));
	_exit(127);
}

static long elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* Reads its output until the attached line: 0, or -1 on EOF or timeout. */
static int wait_attached(int out, char *text, size_t size)
{
	struct timespec start;
	size_t used = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	text[0] = '\0';
	for (;;) {
		struct pollfd pfd = {.fd = out, .events = POLLIN};
		long left = START_TIMEOUT_MS - elapsed_ms(&start);
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return -1;
		if (used + 1 >= size) { /* keep the tail: the attached line comes last */
			memmove(text, text + size / 2, used - size / 2);
			used -= size / 2;
		}
		n = read(out, text + used, size - used - 1);
		if (n <= 0)
			return -1;
		used += (size_t)n;
		text[used] = '\0';
		if (strstr(text, ATTACHED))
			return 0;
	}
}

int peer_bpftrace_start(const char *program, struct peer_bpftrace **out)
{
	_cleanup_(peer_bpftrace_stopp) struct peer_bpftrace *p = calloc(1, sizeof(*p));
	uint32_t before = last_prog_id();
	char text[4096];
	int fds[2];

	if (!p)
		return dg_err(ENOMEM, "out of memory");
	p->pid = -1;
	p->out = p->prog_fd = -1;
	if (pipe2(fds, O_CLOEXEC))
		return dg_err(errno, "pipe: %s", strerror(errno));
	p->pid = fork();
	if (p->pid == 0)
		exec_bpftrace(program, fds[1]);
	close(fds[1]);
	p->out = fds[0];
	if (p->pid < 0)
		return dg_err(errno, "fork: %s", strerror(errno));
	if (wait_attached(p->out, text, sizeof(text)))
		return dg_err(EIO,
			      "bpftrace did not attach its probes (scripts/setup.sh installs "
			      "it); its output: %s",
			      text);
	p->prog_fd = find_prog(before);
	*out = TAKE_PTR(p);
	return 0;
}

int peer_bpftrace_prog_fd(const struct peer_bpftrace *p)
{
	return p->prog_fd;
}

/* Drains its output (the maps it prints at exit) until EOF, at most 10 s. */
static void drain(int out)
{
	struct timespec start;
	char buf[4096];

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (elapsed_ms(&start) < 10000) {
		struct pollfd pfd = {.fd = out, .events = POLLIN};
		int ready = poll(&pfd, 1, 1000);

		if (ready < 0 || (ready > 0 && read(out, buf, sizeof(buf)) <= 0))
			return;
	}
}

void peer_bpftrace_stop(struct peer_bpftrace *p)
{
	if (!p)
		return;
	if (p->prog_fd >= 0)
		close(p->prog_fd);
	if (p->pid > 0) {
		kill(p->pid, SIGINT);
		if (p->out >= 0)
			drain(p->out);
		kill(p->pid, SIGKILL); /* it has exited by now, unless stuck */
		waitpid(p->pid, NULL, 0);
	}
	if (p->out >= 0)
		close(p->out);
	free(p);
}
