#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `driftguard enforce --metrics` scraped by a real Prometheus (Debian's
# prometheus package: scripts/setup.sh): a scrape passes `promtool check
# metrics`; a drifted binary blocked in a runc container shows up as
# driftguard_decisions_total{action="block",...} in Prometheus's query API;
# a refused reload counts as a reload failure; --bpf-stats makes the
# kernel count the programs' runs. Everything listens on 127.0.0.1 only.
. "$(dirname "$0")/lib.sh"
require_root
for tool in prometheus promtool curl python3; do
	if ! command -v "$tool" >/dev/null; then
		echo "not ok - $tool is missing: run scripts/setup.sh (Debian: prometheus curl python3)"
		exit 1
	fi
done

PROMETHEUS=
ENFORCER=
stop_all() {
	for p in $ENFORCER $PROMETHEUS; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# A bundle whose rootfs is an overlay: lower = busybox image, upper = drift.
ov=$TMP/ov
mkdir -p "$ov/upper" "$ov/work" "$ov/bundle/rootfs"
make_bundle "$ov/image" true
mount -t overlay overlay -o "lowerdir=$ov/image/rootfs,upperdir=$ov/upper,workdir=$ov/work" \
	"$ov/bundle/rootfs"
trap 'stop_all; umount "$ov/bundle/rootfs" 2>/dev/null || true; cleanup' EXIT
cp "$ov/image/config.json" "$ov/bundle/config.json"

# A port nobody listens on now, for Prometheus's own API.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The rules are a copy: the test breaks it to make a reload fail.
cp "$(dirname "$0")/../../rules/default.yaml" "$TMP/rules.yaml"
"$DG" enforce -r "$TMP/rules.yaml" --events "$TMP/events.json" --pidfile "$TMP/dg.pid" \
	--metrics 127.0.0.1:0 --bpf-stats 2>"$TMP/enforce.log" &
ENFORCER=$!
for _ in $(seq 100); do
	grep -q "^driftguard: enforcing" "$TMP/enforce.log" && break
	kill -0 "$ENFORCER" 2>/dev/null || break
	sleep 0.1
done
url=$(sed -n 's|^driftguard: metrics: \(http://127.0.0.1:[0-9]*/metrics\).*|\1|p' "$TMP/enforce.log")
if [ -z "$url" ] || ! grep -q "^driftguard: enforcing" "$TMP/enforce.log"; then
	fail "enforce --metrics did not start: $(cat "$TMP/enforce.log")"
	finish
fi
pass "enforce serves metrics at $url (the port the kernel chose)"
target=${url#http://}
target=${target%/metrics}

# scrape FILE: GET /metrics into FILE
scrape() { curl -sf -o "$1" "$url"; }
check "a scrape answers 200" scrape "$TMP/scrape1.txt"
check "promtool check metrics: no error, no lint ($(promtool check metrics <"$TMP/scrape1.txt" 2>&1))" \
	bash -c 'out=$(promtool check metrics <"$1" 2>&1) && [ -z "$out" ]' _ "$TMP/scrape1.txt"
check "content type is the text format 0.0.4" bash -c \
	'curl -sf -D - -o /dev/null "$1" | grep -qi "^content-type: text/plain; version=0.0.4"' _ "$url"
check "anything but /metrics is 404" [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$target/")" = 404 ]
check "backend_info says signal (BPF-LSM does not load here)" \
	grep -qx 'driftguard_backend_info{backend="signal"} 1' "$TMP/scrape1.txt"
check "rules generation 1: the policy installed at start" \
	grep -qx 'driftguard_rules_generation 1' "$TMP/scrape1.txt"
check "--bpf-stats: the kernel counts program run time" \
	grep -qx 'driftguard_bpf_stats_enabled 1' "$TMP/scrape1.txt"

# A real Prometheus scraping enforce every second.
pport=$(free_port)
mkdir -p "$TMP/prom-data"
cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: driftguard
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: ['$target']
EOF
prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/prom-data" \
	--web.listen-address="127.0.0.1:$pport" --log.level=warn >"$TMP/prometheus.log" 2>&1 &
PROMETHEUS=$!
api=http://127.0.0.1:$pport/api/v1

# query EXPR: the value of EXPR's first series now ("" when none)
query() {
	curl -sf "$api/query" --data-urlencode "query=$1" 2>/dev/null |
		jq -r '.data.result[0].value[1] // empty' 2>/dev/null || true
}
# wait_query EXPR WANT: EXPR's first value is WANT within 30 s
wait_query() {
	local got
	for _ in $(seq 60); do
		got=$(query "$1")
		[ "$got" = "$2" ] && return 0
		sleep 0.5
	done
	echo "# $1: got '${got}', want '$2'" >&2
	return 1
}
check "Prometheus scrapes enforce (up == 1)" wait_query "up{job=\"driftguard\"}" 1

# A drifted copy of busybox in a container: killed, counted.
id=$(new_id metrics)
set_args "$ov/bundle" sh -c 'mkdir -p /d && cp /bin/busybox /d/echo && /d/echo ran; echo "rc=$?"'
out=$(runc run -b "$ov/bundle" "$id" 2>&1 || true)
check "the drifted binary is blocked ($out)" bash -c '! grep -q "^ran" <<<"$1" && grep -q "rc=137" <<<"$1"' _ "$out"
block="driftguard_decisions_total{action=\"block\",rule=\"no-drift\",origin=\"upper\",kind=\"binary\",container=\"runc:$id\"}"
check "Prometheus has the block: $block == 1" wait_query "$block" 1
check "and the kernel's own count of blocks" wait_query 'driftguard_kernel_decisions_total{action="block"} >= bool 1' 1
check "the exec program's runs are counted (--bpf-stats)" \
	wait_query 'driftguard_bpf_prog_runs_total{program="dg_exec_signal"} > bool 0' 1
check "no event was dropped" wait_query 'driftguard_events_dropped_total' 0

# A reload of a bad file is refused and counted; a good one moves the generation.
echo "rules: [" >"$TMP/rules.yaml"
kill -HUP "$ENFORCER"
check "a refused reload counts as a failure" wait_query 'driftguard_rules_reload_failures_total' 1
cp "$(dirname "$0")/../../rules/default.yaml" "$TMP/rules.yaml"
kill -HUP "$ENFORCER"
check "a good reload: 2 reloads, generation 2" wait_query \
	'driftguard_rules_reloads_total == 2 and on() driftguard_rules_generation == 2' 2
scrape "$TMP/scrape2.txt" || true
check "promtool check metrics after a block ($(promtool check metrics <"$TMP/scrape2.txt" 2>&1))" \
	bash -c 'out=$(promtool check metrics <"$1" 2>&1) && [ -z "$out" ]' _ "$TMP/scrape2.txt"

stop_all
check "enforce stopped cleanly" grep -q "^driftguard: stopped: 1 blocked" "$TMP/enforce.log"
check "the metrics port is closed once enforce stopped" bash -c '! curl -sf -o /dev/null "$1"' _ "$url"
ENFORCER=

# Under valgrind: the HTTP thread scraping (several scrapers at once, a 404,
# a POST) while the event loop counts a block, then shutdown: no memory
# error, no leak.
valgrind --quiet --suppressions="$(dirname "$0")/../valgrind.supp" --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
	"$DG" enforce -r "$TMP/rules.yaml" --events "$TMP/vg-events.json" --pidfile "$TMP/dg.pid" \
	--metrics 127.0.0.1:0 --bpf-stats 2>"$TMP/vg.log" &
ENFORCER=$!
for _ in $(seq 600); do
	grep -q "^driftguard: enforcing" "$TMP/vg.log" && break
	kill -0 "$ENFORCER" 2>/dev/null || break
	sleep 0.1
done
url=$(sed -n 's|^driftguard: metrics: \(http://127.0.0.1:[0-9]*/metrics\).*|\1|p' "$TMP/vg.log")
# sleep 3: under valgrind, enforce takes a while to find the new container.
set_args "$ov/bundle" sh -c 'sleep 3; /d/echo vg; echo "rc=$?"'
vgid=$(new_id metrics-vg)
runc run -b "$ov/bundle" "$vgid" >/dev/null 2>&1 </dev/null &
runc_pid=$!
for i in 1 2 3 4; do
	for _ in 1 2 3; do curl -sf -o "$TMP/vg-scrape$i.txt" "$url" & done
	curl -s -o /dev/null "${url%/metrics}/nothing" &
	curl -s -o /dev/null -X POST "$url" &
	sleep 1
done
wait "$runc_pid" || true
for _ in $(seq 20); do
	curl -sf -o "$TMP/vg-last.txt" "$url" && grep -q "container=\"runc:$vgid\"} 1" "$TMP/vg-last.txt" && break
	sleep 0.5
done
check "under valgrind: the block is counted" grep -q "container=\"runc:$vgid\"} 1" "$TMP/vg-last.txt"
kill "$ENFORCER"
wait "$ENFORCER" && rc=0 || rc=$?
ENFORCER=
check "enforce --metrics under valgrind: no leaks or memory errors (rc $rc)" [ "$rc" -eq 0 ]
finish
