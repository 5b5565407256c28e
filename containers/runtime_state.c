// SPDX-License-Identifier: GPL-2.0-only
/* runc and crun state directories (see runtime_state.h). */
#include "containers/runtime_state.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "containers/cgroup_path.h"
#include "containers/cgroups.h"
#include "containers/engine_names.h"
#include "containers/procfs.h"

/* As found with Debian 12's docker.io 20.10, containerd 1.6, podman 4.3
 * (tests/integration/enforce_engines.sh). */
const char *const dg_default_state_roots[] = {
	DG_RUNC_STATE_ROOT,		 /* runc, podman with runc, cri-o's default runc root */
	DG_CRUN_STATE_ROOT,		 /* crun, podman with crun */
	"/run/docker/runtime-runc/moby", /* docker: <exec-root>/runtime-runc/<its namespace> */
	/* containerd's runc shims: one root per namespace ("k8s.io" for the CRI,
	 * "default" for ctr and nerdctl, "moby" for some dockers) */
	"/run/containerd/runc/*",
	NULL,
};
static void copy_str(char *dst, size_t len, const char *src)
{
	if (src && !dst[0])
		snprintf(dst, len, "%s", src);
}

static const char *ann_get(json_t *ann, const char *key)
{
	return json_string_value(json_object_get(ann, key));
}

/* Names and pod from OCI annotations; returns the manager they reveal. */
static enum dg_runtime apply_annotations(json_t *ann, struct dg_identity *out)
{
	enum dg_runtime rt = DG_RUNTIME_NONE;
	const char *manager = ann_get(ann, "io.container.manager");
	const char *type;

	/* containerd's CRI plugin */
	if (ann_get(ann, "io.kubernetes.cri.container-type") ||
	    ann_get(ann, "io.kubernetes.cri.sandbox-id"))
		rt = DG_RUNTIME_CRI_CONTAINERD;
	copy_str(out->name, sizeof(out->name), ann_get(ann, "io.kubernetes.cri.container-name"));
	copy_str(out->pod_name, sizeof(out->pod_name),
		 ann_get(ann, "io.kubernetes.cri.sandbox-name"));
	copy_str(out->pod_namespace, sizeof(out->pod_namespace),
		 ann_get(ann, "io.kubernetes.cri.sandbox-namespace"));
	copy_str(out->pod_uid, sizeof(out->pod_uid), ann_get(ann, "io.kubernetes.cri.sandbox-uid"));
	type = ann_get(ann, "io.kubernetes.cri.container-type");
	/* cri-o (and dockershim's labels, with the same keys) */
	if (ann_get(ann, "io.kubernetes.cri-o.ContainerType") ||
	    (manager && !strcmp(manager, "cri-o")))
		rt = DG_RUNTIME_CRIO;
	if (!type)
		type = ann_get(ann, "io.kubernetes.cri-o.ContainerType");
	copy_str(out->name, sizeof(out->name), ann_get(ann, "io.kubernetes.container.name"));
	copy_str(out->pod_name, sizeof(out->pod_name), ann_get(ann, "io.kubernetes.pod.name"));
	copy_str(out->pod_namespace, sizeof(out->pod_namespace),
		 ann_get(ann, "io.kubernetes.pod.namespace"));
	copy_str(out->pod_uid, sizeof(out->pod_uid), ann_get(ann, "io.kubernetes.pod.uid"));
	if (type && !strcmp(type, "sandbox"))
		out->sandbox = true;
	if (manager && !strcmp(manager, "libpod"))
		rt = DG_RUNTIME_PODMAN;
	return rt;
}

/* The "annotations" object of an OCI config.json, NULL if none or unreadable. */
static json_t *load_annotations(const char *config)
{
	_cleanup_(json_decrefp) json_t *cfg = json_load_file(config, 0, NULL);
	json_t *ann = json_object_get(cfg, "annotations");

	return json_is_object(ann) ? json_incref(ann) : NULL;
}

