#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Every figure of README's Benchmark table in one run (issue 11): the cost
# per syscall of the floor, of driftguard's recorder paths and of the peers'
# recorders (build/bench/syscall_cost), then what `driftguard enforce`'s
# default costs host work and a bare syscall (bench/host_overhead.sh).
# Usage (root, from the source tree, after `ninja -C build`; under the
# host-wide lock, as enforce blocks drift in every container):
#   flock /tmp/dg-tests.lock bench/run.sh [ITERATIONS [ROUNDS]]
# (default 1000000 getppid x 9 rounds for syscall_cost; ROUNDS rounds of
# host_overhead too). Prints the machine first: the figures are ratios of
# one run, never to be compared across machines.
set -euo pipefail
cd "$(dirname "$0")/.."

ITERATIONS=${1:-1000000}
ROUNDS=${2:-9}

flags=$( (grep -o -w -E 'pti|pcid' /proc/cpuinfo || true) | sort -u | tr '\n' ' ')
echo "bench/run.sh, $(date -u +%FT%TZ): kernel $(uname -r), $(nproc) CPUs," \
	"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//');" \
	"of the CPU flags pti and pcid: ${flags:-neither}"
build/bench/syscall_cost "$ITERATIONS" "$ROUNDS"
echo
bench/host_overhead.sh "$ROUNDS"
