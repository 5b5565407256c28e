#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `driftguard learn -- podman run ...` picks the seccomp gate by itself
# (podman -> conmon -> runc: only the container gets a filter), and what it
# writes starts the same workload under podman at its defaults
# (noNewPrivileges false). A container without a filter opens no gate:
# nothing recorded, no profile, the reason on stderr.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engines.sh"
require_root
if ! command -v podman >/dev/null; then
	echo "not ok - podman is missing: run scripts/setup.sh (Debian: apt-get install podman)"
	exit 1
fi
# podman as engines.sh runs it: its storage on a tmpfs of the test's (an
# overlay on the overlay of CI's fresh root would not mount), cgroupfs and
# a file for events (no systemd to ask), runc.
engines_init
podman_init

make_bundle "$TMP/b" true
# This host lets no one raise rlimits (no CAP_SYS_RESOURCE), and podman sets
# nofile/nproc to its own defaults: ask for lower ones. runc, as the README
# says (crun 1.8 refuses this host's hybrid cgroups).
# pod OPTION... -- CMD...
pod() {
	local opts=()
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	# shellcheck disable=SC2086 # $PODMAN is a command line
	$PODMAN run --rm --network none --ulimit nofile=1024:1024 \
		--ulimit nproc=1000:1000 "${opts[@]}" --rootfs "$TMP/b/rootfs" "$@"
}

set +e
# shellcheck disable=SC2086 # $PODMAN is a command line
out1=$("$DG" learn -o "$TMP/p.json" -- $PODMAN run --rm --network none \
	--ulimit nofile=1024:1024 --ulimit nproc=1000:1000 --rootfs "$TMP/b/rootfs" \
	sh -c 'echo hello | tr a-z A-Z; ls / | wc -l' 2>"$TMP/learn.err")
rc=$?
set -e
check "learn -- podman run: exit 0 ($rc; $(head -c 300 "$TMP/learn.err"))" [ "$rc" -eq 0 ]
check "the seccomp gate was picked by itself" grep -q "recording starts where podman's seccomp filter" "$TMP/learn.err"
check "the profile passes driftguard check" "$DG" check -q "$TMP/p.json"
for s in mount pivot_root unshare keyctl; do
	check "podman's, conmon's and runc's set-up stays out: no $s" \
		bash -c "! jq -e --arg n $s '.syscalls[].names | index(\$n)' '$TMP/p.json' >/dev/null"
done
for s in pipe2 getdents64 execve; do
	check "the workload is in: $s" profile_has "$TMP/p.json" "$s"
done

set +e
out2=$(pod --security-opt seccomp="$TMP/p.json" -- sh -c 'echo hello | tr a-z A-Z; ls / | wc -l' 2>"$TMP/replay.err")
rc=$?
set -e
check "podman (noNewPrivileges false) starts it under the learned profile (rc $rc; $(head -c 300 "$TMP/replay.err"))" \
	[ "$rc" -eq 0 ]
check "the same output ($out1 / $out2)" [ "$out1" = "$out2" ]

# --next NAME: podman's container (conmon runs `runc create`, podman `runc
# start`) is seen at create, matched by its podman name (not in the runtime
# state: containers/storage's containers.json, written at `podman create`)
# and learned from its filter on.
name=dgtest-podman-next-$$
"$DG" learn -o "$TMP/next.json" --next "$name" 2>"$TMP/next.err" &
dg=$!
for _ in $(seq 100); do
	grep -q "waiting for the next container" "$TMP/next.err" && break
	sleep 0.1
done
out4=$(pod --name "$name" -- sh -c 'echo hello | tr a-z A-Z; ls / | wc -l' 2>&1)
# It ends when the container exits; 30 s at most.
for _ in $(seq 300); do
	kill -0 "$dg" 2>/dev/null || break
	sleep 0.1
done
kill "$dg" 2>/dev/null || true
set +e
wait "$dg"
rc=$?
set -e
check "learn --next $name learns podman's container: exit 0 ($rc; $(cat "$TMP/next.err"))" [ "$rc" -eq 0 ]
check "learn --next: armed at its creation" jq -e '.comment | contains("armed at its creation")' "$TMP/next.json"
check "learn --next: the comment names it by its podman name" jq -e --arg name "$name" \
	'.comment | test("from container podman:[0-9a-f]{12} \\(" + $name + "\\) \\(learn --next ")' \
	"$TMP/next.json"
set +e
out5=$(pod --security-opt seccomp="$TMP/next.json" -- sh -c 'echo hello | tr a-z A-Z; ls / | wc -l' 2>&1)
rc=$?
set -e
check "podman starts it under what learn --next wrote (rc $rc; $out5)" [ "$rc" -eq 0 ]
check "the same output ($out4 / $out5)" [ "$out4" = "$out5" ]

# No filter: the gate never opens.
set +e
# shellcheck disable=SC2086 # $PODMAN is a command line
err=$("$DG" learn -o "$TMP/none.json" -- $PODMAN run --rm --network none \
	--ulimit nofile=1024:1024 --ulimit nproc=1000:1000 --security-opt seccomp=unconfined \
	--rootfs "$TMP/b/rootfs" true 2>&1)
rc=$?
set -e
check "seccomp=unconfined: non-zero ($rc)" [ "$rc" -ne 0 ]
check "seccomp=unconfined: says why ($err)" grep -q "nothing of the workload was recorded: no task ran under a seccomp filter" <<<"$err"
check "seccomp=unconfined: no profile written" [ ! -e "$TMP/none.json" ]
finish
