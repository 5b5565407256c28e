#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `driftguard hook` through a real `podman run --annotation
# io.containers.trace-syscall=...` (podman 4.3, runc; hooks.d holding the
# hook JSON meson generates): the profile is written when the container
# exits, is valid, holds the workload's syscalls, and podman starts the same
# workload under it at its defaults; "if:" extends an input profile (the
# union); a malformed annotation fails the start with a message saying what
# is wrong; a container that cannot be recorded is not started.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engines.sh"
require_root
: "${DG_OCI_HOOK:?DG_OCI_HOOK must name the hook JSON meson generates}"
for tool in podman conmon runc jq; do
	if ! command -v "$tool" >/dev/null; then
		echo "not ok - $tool is missing: run scripts/setup.sh (Debian: apt-get install podman)"
		exit 1
	fi
done
engines_init
podman_init

# The image: a busybox rootfs with the test workloads (try_syscall makes one
# distinctive syscall: getcpu; sysinfo(NULL), which ends in EFAULT when the
# kernel runs it and in EPERM when the profile denies it), imported as
# podman would get it.
make_bundle "$TMP/b" true
tar -C "$TMP/b/rootfs" -cf "$TMP/image.tar" .
$PODMAN import "$TMP/image.tar" dghook:1 >/dev/null 2>&1 || engine_fail "podman import" "$ENGINES/podman/info.log"

# hooks.d: the generated JSON as meson installs it, the hook's path pointed at
# the binary under test and its learner's messages kept for the log.
mkdir -p "$TMP/hooks.d"
check "the generated hook JSON names the annotation" \
	jq -e '.version == "1.0.0" and .stages == ["prestart"] and
		.when.annotations["^io\\.containers\\.trace-syscall$"] == ".*" and
		.hook.args[0:2] == ["driftguard", "hook"]' "$DG_OCI_HOOK"
jq --arg dg "$DG" --arg log "$TMP/hook.log" '.hook.path = $dg | .hook.args += ["--log", $log]' \
	"$DG_OCI_HOOK" >"$TMP/hooks.d/driftguard-trace-syscall.json"
HPODMAN="$PODMAN --hooks-dir $TMP/hooks.d"
mkdir -p "$TMP/out"

# hrun OPTION... -- CMD...: podman run of the image with the hooks dir
hrun() {
	local opts=()
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	# shellcheck disable=SC2086 # $HPODMAN and $PODMAN_ULIMITS are command lines
	$HPODMAN run --rm --network none $PODMAN_ULIMITS "${opts[@]}" dghook:1 "$@"
}

# wait_profile FILE: the learner writes it once the container's init has exited
wait_profile() {
	wait_for 20 test -s "$1"
}

# 1. of: alone.
set +e
out1=$(hrun --annotation "io.containers.trace-syscall=of:$TMP/out/p.json" -- \
	sh -c 'try_syscall getcpu; echo hello | tr a-z A-Z' 2>"$TMP/run1.err")
rc=$?
set -e
check "podman run with the annotation: exit 0 ($rc; $(head -c 400 "$TMP/run1.err"))" [ "$rc" -eq 0 ]
check "the container ran (\"$out1\")" grep -q "^getcpu: ok" <<<"$out1"
check "the profile is written when the container exits ($(tail -n 3 "$TMP/hook.log" 2>/dev/null | tr '\n' ' '))" \
	wait_profile "$TMP/out/p.json"
check "the profile passes driftguard check" "$DG" check -q "$TMP/out/p.json"
for s in getcpu execve pipe2; do
	check "the workload is in: $s" profile_has "$TMP/out/p.json" "$s"
done
for s in mount pivot_root keyctl; do
	check "podman's, conmon's and runc's set-up stays out: no $s" \
		bash -c "! jq -e --arg n $s '.syscalls[].names | index(\$n)' '$TMP/out/p.json' >/dev/null"
done
check "the comment says how it was learned" \
	jq -e '.comment | contains("driftguard hook: armed before its process ran")' "$TMP/out/p.json"
check "sysinfo, which the workload never made, is not allowed" \
	bash -c "! jq -e '.syscalls[].names | index(\"sysinfo\")' '$TMP/out/p.json' >/dev/null"