/* runc's absolute cgroup_paths[""] as a cgroup path below cgroup_root. */
static bool strip_root(const char *abs, const char *root, char *buf, size_t len)
{
	size_t n = strlen(root);

	if (!root[0] || strncmp(abs, root, n) || (abs[n] && abs[n] != '/'))
		return false;
	snprintf(buf, len, "%s", abs[n] ? abs + n : "/");
	return true;
}

struct runc_state {
	json_int_t pid;
	json_int_t start;
	char cgroup[DG_IDENTITY_PATH_MAX]; /* the cgroup the runtime created, "" if unknown */
	json_t *annotations;		   /* owned */
};

static int read_runc_state(const char *file, const char *cgroup_root, struct runc_state *st,
			   struct dg_identity *out)
{
	_cleanup_(json_decrefp) json_t *state = NULL;
	json_t *cgroup_paths = NULL, *config = NULL, *labels;
	const char *unified;
	json_error_t jerr;
	size_t i;

	state = json_load_file(file, 0, &jerr);
	if (!state)
		return dg_err(EINVAL, "%s:%d:%d: %s", file, jerr.line, jerr.column, jerr.text);
	if (json_unpack_ex(state, &jerr, 0, "{s:I, s?I, s?o, s?o}", "init_process_pid", &st->pid,
			   "init_process_start", &st->start, "cgroup_paths", &cgroup_paths,
			   "config", &config))
		return dg_err(EINVAL, "%s: %s", file, jerr.text);
	unified = json_string_value(json_object_get(cgroup_paths, ""));
	if (unified)
		strip_root(unified, cgroup_root, st->cgroup, sizeof(st->cgroup));
	/* runc keeps the bundle and the annotations as "key=value" labels. */
	st->annotations = json_object();
	if (!st->annotations)
		return dg_err(ENOMEM, "out of memory");
	labels = json_object_get(config, "labels");
	for (i = 0; i < json_array_size(labels); i++) {
		const char *kv = json_string_value(json_array_get(labels, i));
		const char *eq = kv ? strchr(kv, '=') : NULL;
		_cleanup_free_ char *key = NULL;

		if (!eq)
			continue;
		key = strndup(kv, eq - kv);
		if (!key)
			return dg_err(ENOMEM, "out of memory");
		if (!strcmp(key, "bundle"))
			snprintf(out->bundle, sizeof(out->bundle), "%s", eq + 1);
		else
			json_object_set_new(st->annotations, key, json_string(eq + 1));
	}
	if (!json_object_size(st->annotations) && out->bundle[0]) {
		char cfg[PATH_MAX + 16];

		snprintf(cfg, sizeof(cfg), "%s/config.json", out->bundle);
		json_decref(st->annotations);
		st->annotations = load_annotations(cfg);
	}
	return 0;
}

static int read_crun_status(const char *dir, struct runc_state *st, struct dg_identity *out)
{
	_cleanup_(json_decrefp) json_t *status = NULL;
	const char *cgroup = NULL, *bundle = NULL;
	char file[PATH_MAX + 16];
	json_error_t jerr;

	snprintf(file, sizeof(file), "%s/status", dir);
	status = json_load_file(file, 0, &jerr);
	if (!status)
		return dg_err(EINVAL, "%s:%d:%d: %s", file, jerr.line, jerr.column, jerr.text);
	if (json_unpack_ex(status, &jerr, 0, "{s:I, s?I, s?s, s?s}", "pid", &st->pid,
			   "process-start-time", &st->start, "cgroup-path", &cgroup, "bundle",
			   &bundle))
		return dg_err(EINVAL, "%s: %s", file, jerr.text);
	/* crun keeps a cgroup path, relative to the cgroup2 root already. */
	if (cgroup && cgroup[0])
		snprintf(st->cgroup, sizeof(st->cgroup), "%s%s", cgroup[0] == '/' ? "" : "/",
			 cgroup);
	copy_str(out->bundle, sizeof(out->bundle), bundle);
	/* crun copies config.json into its state directory */
	snprintf(file, sizeof(file), "%s/config.json", dir);
	st->annotations = load_annotations(file);
	return 0;
}

