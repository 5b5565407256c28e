#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install everything, check the formatting, build (warnings are errors), run
# every test.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# Every C file formatted as .clang-format says (Debian's clang-format 14).
./scripts/check-format.sh
# The optional features are required here: tests/integration/metrics.sh and
# service_notify.sh test them, and must not pass on a build without them.
if [ ! -f build/build.ninja ]; then
	meson setup build -Dwerror=true -Dtests=enabled -Dmetrics=enabled -Dlibsystemd=enabled
fi
ninja -C build
# Kernels for the VM tests (cached under /var/cache/driftguard-vm).
tests/vm/fetch-kernels.sh
meson test -C build --print-errorlogs "$@"
# The unit tests again under valgrind: no leaks, no memory errors.
meson test -C build --print-errorlogs --setup valgrind --suite unit
# The parsers of untrusted input under libFuzzer, 20 s each (tests/fuzz/README.md).
tests/fuzz/run.sh 20
