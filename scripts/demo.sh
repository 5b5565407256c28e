#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install, build, and learn the seccomp profile of a bundled busybox demo
# container run by runc; print the profile and prove runc accepts it.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
[ -f build/build.ninja ] || meson setup build
ninja -C build >/dev/null
demo=$(mktemp -d /tmp/driftguard-demo.XXXXXX)
trap 'runc delete --force dg-demo >/dev/null 2>&1 || true; rm -rf "$demo"' EXIT

mkdir -p "$demo/bundle/rootfs/bin"
cp /bin/busybox "$demo/bundle/rootfs/bin/"
for a in sh echo ls wc tr; do ln -s busybox "$demo/bundle/rootfs/bin/$a"; done
(cd "$demo/bundle" && runc spec)
jq '.process.terminal = false | .process.args = ["sh", "-c",
	"echo hello from the demo container | tr a-z A-Z; ls /bin | wc -l"]' \
	"$demo/bundle/config.json" >"$demo/config.json" && mv "$demo/config.json" "$demo/bundle/config.json"

echo "== learning: driftguard learn -o profile.json -- runc run -b BUNDLE dg-demo"
./build/cli/driftguard learn -o "$demo/profile.json" -- runc run -b "$demo/bundle" dg-demo
echo "== the learned profile"
cat "$demo/profile.json"
echo "== replay under the learned profile"
jq --slurpfile p "$demo/profile.json" '.linux.seccomp = $p[0]' "$demo/bundle/config.json" \
	>"$demo/config.json" && mv "$demo/config.json" "$demo/bundle/config.json"
runc run -b "$demo/bundle" dg-demo
