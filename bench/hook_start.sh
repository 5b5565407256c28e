#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# What `driftguard hook` adds to a container's start: `podman run --rm IMAGE
# true` (podman 4.3, runc, a busybox image; podman set up as the integration
# tests do, tests/integration/engines.sh) with and without the annotation
# io.containers.trace-syscall=of:..., in alternating rounds so that drift in
# machine speed hits both alike. Both runs have the same --hooks-dir: only
# the annotation differs. Prints the median (and fastest) milliseconds of
# each and the ratio. The annotated run returns once the container has
# exited; the learner writes the profile after that (each round waits for
# it, outside the timing).
# Usage (root, from the source tree, after `ninja -C build`; under the
# host-wide lock, as it starts containers and loads the recorder):
#   flock /tmp/dg-tests.lock bench/hook_start.sh [ROUNDS]     (default 15)
# A benchmark: it prints figures and never fails on a slow machine; it
# fails when podman or the hook does not work.
set -euo pipefail

ROUNDS=${1:-15}
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || {
	echo "usage: hook_start.sh [ROUNDS>=1]" >&2
	exit 1
}
export DG=${DRIFTGUARD:-$PWD/build/cli/driftguard}
export WORKLOADS=${WORKLOADS:-$PWD/build/tests/workloads}
HOOK_JSON=${HOOK_JSON:-$PWD/build/deploy/driftguard-trace-syscall.json}
for f in "$DG" "$HOOK_JSON"; do
	[ -e "$f" ] || {
		echo "hook_start: no $f: build first (ninja -C build), run from the source tree" >&2
		exit 1
	}
done
. tests/integration/lib.sh
. tests/integration/engines.sh
require_root
engines_init
podman_init
podman_import dgbench:1 || {
	echo "hook_start: podman import failed: $(tail -n 3 "$ENGINES/podman/info.log")" >&2
	exit 1
}
mkdir -p "$TMP/hooks.d" "$TMP/out"
jq --arg dg "$DG" '.hook.path = $dg' "$HOOK_JSON" >"$TMP/hooks.d/driftguard-trace-syscall.json"
P="$PODMAN --hooks-dir $TMP/hooks.d"

# ms COMMAND...: run it, print its wall time in milliseconds; fails with it
ms() {
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null 2>"$TMP/run.err" || {
		echo "hook_start: $* failed: $(head -c 400 "$TMP/run.err")" >&2
		return 1
	}
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

# shellcheck disable=SC2086 # $P and $PODMAN_ULIMITS are command lines
plain() { $P run --rm --network none $PODMAN_ULIMITS dgbench:1 true; }
# shellcheck disable=SC2086
hooked() {
	$P run --rm --network none $PODMAN_ULIMITS \
		--annotation "io.containers.trace-syscall=of:$TMP/out/p-$1.json" dgbench:1 true
}

# One of each first: podman's first run fills caches the rounds should not pay.
plain >/dev/null 2>&1 || true
hooked warm >/dev/null 2>&1 || true
off=() on=()
for i in $(seq "$ROUNDS"); do
	if [ $((i % 2)) -eq 1 ]; then
		off+=("$(ms plain)")
		on+=("$(ms hooked "$i")")
	else
		on+=("$(ms hooked "$i")")
		off+=("$(ms plain)")
	fi
	wait_for 20 test -s "$TMP/out/p-$i.json" || {
		echo "hook_start: round $i: no profile written" >&2
		exit 1
	}
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
fastest() { printf '%s\n' "$@" | sort -n | head -1; }
m_off=$(median "${off[@]}")
m_on=$(median "${on[@]}")
echo "podman run --rm IMAGE true, $ROUNDS rounds, alternating ($(podman --version), runc $(runc --version | sed -n 's/^runc version //p'), kernel $(uname -r)):"
printf '  %-28s median %6s ms   fastest %6s ms\n' "without the annotation" "$m_off" "$(fastest "${off[@]}")"
printf '  %-28s median %6s ms   fastest %6s ms\n' "with trace-syscall (hook)" "$m_on" "$(fastest "${on[@]}")"
awk -v a="$m_on" -v b="$m_off" 'BEGIN {printf "  ratio %.2f, +%d ms per start\n", a / b, a - b}'
