#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The shipped runtime baselines (profiles/runtimes/) make a profile travel:
# a profile learned under runc with noNewPrivileges true (what `runc spec`
# writes) fails to start a container with noNewPrivileges false (podman's and
# docker's default: the filter is then installed before runc drops
# privileges) and fails under crun; merged with the baseline of the target
# runtime and setting, it starts there and the workload runs the same.
. "$(dirname "$0")/lib.sh"
require_root

BASELINES=$(cd "$(dirname "$0")/../../profiles/runtimes" && pwd)

# crun in a private mount namespace with cgroup2 on /sys/fs/cgroup (crun 1.8
# refuses this host's hybrid cgroups; see learn_crun.sh)
crun_ns() {
	unshare -m sh -c 'mount -t cgroup2 none /sys/fs/cgroup && exec crun "$@"' crun "$@"
}

# run_with RUNTIME NNP PROFILE: run the bundle's workload; prints its output, returns its status
run_with() {
	local rt=$1 nnp=$2 profile=$3 id
	jq --argjson nnp "$nnp" --slurpfile p "$profile" \
		'.process.noNewPrivileges = $nnp | .linux.seccomp = $p[0] | del(.linux.resources)' \
		"$TMP/b/config.json" >"$TMP/config.json"
	mv "$TMP/config.json" "$TMP/b/config.json"
	id=$(new_id "$rt-$nnp-$RANDOM")
	case $rt in
	runc) runc run -b "$TMP/b" "$id" 2>"$TMP/err" ;;
	crun) crun_ns run -b "$TMP/b" "$id" 2>"$TMP/err" ;;
	esac
}

make_bundle "$TMP/b" sh -c 'echo hello | tr a-z A-Z'
id=$(new_id learn)
out1=$("$DG" learn -q -o "$TMP/learned.json" -- runc run -b "$TMP/b" "$id") ||
	fail "learning under runc (noNewPrivileges true) failed"
check "the learned profile names its source" \
	bash -c "jq -e '.comment | test(\"runc\")' '$TMP/learned.json' >/dev/null"
check "the learned profile names the baselines it has (default all)" jq -e '.comment |
	test("; runtime baselines: runc, runc-nnp \\(runc [^)]+\\), crun, crun-nnp \\(crun [^)]+\\)$")' \
	"$TMP/learned.json"
# The same without the baselines: what the runc run alone saw.
id=$(new_id learn-bare)
bare_out=$("$DG" learn -q --runtime-baseline none -o "$TMP/bare.json" -- runc run -b "$TMP/b" "$id") ||
	fail "learning under runc with --runtime-baseline none failed"
check "--runtime-baseline none: the same output ($bare_out)" [ "$out1" = "$bare_out" ]
check "--runtime-baseline none: the comment says so" \
	jq -e '.comment | endswith("; runtime baselines: none")' "$TMP/bare.json"
check "--runtime-baseline none: exit is allowed all the same" profile_has "$TMP/bare.json" exit

# TARGET: runtime, noNewPrivileges, its baseline, whether the bare profile alone fails there
for target in "runc true runc-nnp.json -" "runc false runc.json fails" "crun true crun-nnp.json -" \
	"crun false crun.json fails"; do
	read -r rt nnp base alone <<<"$target"
	set +e
	out2=$(run_with "$rt" "$nnp" "$TMP/learned.json")
	rc=$?
	set -e
	check "$rt, noNewPrivileges $nnp: the profile learn wrote starts (rc $rc; $(head -c 200 "$TMP/err"))" \
		[ "$rc" -eq 0 ]
	check "$rt, noNewPrivileges $nnp: learn's profile, the same output ($out2)" [ "$out1" = "$out2" ]
	if [ "$alone" = fails ]; then
		set +e
		run_with "$rt" "$nnp" "$TMP/bare.json" >/dev/null
		rc=$?
		set -e
		check "$rt, noNewPrivileges $nnp: the runc-learned profile alone does not start (rc $rc)" \
			[ "$rc" -ne 0 ]
	fi
	"$DG" merge -o "$TMP/portable-$rt-$nnp.json" "$TMP/bare.json" "$BASELINES/$base" 2>/dev/null
	set +e
	out2=$(run_with "$rt" "$nnp" "$TMP/portable-$rt-$nnp.json")
	rc=$?
	set -e
	check "$rt, noNewPrivileges $nnp: merged with $base it starts (rc $rc; $(head -c 200 "$TMP/err"))" \
		[ "$rc" -eq 0 ]
	check "$rt, noNewPrivileges $nnp: the same output ($out2)" [ "$out1" = "$out2" ]
done

# crun containers are not deleted by lib.sh's runc cleanup
for c in "${CONTAINERS[@]}"; do crun_ns delete --force "$c" >/dev/null 2>&1 || true; done
finish
