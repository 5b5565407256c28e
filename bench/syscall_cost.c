// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cost per syscall of a tight getppid loop, in one run, under six setups:
 *   none       no BPF program
 *   floor      an empty tp_btf/sys_enter program (bpf/floor.bpf.c)
 *   bitmap     the driftguard recorder, bitmap only (flight recorder off), this
 *              process tracked
 *   ring       the driftguard recorder with the flight recorder on (256
 *              entries: sys_enter writes the ring, sys_exit the return value),
 *              this process tracked
 *   untracked  the driftguard recorder (bitmap only) recording another
 *              process, this one not; with DG_BENCH_UNTRACKED_RING=1 in the
 *              environment, with the flight recorder on (learn's default),
 *              so that untracked syscalls also run the sys_exit program
 *   watching   what enforce costs the host's tasks: the recorder with the
 *              flight recorder on (256 entries, a ring per session) and a
 *              cgroup watched, so that an untracked task also looks its
 *              cgroup up at each syscall; this process untracked
 * Rounds alternate between setups so drift in machine speed hits all alike;
 * the median and the fastest round of each are reported (the fastest is the
 * least disturbed by the rest of the machine). The process is pinned to one
 * CPU. Then, apart (it slows every program down), BPF_ENABLE_STATS gives the
 * time the kernel measured inside the programs, per syscall of the loop: the
 * programs' own cost, without the rest of the syscall path and its noise.
 * A benchmark, not a test: it prints figures and never fails on a slow
 * machine.
 */
#include <errno.h>
#include <stdint.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "bpf/floor.skel.h"
#include "generator/recorder.h"

enum setup { NONE, FLOOR, BITMAP, RING, UNTRACKED, WATCHING, NSETUPS };
static const char *const setup_names[] = {"none",      "floor",	 "bitmap",
					  "ring",      "untracked", "watching"};

/* A cgroup id no cgroup has: the lookup happens, nothing is adopted. */
#define NO_SUCH_CGROUP (~0ULL - 1)

static bool untracked_ring;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double loop_ns(long iterations)
{
	double start = now_ns();

	for (long i = 0; i < iterations; i++)
		syscall(SYS_getppid);
	return (now_ns() - start) / (double)iterations;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void prog_time(struct floor_bpf *floor, uint64_t run_ns[2], uint64_t run_cnt[2])
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_prog_get_info_by_fd(bpf_program__fd(floor->progs.floor_sys_enter), &info, &len))
		return;
	run_ns[0] = info.run_time_ns;
	run_cnt[0] = info.run_cnt;
}

/*
 * Each setup is a fresh process (fork), so "recorded" and "untracked" differ
 * only in whether the measuring task has recorder storage.
 */
static double measure(enum setup s, long iterations, double *prog_ns)
{
	struct dg_recorder *r = NULL;
	struct floor_bpf *floor = NULL;
	unsigned int session;
	double ns = -1;
	pid_t other = -1;

	if (s == FLOOR) {
		floor = floor_bpf__open_and_load();
		if (!floor || floor_bpf__attach(floor))
			goto out;
	} else if (s != NONE) {
		struct dg_recorder_opts opts = {
			.flight_entries = s == RING || s == WATCHING ||
							  (s == UNTRACKED && untracked_ring)
						  ? DG_FLIGHT_SUGGESTED
						  : 0,
			.flight_rings = s == WATCHING ? DG_MAX_SESSIONS - 1 : 1,
		};

		if (dg_recorder_open_opts(&opts, &r) || dg_recorder_new_session(r, &session, NULL))
			goto out;
		if (s == WATCHING) {
			if (dg_recorder_watch_cgroup(r, session, NO_SUCH_CGROUP, 0))
				goto out;
		} else if (s == UNTRACKED) {
			/* A recorded process elsewhere, so the session is live. */
			other = fork();
			if (other == 0) {
				pause();
				_exit(0);
			}
			if (other < 0 || dg_recorder_track_pid(r, session, other, 0))
				goto out;
		} else if (dg_recorder_track_pid(r, session, getpid(), 0)) {
			goto out;
		}
	}
	loop_ns(iterations / 10); /* warm up */
	if (prog_ns) {
		uint64_t t0[2] = {0}, c0[2] = {0}, t1[2] = {0}, c1[2] = {0};

		if (r && dg_recorder_prog_stats(r, t0, c0))
			goto out;
		if (floor)
			prog_time(floor, t0, c0);
		ns = loop_ns(iterations);
		if (r && dg_recorder_prog_stats(r, t1, c1))
			goto out;
		if (floor)
			prog_time(floor, t1, c1);
		/* Average run of each program (every task's, the loop's dominate
		 * except in "untracked"), summed: what one syscall pays. */
		*prog_ns = 0;
		for (int i = 0; i < 2; i++)
			if (c1[i] > c0[i])
				*prog_ns += (double)(t1[i] - t0[i]) / (double)(c1[i] - c0[i]);
	} else {
		ns = loop_ns(iterations);
	}
out:
	if (ns < 0)
		fprintf(stderr, "syscall_cost: setup %s failed: %s\n", setup_names[s],
			dg_errmsg()[0] ? dg_errmsg() : strerror(errno));
	if (other > 0) {
		kill(other, SIGKILL);
		waitpid(other, NULL, 0);
	}
	dg_recorder_close(r);
	floor_bpf__destroy(floor);
	return ns;
}

