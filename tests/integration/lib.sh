# SPDX-License-Identifier: GPL-2.0-only
# Helpers shared by the integration tests (sourced). Tests run as root on the
# real kernel with real runc: nothing here mocks either.
set -euo pipefail

DG=${DG:?DG must name the driftguard binary}
WORKLOADS=${WORKLOADS:?WORKLOADS must name the directory of the built test workloads}
TMP=$(mktemp -d /tmp/dg-test.XXXXXX)
FAILS=0
PASSES=0
CONTAINERS=()
UNMOUNT=() # mounts to undo at exit, after the containers that use them are gone

cleanup() {
	local c m
	# new_id runs in a command substitution (a subshell): its ids are found
	# again by their suffix, this shell's pid.
	for c in "${CONTAINERS[@]}" $(runc list -q 2>/dev/null | grep -E "^dgtest-.*-$$\$" || true); do
		runc delete --force "$c" >/dev/null 2>&1 || true
	done
	for m in "${UNMOUNT[@]}"; do
		umount "$m" 2>/dev/null || true
	done
	if [ -n "${DG_KEEP_TMP:-}" ]; then
		echo "# kept $TMP (DG_KEEP_TMP)"
	else
		rm -rf "$TMP"
	fi
}
trap cleanup EXIT

pass() { PASSES=$((PASSES + 1)); echo "ok - $*"; }
fail() { FAILS=$((FAILS + 1)); echo "not ok - $*"; }

# check DESCRIPTION COMMAND...: pass if the command succeeds
check() {
	local what=$1
	shift
	if "$@"; then pass "$what"; else fail "$what"; fi
}

finish() {
	echo "$PASSES passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
}

require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "not ok - these tests need root (BPF, runc)"
		exit 1
	fi
}

# make_bundle DIR ARGS...: a runc bundle with a busybox rootfs, the test
# workloads in /bin, no seccomp profile, and ARGS as the container process.
make_bundle() {
	local dir=$1
	shift
	mkdir -p "$dir/rootfs/bin" "$dir/rootfs/tmp" "$dir/rootfs/etc"
	cp /bin/busybox "$dir/rootfs/bin/busybox"
	for applet in $("$dir/rootfs/bin/busybox" --list); do
		[ "$applet" = busybox ] || ln -s busybox "$dir/rootfs/bin/$applet"
	done
	cp "$WORKLOADS"/threads "$WORKLOADS"/try_syscall "$WORKLOADS"/compat32 \
		"$WORKLOADS"/first_syscall "$dir/rootfs/bin/"
	echo "root:x:0:0:root:/:/bin/sh" >"$dir/rootfs/etc/passwd"
	(cd "$dir" && runc spec)
	local args
	args=$(jq -n '$ARGS.positional' --args -- "$@")
	jq --argjson args "$args" \
		'.process.terminal = false | .root.readonly = false | .process.args = $args | del(.linux.seccomp)' \
		"$dir/config.json" >"$dir/config.json.new"
	mv "$dir/config.json.new" "$dir/config.json"
}

# set_args DIR ARGS...: change the container process of a bundle
set_args() {
	local dir=$1 args
	shift
	args=$(jq -n '$ARGS.positional' --args -- "$@")
	jq --argjson args "$args" '.process.args = $args' "$dir/config.json" >"$dir/config.json.new"
	mv "$dir/config.json.new" "$dir/config.json"
}

# use_profile DIR PROFILE: make PROFILE the bundle's linux.seccomp
use_profile() {
	jq --slurpfile p "$2" '.linux.seccomp = $p[0]' "$1/config.json" >"$1/config.json.new"
	mv "$1/config.json.new" "$1/config.json"
}

# new_id NAME: a container id unique to this run (dgtest-NAME-PID), deleted at exit
new_id() {
	local id="dgtest-$1-$$"
	CONTAINERS+=("$id")
	echo "$id"
}

# profile_has PROFILE NAME: NAME is in an SCMP_ACT_ALLOW rule
profile_has() {
	jq -e --arg n "$2" '[.syscalls[] | select(.action == "SCMP_ACT_ALLOW") | .names[]] |
		index($n) != null' "$1" >/dev/null
}
