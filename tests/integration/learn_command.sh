#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `driftguard learn -- CMD` on the host kernel: nothing missed at start-up,
# forks followed, exit status passed through, Ctrl-C writes the profile.
. "$(dirname "$0")/lib.sh"
require_root

# The workload's first and only action is getcpu: the profile must be exactly
# execve (the exec itself), getcpu and exit_group, plus exit and rt_sigreturn
# (always allowed, see generator/learned.c); a plain command gets no runtime
# baseline unless asked.
"$DG" learn -q -o "$TMP/first.json" -- "$WORKLOADS/first_syscall"
names=$(jq -c '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[]]' "$TMP/first.json")
check "first syscall recorded, nothing else: $names" \
	[ "$names" = '["execve","exit","exit_group","getcpu","rt_sigreturn"]' ]
check "the profile's comment names the command, the kernel and the baselines" jq -e --arg k "$(uname -r)" \
	'.comment | test("^learned by driftguard [0-9.]+ from `.*/first_syscall`, [0-9T:-]+Z, kernel ") and
	endswith($k + "; runtime baselines: none")' "$TMP/first.json"
# Asked for, a plain command gets a runtime's baseline too, and the comment says which.
"$DG" learn -q --runtime-baseline crun -o "$TMP/first-crun.json" -- "$WORKLOADS/first_syscall"
check "--runtime-baseline crun: crun's setresuid is allowed" profile_has "$TMP/first-crun.json" setresuid
check "--runtime-baseline crun: the comment names crun's files and version" jq -e \
	'.comment | test("; runtime baselines: crun, crun-nnp \\(crun [0-9.]+\\)$")' "$TMP/first-crun.json"
# --format spo|k8s: the exporter `convert` uses (generator/profile_export.c).
"$DG" learn -q --format spo -o "$TMP/first-spo.yaml" -- "$WORKLOADS/first_syscall"
check "--format spo: a SeccompProfile named after the file" bash -c \
	"grep -qx 'kind: SeccompProfile' '$TMP/first-spo.yaml' && grep -q 'name: first-spo' '$TMP/first-spo.yaml'"
check "--format spo: it allows getcpu" grep -qE '^ *- getcpu$' "$TMP/first-spo.yaml"
"$DG" learn -q --format k8s -o "$TMP/first-k8s" -- "$WORKLOADS/first_syscall"
check "--format k8s: the profile (FILE.json) allows getcpu" profile_has "$TMP/first-k8s.json" getcpu
check "--format k8s: the pod snippet (FILE.yaml) names it" \
	grep -q 'localhostProfile: driftguard/first-k8s.json' "$TMP/first-k8s.yaml"
set +e
err=$("$DG" learn --format k8s -o - -- true 2>&1)
rc=$?
set -e
check "--format k8s -o -: usage error ($rc: $err)" [ "$rc" -eq 2 ]
check "profile is OCI: default ERRNO/EPERM, x86_64" jq -e '.defaultAction == "SCMP_ACT_ERRNO" and
	.defaultErrnoRet == 1 and .architectures == ["SCMP_ARCH_X86_64"]' "$TMP/first.json"
check "clone3 answers ENOSYS when unrecorded" jq -e '[.syscalls[] | select(.action ==
	"SCMP_ACT_ERRNO" and .errnoRet == 38) | .names[]] | index("clone3") != null' "$TMP/first.json"

# Children are followed: only the child runs ls (getdents64), wc reads a pipe.
out=$("$DG" learn -q -o "$TMP/pipe.json" -- /bin/busybox sh -c 'busybox ls / | busybox wc -l')
check "pipeline output passed through ($out)" [ "$out" -gt 3 ]
for s in getdents64 pipe2 wait4 execve; do
	check "forked children recorded: $s" profile_has "$TMP/pipe.json" "$s"
done

# Exit status passes through; the profile is still written.
set +e
"$DG" learn -q -o "$TMP/exit.json" -- /bin/busybox sh -c 'exit 7'
rc=$?
set -e
check "exit status 7 passed through (got $rc)" [ "$rc" -eq 7 ]
check "profile written for a failing command" profile_has "$TMP/exit.json" exit_group

# Failing again over that profile: it stays, this run's goes to PATH.partial.
cp "$TMP/exit.json" "$TMP/exit.before"
set +e
err=$("$DG" learn -o "$TMP/exit.json" -- /bin/busybox sh -c 'busybox true; exit 7' 2>&1)
rc=$?
set -e
check "failing over a profile: status 7 (got $rc)" [ "$rc" -eq 7 ]
check "failing over a profile: the profile stays" cmp -s "$TMP/exit.json" "$TMP/exit.before"
check "failing over a profile: PATH.partial written" profile_has "$TMP/exit.json.partial" exit_group
check "failing over a profile: says where ($err)" \
	grep -q "is kept and this run's profile was written to $TMP/exit.json.partial" <<<"$err"

# Ctrl-C: the profile is written with what was seen, the command stops.
"$DG" learn -q -o "$TMP/int.json" -- /bin/busybox sleep 30 &
dg=$!
for _ in $(seq 50); do
	pgrep -f "busybox sleep 30" >/dev/null && break
	sleep 0.1
done
sleep 0.3
kill -INT "$dg"
set +e
wait "$dg"
rc=$?
set -e
check "SIGINT stops the workload (status $rc)" [ "$rc" -eq 130 ]
check "profile written on SIGINT" profile_has "$TMP/int.json" clock_nanosleep

# A command that cannot be run: clear error, exit 125, no output file.
set +e
err=$("$DG" learn -o "$TMP/none.json" -- /nonexistent/cmd 2>&1)
rc=$?
set -e
check "missing command: exit 125 ($rc)" [ "$rc" -eq 125 ]
check "missing command: message names it ($err)" grep -q "cannot run /nonexistent/cmd" <<<"$err"
check "missing command: no profile written" [ ! -e "$TMP/none.json" ]

# driftguard itself leaks nothing and makes no memory errors (valgrind). learn
# cannot run under valgrind 3.19 (it does not implement pidfd_open), so the
# BPF load/attach/destroy paths are covered through probe, and check/merge.
vg() {
	valgrind --quiet --suppressions="$(dirname "$0")/../valgrind.supp" --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=99 "$@" >/dev/null
}
check "probe under valgrind: no leaks or memory errors" vg "$DG" probe
check "check under valgrind: no leaks or memory errors" vg "$DG" check "$TMP/first.json"
check "merge under valgrind: no leaks or memory errors" \
	vg "$DG" merge "$TMP/first.json" "$TMP/pipe.json" -o "$TMP/merged.json"

finish
