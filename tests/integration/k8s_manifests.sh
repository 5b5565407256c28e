#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The Kubernetes manifests (deploy/kubernetes/), checked offline: there is no
# cluster here, and `kubectl apply --dry-run=client` still asks a server for
# its schema, so this is a structure check with python3-yaml instead:
# well-formed objects in one namespace, the DaemonSet's references (service
# account, ConfigMap, volumes) resolve, the host paths enforce reads are
# mounted, its command line is one the built driftguard accepts, and the
# ConfigMap's rules are byte-identical to rules/default.yaml.
. "$(dirname "$0")/lib.sh"

SOURCE_ROOT=${SOURCE_ROOT:?SOURCE_ROOT must name the source directory}
if ! python3 -c 'import yaml' 2>/dev/null; then
	echo "not ok - python3 with PyYAML is missing: run scripts/setup.sh (Debian: apt-get install python3-yaml)"
	exit 1
fi

# The options that `driftguard enforce` accepts, for the command line check.
"$DG" enforce --help | sed -nE 's/^ +(-[^ ,], )?(--[[:alnum:]-]+).*/\2/p' >"$TMP/enforce-options"

python3 - "$SOURCE_ROOT" "$TMP/enforce-options" <<'PY'
import os
import sys

import yaml

root, options_file = sys.argv[1], sys.argv[2]
kdir = os.path.join(root, "deploy", "kubernetes")
known_options = set(open(options_file).read().split())
passed = failed = 0


def check(what, ok):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok - {what}")
    else:
        failed += 1
        print(f"not ok - {what}")


# Every manifest: what `kubectl apply -f deploy/kubernetes/` would read.
objects = {}
files = sorted(f for f in os.listdir(kdir) if f.endswith((".yaml", ".yml", ".json")))
check(f"manifests found: {files}", len(files) >= 4)
for name in files:
    try:
        docs = [d for d in yaml.safe_load_all(open(os.path.join(kdir, name))) if d is not None]
    except yaml.YAMLError as e:
        check(f"{name}: YAML: {e}", False)
        continue
    for d in docs:
        meta = d.get("metadata") or {}
        well_formed = all(isinstance(d.get(k), str) for k in ("apiVersion", "kind")) and \
            isinstance(meta.get("name"), str)
        check(f"{name}: {d.get('kind')}/{meta.get('name')} has apiVersion, kind, metadata.name",
              well_formed)
        if well_formed:
            key = (d["kind"], meta["name"])
            check(f"{name}: {key} defined once", key not in objects)
            objects[key] = (name, d)

for kind in ("Namespace", "ServiceAccount", "ConfigMap", "DaemonSet"):
    check(f"a {kind} is defined", any(k == kind for k, _ in objects))
namespaces = [n for k, n in objects if k == "Namespace"]
ns = namespaces[0] if namespaces else None
# The Namespace sorts first, so that `kubectl apply -f DIR` creates it first.
check("the Namespace is in the first file", bool(files) and ns and objects[("Namespace", ns)][0] == files[0])
for (kind, name), (_, d) in objects.items():
    if kind != "Namespace":
        check(f"{kind}/{name} is in namespace {ns}", d["metadata"].get("namespace") == ns)

# The ConfigMap: byte-identical to rules/default.yaml.
rules = open(os.path.join(root, "rules", "default.yaml")).read()
cms = {n: d for (k, n), (_, d) in objects.items() if k == "ConfigMap"}
for name, cm in cms.items():
    data = cm.get("data") or {}
    check(f"ConfigMap/{name} holds default.yaml", "default.yaml" in data)
    check(f"ConfigMap/{name}'s default.yaml is byte-identical to rules/default.yaml",
          data.get("default.yaml") == rules)

