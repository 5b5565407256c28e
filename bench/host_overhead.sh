#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# What `driftguard enforce` costs the host's own work (issue 11): three host
# workloads timed with enforce not running, running with its defaults
# (rules/default.yaml; the flight recorder on: a sys_enter and a sys_exit
# program that every syscall of the machine passes through) and running with
# --flight-recorder 0, in alternating rounds so that drift in machine speed
# hits all three alike. Prints the median (and fastest) seconds of each and
# the on/off ratios per workload.
#   find    find /usr >/dev/null                      (metadata syscalls)
#   tar     tar cf - $TAR_DIR | cat >/dev/null         (read/write; through cat
#           because GNU tar skips reading the files when its archive is /dev/null)
#   exec    300 fork+execs of /bin/true from bash       (process creation)
#   getppid 1,000,000 getppid syscalls (build/bench/syscall_loop): what a bare
#           syscall of the host pays
# Usage (root, from the source tree, after `ninja -C build`; under the
# host-wide lock, as enforce blocks drift in every container):
#   flock /tmp/dg-tests.lock bench/host_overhead.sh [ROUNDS]     (default 7)
# Environment: DRIFTGUARD (default build/cli/driftguard), SYSCALL_LOOP
# (default build/bench/syscall_loop), TAR_DIR (default
# /usr/lib/<arch>-linux-gnu, ~1 GB on Debian 12). A benchmark: it prints
# figures and never fails on a slow machine; it fails only when enforce
# cannot start.
set -euo pipefail

ROUNDS=${1:-7}
DRIFTGUARD=${DRIFTGUARD:-build/cli/driftguard}
SYSCALL_LOOP=${SYSCALL_LOOP:-build/bench/syscall_loop}
RULES=rules/default.yaml
TAR_DIR=${TAR_DIR:-/usr/lib/$(uname -m)-linux-gnu}
EXECS=300
SETUPS=(off enforce enforce-norec)
WORKLOADS=(find tar exec getppid)

die() {
	echo "host_overhead: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root (enforce loads BPF programs); run it with sudo"
[ -x "$DRIFTGUARD" ] || die "no $DRIFTGUARD: build first (ninja -C build), run from the source tree"
[ -x "$SYSCALL_LOOP" ] || die "no $SYSCALL_LOOP: build first (ninja -C build), run from the source tree"
[ -f "$RULES" ] || die "no $RULES: run from the source tree"
[ -d "$TAR_DIR" ] || die "no $TAR_DIR: set TAR_DIR to a directory of about 1 GB"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || die "usage: host_overhead.sh [ROUNDS>=1]"

TMP=$(mktemp -d)
ENFORCE_PID=
stop_enforce() {
	[ -n "$ENFORCE_PID" ] || return 0
	kill -INT "$ENFORCE_PID" 2>/dev/null || true
	wait "$ENFORCE_PID" 2>/dev/null || true
	ENFORCE_PID=
}
trap 'stop_enforce; rm -rf "$TMP"' EXIT

# Starts enforce with extra options "$@" and returns once its programs are
# attached: it prints "enforcing N rules from ..." after loading the policy.
start_enforce() {
	: >"$TMP/enforce.log"
	"$DRIFTGUARD" enforce --rules "$RULES" --events /dev/null --pidfile "$TMP/enforce.pid" \
		"$@" >>"$TMP/enforce.log" 2>&1 &
	ENFORCE_PID=$!
	for _ in $(seq 600); do
		grep -qE '^driftguard: (enforcing|auditing)' "$TMP/enforce.log" && return 0
		kill -0 "$ENFORCE_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$TMP/enforce.log" >&2
	die "driftguard enforce $* did not start (its output is above)"
}

now_ns() { date +%s%N; }

# Runs workload $1 once; prints its wall time in seconds.
run_workload() {
	local t0 t1
	t0=$(now_ns)
	case $1 in
	find) find /usr >/dev/null 2>&1 || true ;;
	tar) tar cf - "$TAR_DIR" 2>/dev/null | cat >/dev/null ;;
	exec) for ((i = 0; i < EXECS; i++)); do /bin/true; done ;;
	getppid) "$SYSCALL_LOOP" 1000000 ;;
	esac
	t1=$(now_ns)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", (b - a) / 1e9 }'
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
fastest() { sort -g | head -1; }

echo "host_overhead: $ROUNDS rounds, alternating ${SETUPS[*]}; tar of $TAR_DIR;" \
	"exec: $EXECS x /bin/true; getppid: 1000000 syscalls; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for w in "${WORKLOADS[@]}"; do run_workload "$w" >/dev/null; done # warm the page cache

for ((round = 1; round <= ROUNDS; round++)); do
	for s in "${SETUPS[@]}"; do
		case $s in
		enforce) start_enforce ;;
		enforce-norec) start_enforce --flight-recorder 0 ;;
		esac
		for w in "${WORKLOADS[@]}"; do
			run_workload "$w" >>"$TMP/$s.$w"
		done
		stop_enforce
	done
	echo "  round $round/$ROUNDS done"
done

echo "seconds per workload, median (and fastest) round; load average at end:" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"
printf '  %-8s %17s %17s %17s %19s %19s\n' workload off enforce norec \
	"enforce/off" "norec/off"
for w in "${WORKLOADS[@]}"; do
	off=$(median <"$TMP/off.$w") off1=$(fastest <"$TMP/off.$w")
	on=$(median <"$TMP/enforce.$w") on1=$(fastest <"$TMP/enforce.$w")
	nr=$(median <"$TMP/enforce-norec.$w") nr1=$(fastest <"$TMP/enforce-norec.$w")
	awk -v w="$w" -v off="$off" -v on="$on" -v nr="$nr" \
		-v off1="$off1" -v on1="$on1" -v nr1="$nr1" 'BEGIN {
		printf "  %-8s %8.3f (%6.3f) %8.3f (%6.3f) %8.3f (%6.3f) %8.3fx (%6.3fx) %8.3fx (%6.3fx)\n",
			w, off, off1, on, on1, nr, nr1, on / off, on1 / off1, nr / off, nr1 / off1
	}'
done
echo "(enforce: its defaults, rules/default.yaml, flight recorder on;" \
	"norec: --flight-recorder 0)"
