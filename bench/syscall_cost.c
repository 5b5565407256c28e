// SPDX-License-Identifier: GPL-2.0-only
/*
 * Cost per syscall of a tight getppid loop, in one run, under driftguard's setups:
 *   none       no BPF program
 *   floor      an empty tp_btf/sys_enter program (bpf/floor.bpf.c)
 *   bitmap     the driftguard recorder, bitmap only (flight recorder off), this
 *              process tracked
 *   ring       the driftguard recorder with the flight recorder on (256
 *              entries: sys_enter writes the ring, sys_exit the return value),
 *              this process tracked
 *   untracked  the driftguard recorder (bitmap only) recording another
 *              process, this one not; with DG_BENCH_UNTRACKED_RING=1 in the
 *              environment, with the flight recorder on (learn --flight-recorder N),
 *              so that untracked syscalls also run the sys_exit program
 *   watching   what enforce costs the host's tasks: the recorder with the
 *              flight recorder on (256 entries, a ring per session) and a
 *              cgroup watched, so that an untracked task also looks its
 *              cgroup up at each syscall; this process untracked
 * and, in the same rounds, other tools' recorders (bench/peers.h):
 *   bpftrace-pid  bpftrace, tracepoint:raw_syscalls:sys_enter /pid == LOOP/
 *                 { @[pid, args->id] = count(); }: the loop recorded
 *   bpftrace-all  bpftrace, tracepoint:raw_syscalls:sys_enter
 *                 { @[comm, args->id] = count(); }: every task recorded
 *   ig-mntns      our mimic of Inspektor Gadget's advise_seccomp (every mount
 *                 namespace recorded, the loop's too)
 *   spo-mntns     our mimic of the Security Profiles Operator's bpf-recorder,
 *                 the loop's mount namespace recorded
 *   spo-excluded  the same, the loop's mount namespace excluded as the host's
 *                 is: what SPO costs the host's own tasks
 * The process runs in a mount namespace of its own (unshare), as a
 * container's task does, so that the SPO mimic can record it while
 * excluding the host's; nothing else looks at mount namespaces. A peer that
 * cannot run here (no bpftrace) is reported and left out, not fatal.
 * Rounds alternate between setups so drift in machine speed hits all alike;
 * the median and the fastest round of each are reported (the fastest is the
 * least disturbed by the rest of the machine). The process is pinned to one
 * CPU. Then, apart (it slows every program down), BPF_ENABLE_STATS gives the
 * time the kernel measured inside the programs, per syscall of the loop: the
 * programs' own cost, without the rest of the syscall path and its noise.
 * DG_BENCH_SETUPS=bitmap,untracked,... in the environment runs only those
 * setups (and `none` and `floor`, which every ratio needs): for quick experiments.
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

#include "bench/peers.h"
#include "common/cleanup.h"
#include "common/errors.h"
#include "bpf/floor.skel.h"
#include "generator/recorder.h"

enum setup {
	NONE,
	FLOOR,
	BITMAP,
	RING,
	UNTRACKED,
	WATCHING,
	BPFTRACE_PID,
	BPFTRACE_ALL,
	IG_MNTNS,
	SPO_MNTNS,
	SPO_EXCLUDED,
	NSETUPS,
	FIRST_PEER = BPFTRACE_PID,
};
static const char *const setup_names[] = {
	"none",		"floor",	"bitmap",   "ring",	 "untracked",	 "watching",
	"bpftrace-pid", "bpftrace-all", "ig-mntns", "spo-mntns", "spo-excluded",
};

/* A cgroup id no cgroup has: the lookup happens, nothing is adopted. */
#define NO_SUCH_CGROUP (~0ULL - 1)

static bool untracked_ring;
/* The mount namespace syscall_cost started in: the host's, for the SPO mimic. */
static uint32_t host_mntns;
/* Peers that could not start (no bpftrace): left out of every later round. */
static bool unavailable[NSETUPS];

/* What a setup has running while the loop runs. */
struct running {
	struct dg_recorder *recorder;
	struct floor_bpf *floor;
	struct peer_mntns *mntns;
	struct peer_bpftrace *bpftrace;
	pid_t other; /* untracked: the process the recorder records */
};

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