/* BPF_ENABLE_STATS: ns inside the programs per syscall, median of the rounds. */
static void print_prog_stats(long iterations, int rounds)
{
	_cleanup_close_ int stats = bpf_enable_stats(BPF_STATS_RUN_TIME);
	double ns[NSETUPS][64];

	if (stats < 0) {
		printf("in-program time: BPF_ENABLE_STATS refused (%s)\n", strerror(errno));
		return;
	}
	for (int round = 0; round < rounds; round++)
		for (int s = FLOOR; s < NSETUPS; s++)
			if (measure(s, iterations, &ns[s][round]) < 0)
				return;
	printf("time inside the programs per run (BPF_ENABLE_STATS, median of %d rounds; "
	       "sys_enter + sys_exit where both run; the stats' own clock reads are in it, "
	       "the empty floor shows how much)\n",
	       rounds);
	for (int s = FLOOR; s < NSETUPS; s++) {
		qsort(ns[s], rounds, sizeof(double), cmp_double);
		printf("  %-10s %8.1f ns  (%+.1f over the floor)\n", setup_names[s], ns[s][rounds / 2],
		       ns[s][rounds / 2] - ns[FLOOR][rounds / 2]);
	}
}

int main(int argc, char **argv)
{
	long iterations = argc > 1 ? atol(argv[1]) : 2000000;
	int rounds = argc > 2 ? atoi(argv[2]) : 7;
	double results[NSETUPS][64], median[NSETUPS], best[NSETUPS];
	const char *env = getenv("DG_BENCH_UNTRACKED_RING");
	cpu_set_t cpus;

	if (rounds < 1 || rounds > 64 || iterations < 1000) {
		fprintf(stderr, "usage: syscall_cost [ITERATIONS>=1000 [ROUNDS 1..64]]\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "syscall_cost: needs root to load BPF programs\n");
		return 1;
	}
	untracked_ring = env && !strcmp(env, "1");
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		fprintf(stderr, "syscall_cost: cannot pin to CPU 0: %s\n", strerror(errno));
	printf("getppid loop: %ld syscalls x %d rounds per setup, pinned to CPU 0; untracked: "
	       "flight recorder %s\n",
	       iterations, rounds, untracked_ring ? "on" : "off");
	printf("  %-10s %12s %9s %12s %9s\n", "setup", "median ns", "added", "fastest ns", "added");
	for (int round = 0; round < rounds; round++)
		for (int s = 0; s < NSETUPS; s++) {
			results[s][round] = measure(s, iterations, NULL);
			if (results[s][round] < 0)
				return 1;
		}
	for (int s = 0; s < NSETUPS; s++) {
		qsort(results[s], rounds, sizeof(double), cmp_double);
		median[s] = results[s][rounds / 2];
		best[s] = results[s][0];
		printf("  %-10s %12.1f %+9.1f %12.1f %+9.1f\n", setup_names[s], median[s],
		       median[s] - median[NONE], best[s], best[s] - best[NONE]);
	}
	printf("added cost / the floor's added cost (targets: bitmap <= 1.15, untracked <= 1.05; "
	       "ring, watching: no target, they also run a sys_exit program)\n");
	printf("  %-10s %12s %12s\n", "", "median", "fastest");
	for (int s = BITMAP; s < NSETUPS; s++)
		printf("  %-10s %12.2f %12.2f\n", setup_names[s],
		       (median[s] - median[NONE]) / (median[FLOOR] - median[NONE]),
		       (best[s] - best[NONE]) / (best[FLOOR] - best[NONE]));
	print_prog_stats(iterations, rounds);
	return 0;
}
