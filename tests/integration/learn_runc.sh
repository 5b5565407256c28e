#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Learn busybox workloads run by real runc, then run each under the same runc
# with the learned profile: same output, exit 0; a syscall the learned run
# never made fails with EPERM.
. "$(dirname "$0")/lib.sh"
require_root

# learn_and_replay NAME ARGS...
learn_and_replay() {
	local name=$1 id out1 out2 rc
	shift
	make_bundle "$TMP/$name" "$@"
	id=$(new_id "$name")
	out1=$("$DG" learn -q -o "$TMP/$name.json" -- runc run -b "$TMP/$name" "$id") || {
		fail "$name: learning run failed"
		return
	}
	check "$name: profile passes driftguard check" "$DG" check -q "$TMP/$name.json"
	# runc's set-up before the filter (mounts, pivot_root) must stay out.
	for s in pivot_root mount sethostname; do
		check "$name: runtime set-up syscall $s not in profile" \
			bash -c "! jq -e --arg n $s '.syscalls[].names | index(\$n)' '$TMP/$name.json' >/dev/null"
	done
	use_profile "$TMP/$name" "$TMP/$name.json"
	id=$(new_id "$name-replay")
	set +e
	out2=$(runc run -b "$TMP/$name" "$id" 2>"$TMP/$name.err")
	rc=$?
	set -e
	check "$name: runc runs it under the learned profile (rc $rc; $(head -c 300 "$TMP/$name.err"))" \
		[ "$rc" -eq 0 ]
	check "$name: same output under the profile" [ "$out1" = "$out2" ]
}

learn_and_replay pipeline sh -c 'echo hello world | tr a-z A-Z; ls /bin | head -3; seq 1 5 | sort -r | tr "\n" " "'
learn_and_replay fileio sh -c 'echo data > /tmp/f; cat /tmp/f; wc -c < /tmp/f; cp /tmp/f /tmp/g; ls -l /tmp | wc -l; rm /tmp/f /tmp/g'
learn_and_replay threads /bin/threads
learn_and_replay baseline /bin/try_syscall none

# The variant: the same program, one syscall the learned run never made.
set_args "$TMP/baseline" /bin/try_syscall getcpu
id=$(new_id variant)
out=$(runc run -b "$TMP/baseline" "$id" 2>&1 || true)
check "unlearned syscall fails with EPERM under the profile ($out)" [ "$out" = "getcpu: errno 1" ]
# And it works without a profile, so EPERM came from the profile.
jq 'del(.linux.seccomp)' "$TMP/baseline/config.json" >"$TMP/nosec.json"
mv "$TMP/nosec.json" "$TMP/baseline/config.json"
id=$(new_id variant-free)
out=$(runc run -b "$TMP/baseline" "$id" 2>&1 || true)
check "the same syscall works without the profile ($out)" [ "$out" = "getcpu: ok" ]

# The runtime fails before the container's process runs (a bind mount of a
# missing source): nothing of the workload was recorded, so no profile, not
# even FILE.partial, a non-zero exit and the reason.
make_bundle "$TMP/broken" true
jq '.mounts += [{"destination": "/mnt", "type": "bind", "source": "/nonexistent/dg-src",
	"options": ["rbind"]}]' "$TMP/broken/config.json" >"$TMP/broken.json"
mv "$TMP/broken.json" "$TMP/broken/config.json"
id=$(new_id broken)
set +e
err=$("$DG" learn -o "$TMP/broken-profile.json" -- runc run -b "$TMP/broken" "$id" 2>&1)
rc=$?
set -e
check "runtime fails first: non-zero exit ($rc)" [ "$rc" -ne 0 ]
check "runtime fails first: says nothing was recorded and why ($err)" \
	grep -q "runc exited with status [0-9]*: nothing of the workload was recorded: the runtime failed before it started" <<<"$err"
check "runtime fails first: no profile, no .partial" \
	bash -c "[ ! -e '$TMP/broken-profile.json' ] && [ ! -e '$TMP/broken-profile.json.partial' ]"

finish