/* The machine's load, printed with the figures: they mean little on a busy one. */
static void print_load(const char *when)
{
	char load[64] = "?";
	FILE *f = fopen("/proc/loadavg", "re");

	if (f) {
		if (!fgets(load, sizeof(load), f))
			strcpy(load, "?");
		fclose(f);
	}
	load[strcspn(load, "\n")] = '\0';
	printf("load average %s: %s\n", when, load);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int start_recorder(enum setup s, struct running *run)
{
	struct dg_recorder_opts opts = {
		.flight_entries = s == RING || s == WATCHING || (s == UNTRACKED && untracked_ring)
					  ? DG_FLIGHT_SUGGESTED
					  : 0,
		.flight_rings = s == WATCHING ? DG_MAX_SESSIONS - 1 : 1,
	};
	unsigned int session;
	int rc;

	rc = dg_recorder_open_opts(&opts, &run->recorder);
	if (!rc)
		rc = dg_recorder_new_session(run->recorder, &session, NULL);
	if (rc)
		return rc;
	if (s == WATCHING)
		return dg_recorder_watch_cgroup(run->recorder, session, NO_SUCH_CGROUP, 0);
	if (s == UNTRACKED) {
		/* A recorded process elsewhere, so the session is live. */
		run->other = fork();
		if (run->other == 0) {
			pause();
			_exit(0);
		}
		if (run->other < 0)
			return dg_err(errno, "fork: %s", strerror(errno));
		return dg_recorder_track_pid(run->recorder, session, run->other, 0);
	}
	return dg_recorder_track_pid(run->recorder, session, getpid(), 0);
}

static int start_bpftrace(enum setup s, struct running *run)
{
	char program[160];

	if (s == BPFTRACE_PID)
		snprintf(program, sizeof(program),
			 "tracepoint:raw_syscalls:sys_enter /pid == %d/ "
			 "{ @[pid, args->id] = count(); }",
			 getpid());
	else
		snprintf(program, sizeof(program),
			 "tracepoint:raw_syscalls:sys_enter { @[comm, args->id] = count(); }");
	return peer_bpftrace_start(program, &run->bpftrace);
}

static int start(enum setup s, struct running *run)
{
	switch (s) {
	case NONE:
		return 0;
	case FLOOR:
		run->floor = floor_bpf__open_and_load();
		if (!run->floor || floor_bpf__attach(run->floor))
			return dg_err(errno, "cannot load the floor program: %s", strerror(errno));
		return 0;
	case BPFTRACE_PID:
	case BPFTRACE_ALL:
		return start_bpftrace(s, run);
	case IG_MNTNS:
		return peer_mntns_start(PEER_IG, host_mntns, &run->mntns);
	case SPO_MNTNS:
		return peer_mntns_start(PEER_SPO, host_mntns, &run->mntns);
	case SPO_EXCLUDED:
		return peer_mntns_start(PEER_SPO_EXCLUDED, host_mntns, &run->mntns);
	default:
		return start_recorder(s, run);
	}
}

static void stop(struct running *run)
{
	if (run->other > 0) {
		kill(run->other, SIGKILL);
		waitpid(run->other, NULL, 0);
	}
	dg_recorder_close(run->recorder);
	floor_bpf__destroy(run->floor);
	peer_mntns_stop(run->mntns);
	peer_bpftrace_stop(run->bpftrace);
}

static void prog_time(int fd, uint64_t *run_ns, uint64_t *run_cnt)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_prog_get_info_by_fd(fd, &info, &len))
		return;
	*run_ns = info.run_time_ns;
	*run_cnt = info.run_cnt;
}

/* Run time and count of the setup's programs: [0] sys_enter, [1] sys_exit. */
static int prog_stats(const struct running *run, uint64_t run_ns[2], uint64_t run_cnt[2])
{
	run_ns[0] = run_ns[1] = run_cnt[0] = run_cnt[1] = 0;
	if (run->recorder)
		return dg_recorder_prog_stats(run->recorder, run_ns, run_cnt);
	if (run->floor)
		prog_time(bpf_program__fd(run->floor->progs.floor_sys_enter), run_ns, run_cnt);
	if (run->mntns)
		prog_time(peer_mntns_prog_fd(run->mntns), run_ns, run_cnt);
	if (run->bpftrace)
		prog_time(peer_bpftrace_prog_fd(run->bpftrace), run_ns, run_cnt);
	return 0;
}

/*
 * One round of one setup: ns per syscall, or -1 when the setup failed. With
 * PROG_NS, also the average run of the setup's programs (every task's; the
 * loop's dominate except in "untracked" and "spo-excluded"), summed over
 * sys_enter and sys_exit: what one syscall pays inside them.
 */
static double measure(enum setup s, long iterations, double *prog_ns)
{
	struct running run = {.other = -1};
	uint64_t t0[2], c0[2], t1[2], c1[2];
	double ns = -1;

	if (start(s, &run))
		goto out;
	loop_ns(iterations / 10); /* warm up */
	if (prog_ns && prog_stats(&run, t0, c0))
		goto out;
	ns = loop_ns(iterations);
	if (prog_ns) {
		if (prog_stats(&run, t1, c1)) {
			ns = -1;
			goto out;
		}
		*prog_ns = -1; /* no program found (bpftrace's) */
		for (int i = 0; i < 2; i++)
			if (c1[i] > c0[i])
				*prog_ns = (*prog_ns < 0 ? 0 : *prog_ns) +
					   (double)(t1[i] - t0[i]) / (double)(c1[i] - c0[i]);
	}
out:
	if (ns < 0)
		fprintf(stderr, "syscall_cost: setup %s failed: %s\n", setup_names[s],
			dg_errmsg()[0] ? dg_errmsg() : strerror(errno));
	dg_err_clear();
	stop(&run);
	return ns;
}

