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

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential pkg-config meson ninja-build clang llvm \
	libclang-rt-dev \
	libelf-dev zlib1g-dev libseccomp-dev libcap-dev libyaml-dev \
	libcmocka-dev libjansson-dev \
	runc busybox-static jq util-linux valgrind \
	bpftrace \
	qemu-system-x86 cpio xz-utils kmod \
	systemd python3-yaml \
	>/dev/null
apt-get install -y -qq --no-install-recommends -t bookworm-backports \
	libbpf-dev bpftool >/dev/null

echo "setup.sh: installed: libbpf $(pkg-config --modversion libbpf)," \
	"$(bpftool version | head -1), $(clang --version | head -1)"
