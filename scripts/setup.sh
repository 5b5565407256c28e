#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Installs everything driftguard needs to build and test on a fresh Debian 12
# (bookworm) machine. Idempotent; run as root.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
	echo "setup.sh: must run as root (it installs Debian packages); try: sudo $0" >&2
	exit 1
fi

# libbpf 1.4 and bpftool 7.5 come from bookworm-backports; bookworm's own
# libbpf 1.1 lacks APIs we use.
bp=/etc/apt/sources.list.d/bookworm-backports.sources
if [ ! -f "$bp" ]; then
	cat >"$bp" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

# Besides the build: every program a test or script runs, named even where a
# full Debian install has it anyway. minbase (what CI starts from, see
# scripts/fresh-root.sh) has none of procps, bc, kmod, cpio, xz-utils, zstd,
# systemd, git.
#   runc busybox-static jq       containers, their rootfs, JSON in every test
#   util-linux                   flock, setpriv, unshare (tests, fetch-kernels.sh)
#   procps                       pgrep (tests/integration/flight_recorder.sh)
#   valgrind                     the unit suites again, dump and enforce under it
#   libclang-rt-dev              libFuzzer and the sanitizers (tests/fuzz/run.sh)
#   systemd                      systemd-analyze (tests/integration/install.sh)
#   libmicrohttpd-dev            enforce --metrics' HTTP server (optional at build time)
#   libsystemd-dev               enforce's sd_notify for the Type=notify unit (optional)
#   prometheus curl              tests/integration/metrics.sh: a real Prometheus
#                                (and promtool) scrapes enforce; curl queries it
#   python3                      tests/integration/{metrics,service_notify}.sh: a
#                                free port, a NOTIFY_SOCKET listener
#   python3-yaml                 tests/integration/k8s_manifests.sh
#   qemu-system-x86 cpio         the VM tests (tests/vm/run.sh, mkinitramfs.sh)
#   bc                           tests/vm/run.sh (elapsed seconds)
#   kmod xz-utils zstd           tests/vm/fetch-kernels.sh: modinfo, .ko.xz/.ko.zst
#   bpftrace                     bench/syscall_cost's peers
#   crun                         profiles/generate-baselines.sh
#   podman                       tests/integration/learn_podman.sh (podman 4.3: learn and replay),
#                                learn_hook.sh (the io.containers.trace-syscall hook)
#   clang-format-14 git          scripts/check-format.sh (git ls-files)
#   docker.io containerd podman umoci
#                                tests/integration/enforce_engines.sh (real
#                                engines; engines.sh starts their daemons;
#                                umoci makes the OCI image ctr imports)
export DEBIAN_FRONTEND=noninteractive
# apt's chatter goes to a log, shown when an install fails: dpkg says what
# went wrong on stdout, which a plain >/dev/null would hide.
log=$(mktemp /tmp/driftguard-setup.XXXXXX.log)
quiet() {
	if ! "$@" >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		echo "setup.sh: '$*' failed (above: the end of $log)" >&2
		exit 1
	fi
}
# The engines' packages would start their daemons (docker, containerd) on
# install; the tests start their own, with their own roots: a policy-rc.d
# that refuses starts while we install, unless the machine has one.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\n# driftguard setup.sh: no daemon starts during the install\nexit 101\n' \
		>/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
quiet apt-get install -y -qq --no-install-recommends \
	build-essential pkg-config meson ninja-build clang llvm \
	libclang-rt-dev \
	libelf-dev zlib1g-dev libseccomp-dev libcap-dev libyaml-dev \
	libcmocka-dev libjansson-dev libmicrohttpd-dev libsystemd-dev \
	runc busybox-static jq util-linux procps valgrind \
	systemd python3-yaml python3 prometheus curl \
	qemu-system-x86 cpio bc kmod xz-utils zstd \
	bpftrace crun clang-format-14 git \
	docker.io containerd podman umoci
quiet apt-get install -y -qq --no-install-recommends -t bookworm-backports \
	libbpf-dev bpftool
rm -f "$log"

echo "setup.sh: installed: libbpf $(pkg-config --modversion libbpf)," \
	"$(bpftool version | head -1), $(clang --version | head -1)"
