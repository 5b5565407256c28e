# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Real container engines for the integration tests (sourced after lib.sh):
# dockerd, containerd (ctr) and podman from Debian's packages, started by
# the test itself with all their state on a tmpfs of its own, so that they
# disturb nothing of the host's (no bridge, no iptables, their own sockets)
# and work in CI's fresh root too (an overlay upper layer cannot be an
# overlay's upper layer; a tmpfs can). No registry is reachable: images are
# made from a busybox rootfs tarball.
#
#   engines_init                 mount the tmpfs ($ENGINES), make the rootfs
#                                tarball ($ENGINES/rootfs.tar); at exit
#                                engines_cleanup undoes everything, also on
#                                failure (it chains lib.sh's cleanup)
#   docker_start / $DOCKER ...   dockerd (overlay2), the client bound to it
#   docker_import NAME           the rootfs as image NAME
#   containerd_start / $CTR ...  containerd (overlayfs snapshotter), ctr bound
#                                to it and to namespace $CTR_NS
#   containerd_import NAME       the rootfs as an OCI image (umoci) NAME
#   podman_init / $PODMAN ...    podman with runc, its storage on the tmpfs
#   podman_import NAME           the rootfs as image NAME
#   $PODMAN_ULIMITS              for `podman run`: podman 4.3 gives containers
#                                its own default rlimits (nofile 1048576,
#                                nproc 4194304), which runc cannot set above
#                                the caller's hard limits (a test's may be
#                                lower): "error setting rlimits"
#   engine_fail WHAT LOG         a "not ok" with the end of a daemon's log
#   ENGINES_BEFORE_CLEANUP       a command engines_cleanup runs first (stop
#                                an enforcer, say)
#
# dockerd 20.10 writes a trust key to /etc/docker/key.json on first start (no
# option moves it): left there, as a docker install has it.
#
# Versions tested: Debian 12's docker.io 20.10, containerd 1.6, podman 4.3,
# runc 1.1, umoci 0.4 (scripts/setup.sh installs them).

# /usr/bin/docker from Debian's docker.io: a docker elsewhere on PATH (some
# machines have another in /usr/local/bin) may be a different client.
DOCKER_BIN=/usr/bin/docker
DOCKERD_BIN=/usr/sbin/dockerd
ENGINES=
ENGINE_PIDS=()
CTR_NS=dgtest-$$
# shellcheck disable=SC2034 # for the tests that source this file
PODMAN_ULIMITS="--ulimit nofile=1024:1024 --ulimit nproc=1024:1024"