int dg_runtime_state_read(const char *state_root, const char *id, const char *cgroup_root,
			  struct dg_identity *out)
{
	struct runc_state st = {0};
	struct dg_identity parsed;
	enum dg_runtime hint, rt = DG_RUNTIME_RUNC;
	char root[PATH_MAX], dir[PATH_MAX], file[PATH_MAX + 16];
	struct dg_proc_stat ps;
	bool parsed_ok = false;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!dg_id_is_runc(id, strlen(id)))
		return dg_err(EINVAL, "\"%s\" is not a valid container id", id);
	if (!cgroup_root) {
		rc = dg_cgroup2_root(root, sizeof(root));
		if (rc)
			root[0] = '\0';
		dg_err_clear();
		cgroup_root = root;
	}
	snprintf(dir, sizeof(dir), "%s/%s", state_root, id);
	snprintf(file, sizeof(file), "%s/state.json", dir);
	if (!access(file, F_OK)) {
		rc = read_runc_state(file, cgroup_root, &st, out);
	} else {
		snprintf(file, sizeof(file), "%s/status", dir);
		if (access(file, F_OK))
			return dg_err(ENOENT,
				      "no container \"%s\" in %s (no state.json or status "
				      "in %s)",
				      id, state_root, dir);
		rt = DG_RUNTIME_CRUN;
		rc = read_crun_status(dir, &st, out);
	}
	if (rc) {
		json_decref(st.annotations);
		return rc;
	}
	snprintf(out->id, sizeof(out->id), "%s", id);
	snprintf(out->cgroup, sizeof(out->cgroup), "%s", st.cgroup);
	/* A pid is the container's only while its start time matches; a zombie
	 * init has exited (runc and crun call that container stopped too). */
	if (st.pid > 0 && st.pid <= INT_MAX && !dg_proc_stat((pid_t)st.pid, &ps) &&
	    ps.state != 'Z' && ps.state != 'X' &&
	    (!st.start || ps.start_time == (unsigned long long)st.start)) {
		out->init_pid = (pid_t)st.pid;
		out->mntns = dg_proc_mntns(out->init_pid);
		if (!out->cgroup[0] &&
		    dg_proc_cgroup(out->init_pid, out->cgroup, sizeof(out->cgroup)))
			out->cgroup[0] = '\0';
	}
	dg_err_clear();
	hint = apply_annotations(st.annotations, out);
	json_decref(st.annotations);
	/* The cgroup names the manager (docker, ...) when it follows a convention. */
	if (out->cgroup[0] && !dg_identity_from_cgroup_path(out->cgroup, &parsed) &&
	    !strcmp(parsed.id, id)) {
		parsed_ok = true;
		rt = parsed.runtime;
		snprintf(out->cgroup, sizeof(out->cgroup), "%s", parsed.cgroup);
		if (parsed.pod_uid[0])
			snprintf(out->pod_uid, sizeof(out->pod_uid), "%s", parsed.pod_uid);
		out->qos = parsed.qos;
	}
	dg_err_clear();
	if (hint != DG_RUNTIME_NONE && (!parsed_ok || rt == DG_RUNTIME_CRI))
		rt = hint;
	out->runtime = rt;
	dg_engine_name_fill(out);
	out->cgroup_id = dg_cgroup_id(cgroup_root, out->cgroup);
	return 0;
}

bool dg_runtime_state_held(const char *state_root, const char *id)
{
	char fifo[PATH_MAX];

	if ((size_t)snprintf(fifo, sizeof(fifo), "%s/%s/exec.fifo", state_root, id) >= sizeof(fifo))
		return false;
	return access(fifo, F_OK) == 0;
}
