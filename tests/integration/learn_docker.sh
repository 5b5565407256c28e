#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Docker as a consumer of learned profiles, at its defaults (noNewPrivileges
# false, docker's default capabilities; the test's dockerd, engines.sh):
#  1. a profile learned once with `runc run` (noNewPrivileges true, what
#     `runc spec` writes) starts the same workload under
#     `docker run --security-opt seccomp=PROFILE`: the same output, exit 0;
#     a syscall the profile lacks fails with EPERM there (and works under
#     docker's own default profile), so the profile is really applied;
#  2. `learn --next NAME` of a `docker run --name NAME` container, matched by
#     its docker name (docker keeps it in its own records, not in the OCI
#     state), armed at its creation; another container created meanwhile
#     is not taken; what it wrote starts the same workload under docker.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/engines.sh"
require_root

for tool in "$DOCKERD_BIN" "$DOCKER_BIN" containerd runc; do
	if ! command -v "$tool" >/dev/null; then
		echo "not ok - $tool is not installed: run scripts/setup.sh (docker.io)"
		exit 1
	fi
done
engines_init
if ! docker_start; then
	engine_fail "dockerd started" "$ENGINES/docker/dockerd.log"
	finish
	exit 1
fi

workload='echo hello | tr a-z A-Z; seq 1 5 | sort -r | tr "\n" " "; echo; /bin/try_syscall none'
make_bundle "$TMP/b" sh -c "$workload"
# The image: the same rootfs (busybox and the test workloads), no registry.
tar -C "$TMP/b/rootfs" -cf "$TMP/rootfs.tar" .
$DOCKER import "$TMP/rootfs.tar" dglearn:1 >/dev/null ||
	engine_fail "docker import" "$ENGINES/docker/dockerd.log"

# drun OPTION...: `docker run` at docker's defaults; no network (this
# dockerd has no bridge), removed when it exits
drun() {
	$DOCKER run --rm --network none "$@"
}

# docker's defaults, as the replays below get them: no noNewPrivileges,
# docker's default capability set (CapEff 00000000a80425fb), a filter
status=$(drun dglearn:1 grep -E '^(NoNewPrivs|CapEff|Seccomp):' /proc/self/status 2>&1 || true)
check "docker's defaults: noNewPrivileges false, its default capabilities, a filter ($(tr '\n\t' '  ' <<<"$status"))" \
	bash -c 'grep -qx "NoNewPrivs:\s*0" <<<"$1" && grep -qx "CapEff:\s*00000000a80425fb" <<<"$1" &&
		grep -qx "Seccomp:\s*2" <<<"$1"' _ "$status"

# 1. Learned once under `runc run`, replayed under docker.
id=$(new_id docker-learn)
out1=$("$DG" learn -q -o "$TMP/p.json" -- runc run -b "$TMP/b" "$id" 2>"$TMP/learn.err") ||
	fail "learning under runc run failed: $(cat "$TMP/learn.err")"
check "learned under runc with noNewPrivileges true" jq -e '.process.noNewPrivileges == true' \
	"$TMP/b/config.json"
check "the workload ran under runc ($out1)" grep -q "^HELLO" <<<"$out1"
set +e
out2=$(drun --security-opt seccomp="$TMP/p.json" dglearn:1 sh -c "$workload" 2>"$TMP/replay.err")
rc=$?
set -e
check "docker (noNewPrivileges false) starts it under the runc-learned profile (rc $rc; $(head -c 300 "$TMP/replay.err"))" \
	[ "$rc" -eq 0 ]
check "the same output ($out1 / $out2)" [ "$out1" = "$out2" ]
out=$(drun --security-opt seccomp="$TMP/p.json" dglearn:1 /bin/try_syscall getcpu 2>&1 || true)
check "under docker, a syscall the profile lacks fails with EPERM ($out)" [ "$out" = "getcpu: errno 1" ]
out=$(drun dglearn:1 /bin/try_syscall getcpu 2>&1 || true)
check "docker's own default profile allows it, so EPERM came from the profile ($out)" \
	[ "$out" = "getcpu: ok" ]

# 2. learn --next NAME of a `docker run --name NAME` container. This
# dockerd's runc root is on the test's tmpfs (a default dockerd's,
# /run/docker/runtime-runc/moby, is watched by default).
name=dgtest-docker-next-$$
"$DG" learn -o "$TMP/next.json" --next "$name" \
	--runtime-root "$ENGINES/docker/exec/runtime-runc/moby" 2>"$TMP/next.err" &
dg=$!
wait_for 10 grep -q "waiting for the next container" "$TMP/next.err" ||
	fail "learn --next never said it was waiting: $(cat "$TMP/next.err")"
# Another name first (the pattern's as a prefix): not taken.
drun --name "$name-other" dglearn:1 true >/dev/null 2>&1 || true
check "a container of another name is not taken: learn --next still waits" kill -0 "$dg"
set +e
out4=$(drun --name "$name" dglearn:1 sh -c "$workload" 2>"$TMP/next-run.err")
run_rc=$?
set -e
# It ends when the container exits; 30 s at most.
wait_for 30 bash -c "! kill -0 $dg" || true
kill "$dg" 2>/dev/null || true
set +e
wait "$dg"
rc=$?
set -e
check "docker ran it (rc $run_rc; $(head -c 300 "$TMP/next-run.err"))" [ "$run_rc" -eq 0 ]
check "learn --next $name: exit 0 ($rc; $(tail -n 3 "$TMP/next.err" | tr '\n' ' '))" [ "$rc" -eq 0 ]
check "the comment names the docker container by its name, armed at its creation ($(jq -r .comment "$TMP/next.json" 2>&1))" \
	jq -e --arg name "$name" '.comment | test("from container docker:[0-9a-f]{12} \\(" + $name +
		"\\) \\(learn --next " + $name + ": armed at its creation")' "$TMP/next.json"
check "the profile passes driftguard check" "$DG" check -q "$TMP/next.json"
for s in execve pipe2 wait4; do
	check "the workload is in: $s" profile_has "$TMP/next.json" "$s"
done
set +e
out5=$(drun --security-opt seccomp="$TMP/next.json" dglearn:1 sh -c "$workload" 2>"$TMP/replay2.err")
rc=$?
set -e
check "docker starts it under what learn --next wrote (rc $rc; $(head -c 300 "$TMP/replay2.err"))" \
	[ "$rc" -eq 0 ]
check "the same output ($out4 / $out5)" [ "$out4" = "$out5" ]
check "and the output of the runc run ($out1)" [ "$out1" = "$out5" ]
finish