engines_init() {
	ENGINES=$TMP/engines
	mkdir -p "$ENGINES"
	mount -t tmpfs -o mode=0711 dg-engines "$ENGINES"
	trap engines_cleanup EXIT
	local rootfs=$ENGINES/rootfs
	mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc"
	cp /bin/busybox "$rootfs/bin/busybox"
	for applet in $("$rootfs/bin/busybox" --list); do
		[ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
	done
	echo "root:x:0:0:root:/:/bin/sh" >"$rootfs/etc/passwd"
	tar -C "$rootfs" -cf "$ENGINES/rootfs.tar" .
}

# engine_fail WHAT LOG: say what failed, with the end of LOG
engine_fail() {
	fail "$1: $(tail -n 5 "$2" 2>/dev/null | tr '\n' ' ')"
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds; fails after SECONDS
wait_for() {
	local tries=$(($1 * 10))
	shift
	for _ in $(seq "$tries"); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# --- docker ------------------------------------------------------------------
docker_start() {
	local d=$ENGINES/docker
	mkdir -p "$d/data" "$d/exec"
	DOCKER="$DOCKER_BIN -H unix://$d/docker.sock"
	# Its own data and exec roots (the runc state lands in
	# $d/exec/runtime-runc/moby: driftguard finds it through the shim),
	# no network set up, a containerd of its own (dockerd starts one
	# under its exec root when none listens on /run/containerd).
	"$DOCKERD_BIN" --data-root "$d/data" --exec-root "$d/exec" --pidfile "$d/dockerd.pid" \
		-H "unix://$d/docker.sock" --storage-driver overlay2 --iptables=false \
		--ip-masq=false --bridge=none --userland-proxy=false \
		--log-level warn >"$d/dockerd.log" 2>&1 &
	ENGINE_PIDS+=($!)
	DOCKERD_PID=$!
	wait_for 30 $DOCKER version
}

docker_import() {
	$DOCKER import "$ENGINES/rootfs.tar" "$1" >/dev/null
}

docker_stop() {
	[ -n "${DOCKERD_PID:-}" ] || return 0
	# shellcheck disable=SC2046 # a list of ids
	$DOCKER rm -f $($DOCKER ps -aq 2>/dev/null) >/dev/null 2>&1 || true
	kill "$DOCKERD_PID" 2>/dev/null || true
	wait "$DOCKERD_PID" 2>/dev/null || true
	DOCKERD_PID=
}

# --- containerd --------------------------------------------------------------
containerd_start() {
	local d=$ENGINES/containerd
	mkdir -p "$d"
	# No CRI plugin: it would listen on a TCP port and want CNI.
	cat >"$d/config.toml" <<EOF
version = 2
root = "$d/root"
state = "$d/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$d/containerd.sock"
[ttrpc]
  address = "$d/containerd.sock.ttrpc"
[debug]
  address = "$d/debug.sock"
EOF
	CTR="ctr -a $d/containerd.sock -n $CTR_NS"
	containerd --config "$d/config.toml" --log-level warn >"$d/containerd.log" 2>&1 &
	ENGINE_PIDS+=($!)
	CONTAINERD_PID=$!
	wait_for 30 $CTR version
}

# containerd_import NAME: an OCI image made with umoci from the rootfs
containerd_import() {
	local d=$ENGINES/containerd/image
	mkdir -p "$d"
	umoci init --layout "$d/oci" &&
		umoci new --image "$d/oci:dg" &&
		umoci unpack --image "$d/oci:dg" "$d/bundle" >/dev/null &&
		cp -a "$ENGINES/rootfs/." "$d/bundle/rootfs/" &&
		umoci repack --image "$d/oci:dg" "$d/bundle" &&
		tar -C "$d/oci" -cf "$d/oci.tar" . &&
		$CTR images import --index-name "$1" "$d/oci.tar" >/dev/null
}

containerd_stop() {
	[ -n "${CONTAINERD_PID:-}" ] || return 0
	local c
	for c in $($CTR containers ls -q 2>/dev/null); do
		$CTR tasks delete -f "$c" >/dev/null 2>&1 || true
		$CTR containers delete "$c" >/dev/null 2>&1 || true
	done
	kill "$CONTAINERD_PID" 2>/dev/null || true
	wait "$CONTAINERD_PID" 2>/dev/null || true
	CONTAINERD_PID=
	# The shims' runc root of the namespace (outside the tmpfs: runc's
	# default for containerd), empty now.
	rmdir "/run/containerd/runc/$CTR_NS" 2>/dev/null || true
}

# --- podman --------------------------------------------------------------------
podman_init() {
	local d=$ENGINES/podman
	mkdir -p "$d/root" "$d/runroot" "$d/tmp"
	# runc, not crun: crun 1.8 refuses this host's hybrid cgroups. cgroupfs
	# and a file for events: there is no systemd to ask.
	PODMAN="podman --root $d/root --runroot $d/runroot --tmpdir $d/tmp --runtime runc
		--storage-driver overlay --cgroup-manager cgroupfs --events-backend file"
	PODMAN=$(tr -s '\t\n' '  ' <<<"$PODMAN")
	# The one thing podman writes outside its roots is a cache of image blob
	# data, /var/lib/containers/cache: left, as podman would leave it.
	$PODMAN info >"$d/info.log" 2>&1
}

podman_import() {
	$PODMAN import "$ENGINES/rootfs.tar" "$1" >/dev/null 2>&1
}

podman_stop() {
	[ -n "${PODMAN:-}" ] || return 0
	$PODMAN rm -f -a -t 0 >/dev/null 2>&1 || true
	PODMAN=
}

# --- cleanup -----------------------------------------------------------------
engines_cleanup() {
	local rc=$? p
	set +e
	${ENGINES_BEFORE_CLEANUP:-true}
	if [ -n "$ENGINES" ]; then
		podman_stop
		docker_stop
		containerd_stop
		# Daemons that did not stop, and the shims and conmons of
		# containers that could not be removed: all name the tmpfs.
		for p in "${ENGINE_PIDS[@]}" $(grep -lsF "$ENGINES/" /proc/[0-9]*/cmdline |
			cut -d/ -f3); do
			kill -KILL "$p" 2>/dev/null
		done
		sleep 0.2
		# What a daemon killed left mounted (overlays, its shm, netns).
		findmnt -rn -o TARGET | grep -F "$ENGINES/" | sort -r | while read -r m; do
			umount -l "$m"
		done
		umount -l "$ENGINES" 2>/dev/null
		ENGINES=
	fi
	cleanup
	exit "$rc"
}
