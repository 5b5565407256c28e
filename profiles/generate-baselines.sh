#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# profiles/generate-baselines.sh [ROUNDS]  (root, from the source tree, after a build)
#
# Learns the runtime baselines in profiles/runtimes/: the syscalls an OCI
# runtime itself makes after it has installed the container's seccomp filter,
# which every profile it is given must therefore allow. Where the filter goes
# depends on noNewPrivileges: with it, runc and crun install the filter just
# before exec'ing the workload; without it, before dropping privileges, so
# their capset/setgid/setuid/... fall under it too. Hence one baseline per
# runtime and setting.
#
# How: driftguard learns a probe container whose workload makes exactly one
# syscall of its own, getcpu, before exit_group (tests/workloads/
# first_syscall: no libc, no start-up code); getcpu is then taken out, so
# what remains is the runtime's (plus exit and rt_sigreturn, which learn
# allows in every profile: see generator/learned.c). learn runs with
# --runtime-baseline none, so that the baselines do not feed into
# themselves. Each setting is learned ROUNDS times (default 5) and the runs
# merged, since a Go runtime's scheduler syscalls in that window depend on
# timing; for runc (Go) the ones a run may miss are added by name (go_tail).
# crun 1.8 refuses hybrid cgroup hosts, so
# it runs in a private mount namespace with cgroup2 on /sys/fs/cgroup and no
# linux.resources.
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=${1:-5}
DG=${DG:-build/cli/driftguard}
probe=${PROBE:-build/tests/workloads/first_syscall}
out=profiles/runtimes
die() { echo "generate-baselines.sh: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (BPF, runtimes)"
[ -x "$DG" ] && [ -x "$probe" ] || die "build first: meson setup build && ninja -C build ($DG, $probe)"
for t in runc crun jq unshare; do
	command -v "$t" >/dev/null || die "'$t' not found (scripts/setup.sh installs it)"
done

work=$(mktemp -d /tmp/driftguard-baselines.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bundle/rootfs"
cp "$probe" "$work/bundle/rootfs/probe"
(cd "$work/bundle" && runc spec)

# A Go runtime (runc) keeps running its scheduler, GC and preemption signals
# between installing the filter and exec'ing the workload. Which of these
# fall into that window depends on timing, so a few learning runs may miss
# one that a later start needs (a replay of runc was seen dying in
# rt_sigreturn, and on "futexwakeup returned -1").
go_tail='["futex","getpid","gettid","madvise","mmap","munmap","nanosleep","rt_sigprocmask","sched_yield","sigaltstack","tgkill"]'

# learn_once RUNTIME NNP OUT
learn_once() {
	local rt=$1 nnp=$2 dst=$3 id="dg-baseline-$1-$$-$RANDOM"
	jq --argjson nnp "$nnp" '.process.terminal = false | .process.args = ["/probe"] |
		.process.noNewPrivileges = $nnp | del(.linux.seccomp) | del(.linux.resources)' \
		"$work/bundle/config.json" >"$work/config.json"
	mv "$work/config.json" "$work/bundle/config.json"
	case $rt in
	runc) "$DG" learn -q --runtime-baseline none -o "$dst" -- runc run -b "$work/bundle" "$id" ;;
	crun) unshare -m sh -ec 'mount --make-rprivate /
		mount -t cgroup2 none /sys/fs/cgroup
		exec "$@"' sh "$DG" learn -q --runtime-baseline none -o "$dst" \
		-- crun run -b "$work/bundle" "$id" ;;
	esac
}

kernel=$(uname -r)
today=$(date -u +%Y-%m-%d)
for rt in runc crun; do
	version=$("$rt" --version | head -n1)
	for nnp in true false; do
		name=$rt$([ "$nnp" = true ] && echo -nnp || true)
		runs=()
		for i in $(seq "$rounds"); do
			learn_once "$rt" "$nnp" "$work/$name-$i.json"
			runs+=("$work/$name-$i.json")
		done
		"$DG" merge -o "$work/$name.json" "${runs[@]}"
		tail='[]'
		[ "$rt" = runc ] && tail=$go_tail
		jq --arg c "driftguard runtime baseline: what $version does after installing the filter, noNewPrivileges $nnp; learned by profiles/generate-baselines.sh ($rounds runs merged) on $today, kernel $kernel" \
			--argjson tail "$tail" \
			'.comment = $c | .syscalls = [.syscalls[] | select(.action == "SCMP_ACT_ALLOW") |
			.names = (.names - ["getcpu"] + $tail | unique)]' "$work/$name.json" >"$out/$name.json"
		"$DG" check -q "$out/$name.json"
		echo "generate-baselines.sh: $out/$name.json: $(jq '[.syscalls[].names[]] | length' "$out/$name.json") syscalls"
	done
done