/*
 * measure(), except that a peer failing in the first round is left out of
 * the run: 0, or -1 when one of driftguard's setups failed.
 */
static int measure_round(enum setup s, bool first_round, long iterations, double *ns,
			 double *prog_ns)
{
	if (unavailable[s])
		return 0;
	*ns = measure(s, iterations, prog_ns);
	if (*ns >= 0)
		return 0;
	if (s < FIRST_PEER || !first_round)
		return -1;
	fprintf(stderr, "syscall_cost: %s left out of this run\n", setup_names[s]);
	unavailable[s] = true;
	return 0;
}

/* BPF_ENABLE_STATS: ns inside the programs per syscall, median of the rounds. */
static void print_prog_stats(long iterations, int rounds)
{
	_cleanup_close_ int stats = bpf_enable_stats(BPF_STATS_RUN_TIME);
	double ns[NSETUPS][64], prog[NSETUPS][64];

	if (stats < 0) {
		printf("in-program time: BPF_ENABLE_STATS refused (%s)\n", strerror(errno));
		return;
	}
	for (int round = 0; round < rounds; round++)
		for (int s = FLOOR; s < NSETUPS; s++)
			if (measure_round(s, false, iterations, &ns[s][round], &prog[s][round]))
				return;
	printf("time inside the programs per run (BPF_ENABLE_STATS, median of %d rounds; "
	       "sys_enter + sys_exit where both run; the stats' own clock reads are in it, "
	       "the empty floor shows how much; a perf tracepoint's (bpftrace, spo) record "
	       "filling is not)\n",
	       rounds);
	for (int s = FLOOR; s < NSETUPS; s++) {
		if (unavailable[s])
			continue;
		qsort(prog[s], rounds, sizeof(double), cmp_double);
		if (prog[s][0] < 0) {
			printf("  %-13s      n/a (its program was not found)\n", setup_names[s]);
			continue;
		}
		printf("  %-13s %8.1f ns  (%+.1f over the floor)\n", setup_names[s],
		       prog[s][rounds / 2], prog[s][rounds / 2] - prog[FLOOR][rounds / 2]);
	}
}

/* DG_BENCH_SETUPS: leave out every setup it does not name (none and floor stay). */
static void only_setups(const char *list)
{
	if (!list || !*list)
		return;
	for (int s = BITMAP; s < NSETUPS; s++) {
		const char *p = strstr(list, setup_names[s]);
		size_t n = strlen(setup_names[s]);

		/* a whole item of the comma-separated list, not a part of one */
		while (p && !((p == list || p[-1] == ',') && (p[n] == ',' || !p[n])))
			p = strstr(p + 1, setup_names[s]);
		unavailable[s] = !p;
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
	only_setups(getenv("DG_BENCH_SETUPS"));
	if (peer_mntns_self(&host_mntns))
		fprintf(stderr, "syscall_cost: %s\n", dg_errmsg());
	else if (unshare(CLONE_NEWNS))
		fprintf(stderr,
			"syscall_cost: no mount namespace of its own (%s): spo-mntns will "
			"fail\n",
			strerror(errno));
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		fprintf(stderr, "syscall_cost: cannot pin to CPU 0: %s\n", strerror(errno));
	printf("getppid loop: %ld syscalls x %d rounds per setup, pinned to CPU 0; untracked: "
	       "flight recorder %s\n",
	       iterations, rounds, untracked_ring ? "on" : "off");
	print_load("at start");
	for (int round = 0; round < rounds; round++)
		for (int s = 0; s < NSETUPS; s++)
			if (measure_round(s, round == 0, iterations, &results[s][round], NULL))
				return 1;
	print_load("after the rounds");
	printf("  %-13s %12s %9s %12s %9s\n", "setup", "median ns", "added", "fastest ns", "added");
	for (int s = 0; s < NSETUPS; s++) {
		if (unavailable[s])
			continue;
		qsort(results[s], rounds, sizeof(double), cmp_double);
		median[s] = results[s][rounds / 2];
		best[s] = results[s][0];
		printf("  %-13s %12.1f %+9.1f %12.1f %+9.1f\n", setup_names[s], median[s],
		       median[s] - median[NONE], best[s], best[s] - best[NONE]);
	}
	printf("added cost / the floor's added cost (targets: bitmap <= 1.15, untracked <= 1.05; "
	       "ring, watching: no target, they also run a sys_exit program; the peers: "
	       "for comparison)\n");
	printf("  %-13s %12s %12s\n", "", "median", "fastest");
	for (int s = BITMAP; s < NSETUPS; s++)
		if (!unavailable[s])
			printf("  %-13s %12.2f %12.2f\n", setup_names[s],
			       (median[s] - median[NONE]) / (median[FLOOR] - median[NONE]),
			       (best[s] - best[NONE]) / (best[FLOOR] - best[NONE]));
	print_prog_stats(iterations, rounds);
	return 0;
}
