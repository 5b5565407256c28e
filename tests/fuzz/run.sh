#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds the libFuzzer harnesses of tests/fuzz in build-fuzz (clang, ASan+UBSan)
# and runs each on its corpus for SECONDS (default 30). Fails on any crash,
# leak, UB report, broken invariant or input slower than FUZZ_TIMEOUT seconds.
#
#   tests/fuzz/run.sh [SECONDS_PER_HARNESS] [HARNESS...]
#
# Environment: FUZZ_JOBS harnesses at a time (default: the number of CPUs),
# FUZZ_TIMEOUT (default 5) seconds one input may take, FUZZ_NICE (default 10),
# FUZZ_ARGS more libFuzzer flags. What the fuzzer learns accumulates in
# build-fuzz/fuzz/corpus/<harness>/ (the committed seeds stay as they are),
# crashing inputs go to build-fuzz/fuzz/artifacts/<harness>/, logs to
# build-fuzz/fuzz/<harness>.log.
set -euo pipefail
cd "$(dirname "$0")/../.."

secs=${1:-30}
shift || true
harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
	harnesses=(rules profile merge cgroup_path runc_state crun_status)
fi
if ! [[ "$secs" =~ ^[0-9]+$ ]] || [ "$secs" -lt 1 ]; then
	echo "run.sh: SECONDS_PER_HARNESS must be a positive number of seconds, not \"$secs\"" >&2
	exit 2
fi
jobs=${FUZZ_JOBS:-$(nproc)}
timeout=${FUZZ_TIMEOUT:-5}
nice=${FUZZ_NICE:-10}
build="build-fuzz"
out=$build/fuzz

if [ ! -f $build/build.ninja ]; then
	CC=clang meson setup $build -Dfuzzing=enabled -Db_sanitize=address,undefined \
		-Db_lundef=false -Dwerror=true -Dtests=disabled >/dev/null
fi
ninja -C $build "${harnesses[@]/#/tests/fuzz/fuzz_}" >/dev/null

# The dictionary of each harness's input language.
dict_of() {
	case "$1" in
	merge) echo profile ;;
	runc_state | crun_status) echo state ;;
	*) echo "$1" ;;
	esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0}

# Runs one harness; its summary line goes to $out/<harness>.summary.
fuzz_one() {
	local h=$1 log=$out/$1.log rc=0
	mkdir -p "$out/corpus/$h" "$out/artifacts/$h"
	# shellcheck disable=SC2086 # FUZZ_ARGS are separate flags
	nice -n "$nice" "$build/tests/fuzz/fuzz_$h" -max_total_time="$secs" -timeout="$timeout" \
		-print_final_stats=1 -dict="tests/fuzz/dict/$(dict_of "$h").dict" \
		-artifact_prefix="$out/artifacts/$h/" ${FUZZ_ARGS:-} \
		"$out/corpus/$h" "tests/fuzz/corpus/$h" >"$log" 2>&1 || rc=$?
	local runs rate
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	if [ "$rc" -eq 0 ]; then
		echo "ok   $h: ${runs:-?} runs, ${rate:-?}/s" >"$out/$h.summary"
	else
		{
			echo "FAIL $h (exit $rc): ${runs:-?} runs; the input is in $out/artifacts/$h/; log $log:"
			grep -v '^#[0-9]' "$log" | tail -40
		} >"$out/$h.summary"
	fi
}

mkdir -p $out
echo "run.sh: fuzzing ${harnesses[*]} for ${secs}s each, $jobs at a time"
for h in "${harnesses[@]}"; do
	rm -f "$out/$h.summary"
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n || true
	done
	fuzz_one "$h" &
done
wait || true
failed=0
for h in "${harnesses[@]}"; do
	if [ -f "$out/$h.summary" ]; then
		cat "$out/$h.summary"
		grep -q '^ok ' "$out/$h.summary" || failed=1
	else
		echo "FAIL $h: no result (see $out/$h.log)"
		failed=1
	fi
done
exit $failed
