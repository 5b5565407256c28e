// SPDX-License-Identifier: GPL-2.0-only
/*
 * What enforcement costs exec, and whether it holds under load, in one run:
 *  1. fork+exec+wait latency of a small static binary from the image of a
 *     container (an overlay root), rounds alternating without and with the
 *     enforcer (rules/default.yaml), median round of each, and the ratio;
 *  2. an exec storm for --seconds: allowed and drifted binaries alternating
 *     as fast as the machine goes, every verdict checked (the allowed one
 *     must run, the drifted one must be refused or killed), events dropped
 *     counted.
 * The backend is what `driftguard enforce` would pick (--backend to force).
 * A benchmark: it prints figures and fails only on wrong verdicts.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "enforcer/enforcer.h"
#include "common/errors.h"
#include "enforcer/rules.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	struct stat st;
	int rc = -1;

	if (in < 0 || fstat(in, &st))
		return -1;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out >= 0 && sendfile(out, in, NULL, st.st_size) == st.st_size)
		rc = 0;
	close(in);
	if (out >= 0)
		close(out);
	return rc;
}

/*
 * A container root: an overlay of lower/ (the image, holding /allowed) and
 * upper/; /drifted is written through the overlay after mounting, so it
 * lives in the upper layer, as a dropped binary does.
 */
static int make_root(const char *binary, char *dir, char *root, size_t len)
{
	static const char *const subdirs[] = {"lower", "upper", "work", "merged"};
	char p[1024], opts[2048];

	if (!mkdtemp(dir))
		return -1;
	for (size_t i = 0; i < sizeof(subdirs) / sizeof(*subdirs); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, subdirs[i]);
		if (mkdir(p, 0755))
			return -1;
	}
	snprintf(p, sizeof(p), "%s/lower/allowed", dir);
	if (copy_file(binary, p))
		return -1;
	snprintf(opts, sizeof(opts), "lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work", dir,
		 dir, dir);
	snprintf(root, len, "%s/merged", dir);
	if (mount("overlay", root, "overlay", 0, opts))
		return -1;
	snprintf(p, sizeof(p), "%s/drifted", root);
	return copy_file(binary, p);
}

/* Enter the container: own mount namespace, overlay as root. */
static int enter_root(const char *root)
{
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -1;
	if (chroot(root) || chdir("/"))
		return -1;
	return 0;
}