set +e
out2=$(hrun --security-opt seccomp="$TMP/out/p.json" -- \
	sh -c 'try_syscall getcpu; echo hello | tr a-z A-Z' 2>"$TMP/replay.err")
rc=$?
set -e
check "podman (noNewPrivileges false) replays it under the profile (rc $rc; $(head -c 300 "$TMP/replay.err"))" \
	[ "$rc" -eq 0 ]
check "the same output ($out1 / $out2)" [ "$out1" = "$out2" ]
set +e
denied=$(hrun --security-opt seccomp="$TMP/out/p.json" -- try_syscall sysinfo 2>&1)
set -e
check "under it, sysinfo is denied: EPERM ($denied)" grep -qx 'sysinfo: errno 1' <<<"$denied"

# 2. if:IN;of:OUT - the union of the input and what this run made.
set +e
out3=$(hrun --annotation "io.containers.trace-syscall=if:$TMP/out/p.json;of:$TMP/out/p2.json" -- \
	try_syscall sysinfo 2>"$TMP/run3.err")
rc=$?
set -e
check "podman run with if:;of: exit 0 ($rc; $(head -c 400 "$TMP/run3.err"))" [ "$rc" -eq 0 ]
check "if:;of: the container ran (\"$out3\")" grep -qx "sysinfo: errno 14" <<<"$out3"
check "if:;of: the profile is written" wait_profile "$TMP/out/p2.json"
check "if:;of: the profile passes driftguard check" "$DG" check -q "$TMP/out/p2.json"
check "if:;of: the new syscall is in: sysinfo" profile_has "$TMP/out/p2.json" sysinfo
check "if:;of: the input's are kept: getcpu" profile_has "$TMP/out/p2.json" getcpu
check "if:;of: the input is unchanged" bash -c "! jq -e '.syscalls[].names | index(\"sysinfo\")' '$TMP/out/p.json' >/dev/null"
check "if:;of: the comment names both" jq -e '.comment | startswith("merged by driftguard from: learned by")' "$TMP/out/p2.json"
set +e
out4=$(hrun --security-opt seccomp="$TMP/out/p2.json" -- \
	sh -c 'try_syscall getcpu; try_syscall sysinfo' 2>&1)
rc=$?
set -e
check "both workloads replay under the union: exit 0 ($rc)" [ "$rc" -eq 0 ]
check "under the union, getcpu works ($out4)" grep -q '^getcpu: ok' <<<"$out4"
check "under the union, sysinfo reaches the kernel ($out4)" grep -qx 'sysinfo: errno 14' <<<"$out4"

# 3. Malformed annotations fail the start, saying what is wrong; nothing runs.
bad() {
	local value=$1 expect=$2 err rc
	set +e
	err=$(hrun --annotation "io.containers.trace-syscall=$value" -- touch /tmp/ran 2>&1)
	rc=$?
	set -e
	check "\"$value\": the start fails ($rc)" [ "$rc" -ne 0 ]
	check "\"$value\": podman shows why ($(head -c 400 <<<"$err"))" grep -qF -- "$expect" <<<"$err"
}
bad "of:relative/p.json" 'the of: path "relative/p.json" is relative'
bad "if:$TMP/out/p.json" "no of: (where to write the profile) given"
bad "xf:/tmp/p.json" "starts with neither if: nor of:"
bad "if:/a;of:/b;of:/c" "more than one ';'"
bad "if:$TMP/out/missing.json;of:$TMP/out/p3.json" "the if: profile"
bad "of:$TMP/no-such-dir/p.json" "the of: path"
check "nothing written for the failed starts" [ ! -e "$TMP/out/p3.json" ]

# 4. A container that runs without a filter records nothing: no profile, the
# reason in the learner's log (the start itself succeeds: the hook armed).
set +e
hrun --security-opt seccomp=unconfined --annotation "io.containers.trace-syscall=of:$TMP/out/none.json" -- \
	true >/dev/null 2>&1
set -e
check "seccomp=unconfined: the learner says why" \
	wait_for 20 grep -q "nothing of the workload was recorded" "$TMP/hook.log"
check "seccomp=unconfined: no profile written" [ ! -e "$TMP/out/none.json" ]
finish