# The DaemonSet.
for (kind, name), (_, ds) in objects.items():
    if kind != "DaemonSet":
        continue
    spec = ds.get("spec") or {}
    tpl = spec.get("template") or {}
    pod = tpl.get("spec") or {}
    labels = (tpl.get("metadata") or {}).get("labels") or {}
    selector = (spec.get("selector") or {}).get("matchLabels") or {}
    check("selector matches the pod template's labels",
          bool(selector) and all(labels.get(k) == v for k, v in selector.items()))
    check("serviceAccountName is the ServiceAccount defined here",
          ("ServiceAccount", pod.get("serviceAccountName")) in objects)
    check("hostPID: /proc/1 is the host's init, /proc shows the containers", pod.get("hostPID") is True)
    check("no host network needed", not pod.get("hostNetwork"))
    containers = pod.get("containers") or []
    check("one container", len(containers) == 1)
    if not containers:
        continue
    c = containers[0]
    volumes = {v.get("name"): v for v in pod.get("volumes") or []}
    mounts = {m.get("mountPath"): m for m in c.get("volumeMounts") or []}
    for path, m in mounts.items():
        check(f"mount {path} uses a defined volume ({m.get('name')})", m.get("name") in volumes)
    used = {m.get("name") for m in mounts.values()}
    for v in volumes:
        check(f"volume {v} is mounted", v in used)
    host = {m["mountPath"]: volumes[m["name"]]["hostPath"]["path"]
            for m in mounts.values()
            if m.get("name") in volumes and "hostPath" in volumes[m["name"]]}
    for path in ("/sys/fs/bpf", "/sys/kernel/security", "/sys/kernel/btf", "/sys/kernel/tracing",
                 "/sys/fs/cgroup", "/run/containerd", "/run/runc", "/run/crun", "/run/docker",
                 "/run/crio", "/run/driftguard"):
        check(f"host {path} mounted at the same path", host.get(path) == path)
    for path in ("/run/driftguard", "/sys/fs/bpf"):
        check(f"{path} is writable (pins, pid file, index)", not mounts.get(path, {}).get("readOnly"))

    # The command line: driftguard enforce with options it knows.
    cmd = list(c.get("command") or []) + list(c.get("args") or [])
    check(f"command runs /usr/sbin/driftguard enforce: {cmd}",
          "/usr/sbin/driftguard" in cmd and cmd[cmd.index("/usr/sbin/driftguard") + 1:][:1] == ["enforce"])
    dg_args = cmd[cmd.index("/usr/sbin/driftguard") + 2:] if "/usr/sbin/driftguard" in cmd else []
    for a in dg_args:
        if a.startswith("--"):
            check(f"driftguard enforce knows {a.split('=')[0]}", a.split("=")[0] in known_options)

    def value(opt):
        return dg_args[dg_args.index(opt) + 1] if opt in dg_args[:-1] else None

    rules_path, pidfile = value("--rules"), value("--pidfile")
    cm_mount = [m for m in mounts.values() if "configMap" in volumes.get(m.get("name"), {})]
    check("the rules come from a ConfigMap mount", len(cm_mount) == 1)
    if cm_mount and rules_path:
        m = cm_mount[0]
        cm_name = volumes[m["name"]]["configMap"].get("name")
        check(f"--rules {rules_path} is a key of ConfigMap/{cm_name} mounted at {m['mountPath']}",
              os.path.dirname(rules_path) == m["mountPath"]
              and os.path.basename(rules_path) in (cms.get(cm_name, {}).get("data") or {}))
    check(f"--pidfile {pidfile} is in the host's /run/driftguard",
          pidfile is not None and os.path.dirname(pidfile) == "/run/driftguard")
    for probe in ("readinessProbe", "livenessProbe"):
        text = " ".join(((c.get(probe) or {}).get("exec") or {}).get("command") or [])
        check(f"{probe} reads the pid file", pidfile is not None and pidfile in text)

    ports = {p.get("name"): p for p in c.get("ports") or []}
    check("a containerPort named metrics", "metrics" in ports and
          isinstance(ports["metrics"].get("containerPort"), int))
    metrics = value("--metrics")
    check(f"--metrics {metrics} listens on the metrics port",
          metrics is not None and "metrics" in ports and
          metrics.rsplit(":", 1)[-1] == str(ports["metrics"].get("containerPort")))

    sc = c.get("securityContext") or {}
    caps = sc.get("capabilities") or {}
    check("not privileged", sc.get("privileged") is False)
    check("capabilities: drop ALL", caps.get("drop") == ["ALL"])
    for cap in ("BPF", "PERFMON", "SYS_ADMIN", "MAC_ADMIN", "SYS_PTRACE"):
        check(f"capability {cap} added", cap in (caps.get("add") or []))
    check("runs as root (enforce checks euid 0)", sc.get("runAsUser") == 0)
    check("read-only root file system", sc.get("readOnlyRootFilesystem") is True)

print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