/* fork + exec + wait; returns the wait status, or -1. */
static int run(const char *path)
{
	char *argv[] = {(char *)path, NULL};
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execv(path, argv);
		_exit(126); /* refused (EPERM with BPF-LSM) */
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static bool ran_ok(int status)
{
	return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static bool was_stopped(int status)
{
	return status >= 0 && ((WIFEXITED(status) && WEXITSTATUS(status) == 126) ||
			       (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
}

static double exec_latency_us(int n)
{
	double start = now_s();

	for (int i = 0; i < n; i++)
		if (!ran_ok(run("/allowed")))
			return -1;
	return (now_s() - start) / n * 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void ignore_event(const struct dg_exec_event *ev, void *ctx)
{
	(void)ev;
	(*(unsigned long *)ctx)++;
}

/* The compiled rules, read before entering the container's root. */
static struct dg_rule_bpf compiled[DG_MAX_RULES];
static struct dg_policy_hdr compiled_hdr;

static int compile_rules(const char *path)
{
	struct dg_policy *p = NULL;
	int rc;

	rc = dg_policy_load_file(path, &p);
	if (!rc)
		rc = dg_policy_compile(p, NULL, &compiled_hdr, compiled);
	dg_policy_free(p);
	return rc;
}

static int load(struct dg_enforcer **e, enum dg_backend_choice choice, unsigned long *events,
		char *why, size_t why_len)
{
	int rc = dg_enforcer_open(choice, ignore_event, events, e, why, why_len);

	if (!rc)
		rc = dg_enforcer_set_policy(*e, &compiled_hdr, compiled);
	return rc;
}

/*
 * The container side: a child in the overlay root runs what the parent asks
 * ('m': one latency round, 's': the storm, 'q': quit) and answers. The
 * parent stays outside, where it can load and unload the enforcer.
 */
struct storm_result {
	unsigned long allowed, stopped, wrong;
	double took;
};

static void container_side(const char *root, int cmd_fd, int res_fd, int iterations, int seconds)
{
	char c;

	if (enter_root(root)) {
		fprintf(stderr, "exec_cost: cannot enter %s: %s\n", root, strerror(errno));
		_exit(1);
	}
	while (read(cmd_fd, &c, 1) == 1) {
		if (c == 'm') {
			double us = exec_latency_us(iterations);

			if (write(res_fd, &us, sizeof(us)) != sizeof(us))
				_exit(1);
		} else if (c == 's') {
			struct storm_result r = {0};
			double start = now_s(), end = start + seconds;

			while (now_s() < end) {
				int a = run("/allowed"), d = run("/drifted");

				ran_ok(a) ? r.allowed++ : r.wrong++;
				was_stopped(d) ? r.stopped++ : r.wrong++;
			}
			r.took = now_s() - start;
			if (write(res_fd, &r, sizeof(r)) != sizeof(r))
				_exit(1);
		} else {
			break;
		}
	}
	_exit(0);
}

static int ask(int cmd_fd, int res_fd, char c, void *out, size_t len, struct dg_enforcer *e)
{
	struct pollfd pfd = {.fd = res_fd, .events = POLLIN};

	if (write(cmd_fd, &c, 1) != 1)
		return -1;
	/* Keep reading events while the container side works. */
	while (poll(&pfd, 1, e ? 50 : -1) == 0)
		dg_enforcer_poll(e, 0, 0);
	return read(res_fd, out, len) == (ssize_t)len ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *rules = "rules/default.yaml";
	enum dg_backend_choice choice = DG_BACKEND_CHOICE_AUTO;
	int iterations = 300, rounds = 7, seconds = 10, opt, cmd[2], res[2];
	double lat[2][32], med[2];
	char dir[] = "/tmp/dg-exec-bench.XXXXXX", root[640], why[512];
	unsigned long events = 0;
	struct dg_enforcer_stats stats;
	struct dg_enforcer *e = NULL;
	struct storm_result storm;
	pid_t child;

	while ((opt = getopt(argc, argv, "r:n:R:s:b:")) != -1) {
		switch (opt) {
		case 'r':
			rules = optarg;
			break;
		case 'n':
			iterations = atoi(optarg);
			break;
		case 'R':
			rounds = atoi(optarg);
			break;
		case 's':
			seconds = atoi(optarg);
			break;
		case 'b':
			choice = !strcmp(optarg, "lsm")	     ? DG_BACKEND_CHOICE_LSM
				 : !strcmp(optarg, "signal") ? DG_BACKEND_CHOICE_SIGNAL
							     : DG_BACKEND_CHOICE_AUTO;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || rounds < 1 || rounds > 32 || iterations < 1 || seconds < 1)
		goto usage;
	if (geteuid() != 0) {
		fprintf(stderr, "exec_cost: needs root (overlay mounts, BPF)\n");
		return 1;
	}
	if (make_root(argv[optind], dir, root, sizeof(root))) {
		fprintf(stderr, "exec_cost: cannot build the overlay root in %s: %s\n", dir,
			strerror(errno));
		return 1;
	}
	if (compile_rules(rules) || load(&e, choice, &events, why, sizeof(why))) {
		fprintf(stderr, "exec_cost: %s\n", dg_errmsg());
		return 1;
	}
	dg_enforcer_close(e);
	e = NULL;
	printf("backend: %s\n", why);
	if (pipe(cmd) || pipe(res))
		return 1;
	child = fork();
	if (child == 0) {
		close(cmd[1]);
		close(res[0]);
		container_side(root, cmd[0], res[1], iterations, seconds);
	}
	close(cmd[0]);
	close(res[1]);

	printf("fork+exec+wait of a static binary of the image, %d per round, %d rounds each:\n",
	       iterations, rounds);
	for (int r = 0; r < rounds; r++) {
		if (ask(cmd[1], res[0], 'm', &lat[0][r], sizeof(double), NULL) ||
		    load(&e, choice, &events, why, sizeof(why)) ||
		    ask(cmd[1], res[0], 'm', &lat[1][r], sizeof(double), e)) {
			fprintf(stderr, "exec_cost: round %d failed: %s\n", r, dg_errmsg());
			return 1;
		}
		dg_enforcer_close(e);
		e = NULL;
		if (lat[0][r] < 0 || lat[1][r] < 0) {
			fprintf(stderr, "exec_cost: the allowed binary did not run\n");
			return 1;
		}
	}
	for (int m = 0; m < 2; m++) {
		qsort(lat[m], rounds, sizeof(double), cmp_double);
		med[m] = lat[m][rounds / 2];
	}
	printf("  without enforcement  %8.1f us\n  with enforcement     %8.1f us\n"
	       "  ratio                %8.3f  (target <= 1.03)\n",
	       med[0], med[1], med[1] / med[0]);

	if (load(&e, choice, &events, why, sizeof(why)) ||
	    ask(cmd[1], res[0], 's', &storm, sizeof(storm), e)) {
		fprintf(stderr, "exec_cost: the storm failed: %s\n", dg_errmsg());
		return 1;
	}
	dg_enforcer_poll(e, 100, 0);
	dg_enforcer_stats(e, &stats);
	dg_enforcer_close(e);
	(void)!write(cmd[1], "q", 1);
	waitpid(child, NULL, 0);
	printf("exec storm, %d s, allowed and drifted alternating:\n"
	       "  %.0f execs/s; %lu allowed ran, %lu drifted stopped, %lu wrong verdicts\n"
	       "  %llu blocked in the kernel, %lu events read, %llu events dropped\n",
	       seconds, (storm.allowed + storm.stopped + storm.wrong) / storm.took, storm.allowed,
	       storm.stopped, storm.wrong, (unsigned long long)stats.blocked, events,
	       (unsigned long long)stats.dropped);
	umount2(root, MNT_DETACH);
	return storm.wrong ? 1 : 0;
usage:
	fprintf(stderr, "usage: exec_cost [-r RULES] [-n EXECS_PER_ROUND] [-R ROUNDS] "
			"[-s STORM_SECONDS] [-b auto|lsm|signal] STATIC_BINARY\n");
	return 2;
}
