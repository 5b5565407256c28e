# SPDX-License-Identifier: GPL-2.0-only
# Helpers of the enforce tests (sourced after lib.sh): the container on an
# overlay whose upper layer is the drift, and driftguard enforce run in the
# background for the length of a check.

# overlay_bundle DIR [PREPARE]: a runc bundle DIR/bundle whose rootfs is an
# overlay: lower = a make_bundle busybox image in DIR/image (the function
# PREPARE, given the image's rootfs, adds to it before the mount), upper =
# DIR/upper, what the container writes. Unmounted when the test exits.
overlay_bundle() {
	local dir=$1 prepare=${2:-}
	mkdir -p "$dir/upper" "$dir/work" "$dir/bundle/rootfs"
	make_bundle "$dir/image" true
	[ -z "$prepare" ] || "$prepare" "$dir/image/rootfs"
	mount -t overlay overlay -o \
		"lowerdir=$dir/image/rootfs,upperdir=$dir/upper,workdir=$dir/work" "$dir/bundle/rootfs"
	UNMOUNT+=("$dir/bundle/rootfs")
	cp "$dir/image/config.json" "$dir/bundle/config.json"
}

# start_enforcer RULES [ARGS...]: driftguard enforce in the background
# ($ENFORCER), its log in $ENFORCE_LOG (default $TMP/enforce.log), its
# events in $TMP/events.json, emptied first unless KEEP_EVENTS is set.
# Returns once it enforces (or audits); fails the test if it did not start.
start_enforcer() {
	local rules=$1 log=${ENFORCE_LOG:-$TMP/enforce.log}
	shift
	[ -n "${KEEP_EVENTS:-}" ] || : >"$TMP/events.json"
	"$DG" enforce -r "$rules" --events "$TMP/events.json" --pidfile "$TMP/dg.pid" "$@" \
		2>"$log" &
	ENFORCER=$!
	for _ in $(seq 100); do
		grep -qE "^driftguard: (enforcing|auditing)" "$log" && return 0
		kill -0 "$ENFORCER" 2>/dev/null || break
		sleep 0.1
	done
	fail "enforcer did not start: $(cat "$log")"
	return 1
}

stop_enforcer() {
	kill "$ENFORCER" 2>/dev/null || true
	wait "$ENFORCER" 2>/dev/null || true
}

# event_with JQ_FILTER: some event of $TMP/events.json matches
event_with() {
	jq -e -s "any(.[]; $1)" "$TMP/events.json" >/dev/null
}
