// SPDX-License-Identifier: GPL-2.0-only
/*
 * Container identity from cgroup v2 paths, cgroup ids and runc/crun state
 * directories (see identity.h).
 *
 * The cgroup naming conventions recognised, by segment of the path:
 *   docker-<64hex>.scope          docker, systemd driver
 *   docker/<64hex>                docker, cgroupfs driver (parent "docker")
 *   cri-containerd-<64hex>.scope  containerd CRI, systemd driver
 *   crio-<64hex>[.scope]          cri-o (crio-conmon-* is its monitor)
 *   libpod-<64hex>[.scope]        podman (libpod-conmon-* is its monitor)
 *   runc-<id>.scope, crun-<id>.scope
 *                                 runc/crun with a systemd cgroupsPath
 *                                 "slice:runc:<id>"
 *   kubepods[/besteffort|/burstable]/pod<uid>/<64hex>
 *                                 kubelet, cgroupfs driver (no runtime named)
 *   kubepods[-<qos>]-pod<uid_with_underscores>.slice
 *                                 kubelet, systemd driver: the pod
 */
#include "containers/identity.h"

#include "containers/container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/errors.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define MAX_CGROUP_DEPTH 128

const char *const dg_identity_default_state_roots[] = {
	"/run/runc",			 /* runc, cri-o's default runc root */
	"/run/crun",			 /* crun, podman with crun */
	"/run/docker/runtime-runc/moby", /* docker */
	"/run/containerd/runc/k8s.io",	 /* containerd CRI */
	"/run/containerd/runc/default",	 /* ctr, nerdctl */
	"/run/containerd/runc/moby",	 /* docker with the containerd runc shim */
	NULL,
};

static const char *const runtime_names[] = {
	[DG_RUNTIME_NONE] = "host",
	[DG_RUNTIME_DOCKER] = "docker",
	[DG_RUNTIME_CRI_CONTAINERD] = "cri-containerd",
	[DG_RUNTIME_CRIO] = "cri-o",
	[DG_RUNTIME_CRI] = "cri",
	[DG_RUNTIME_PODMAN] = "podman",
	[DG_RUNTIME_RUNC] = "runc",
	[DG_RUNTIME_CRUN] = "crun",
};

const char *dg_runtime_name(enum dg_runtime rt)
{
	if ((unsigned)rt >= sizeof(runtime_names) / sizeof(runtime_names[0]))
		return "unknown";
	return runtime_names[rt];
}

const char *dg_qos_name(enum dg_qos qos)
{
	switch (qos) {
	case DG_QOS_GUARANTEED:
		return "guaranteed";
	case DG_QOS_BURSTABLE:
		return "burstable";
	case DG_QOS_BESTEFFORT:
		return "besteffort";
	default:
		return "";
	}
}

/* ---- cgroup path parser ------------------------------------------------ */

static bool seg_is(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && !memcmp(s, lit, len);
}

static bool seg_starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(s, prefix, n);
}

/* Container engines' ids: 64 lowercase hex digits, nothing else. */
static bool is_hex64(const char *s, size_t len)
{
	if (len != 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* runc's rule for container ids: ^[\w+.-]+$ (and not "." or ".."). */
static bool is_runc_id(const char *s, size_t len)
{
	if (!len || len >= DG_IDENTITY_ID_MAX || seg_is(s, len, ".") || seg_is(s, len, ".."))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '+' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* Kubernetes pod uids: a uuid, or 32 hex digits for static pods. */
static bool is_pod_uid(const char *s, size_t len)
{
	if (!len || len >= DG_IDENTITY_UID_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

struct scope_rule {
	const char *prefix;
	enum dg_runtime runtime; /* DG_RUNTIME_NONE: a monitor, not a container */
	bool need_scope;	 /* only "<prefix><id>.scope", never without ".scope" */
	bool hex_id;		 /* the id is 64 hex (else a runc id) */
};

/* Longer prefixes first: "crio-conmon-" before "crio-". */
static const struct scope_rule scope_rules[] = {
	{"docker-", DG_RUNTIME_DOCKER, true, true},
	{"cri-containerd-", DG_RUNTIME_CRI_CONTAINERD, true, true},
	{"crio-conmon-", DG_RUNTIME_NONE, false, true},
	{"crio-", DG_RUNTIME_CRIO, false, true},
	{"libpod-conmon-", DG_RUNTIME_NONE, false, true},
	{"libpod-", DG_RUNTIME_PODMAN, false, true},
	{"runc-", DG_RUNTIME_RUNC, true, false},
	{"crun-", DG_RUNTIME_CRUN, true, false},
};

/* The rule a segment matches, with its id; NULL if none. */
static const struct scope_rule *match_scope(const char *s, size_t len, const char **id,
					    size_t *idlen)
{
	for (size_t i = 0; i < sizeof(scope_rules) / sizeof(scope_rules[0]); i++) {
		const struct scope_rule *rule = &scope_rules[i];
		size_t n = strlen(rule->prefix), l = len - n;
		const char *p = s + n;

		if (!seg_starts(s, len, rule->prefix))
			continue;
		if (l > 6 && !memcmp(p + l - 6, ".scope", 6))
			l -= 6;
		else if (rule->need_scope)
			continue;
		if (rule->hex_id ? !is_hex64(p, l) : !is_runc_id(p, l))
			continue;
		*id = p;
		*idlen = l;
		return rule;
	}
	return NULL;
}

static enum dg_qos qos_of(const char *s, size_t len)
{
	if (seg_is(s, len, "besteffort"))
		return DG_QOS_BESTEFFORT;
	if (seg_is(s, len, "burstable"))
		return DG_QOS_BURSTABLE;
	return DG_QOS_NONE;
}

struct kube_state {
	bool kubepods; /* below the kubelet's kubepods cgroup */
	enum dg_qos qos;
	int pod_seg; /* index of the pod's segment, -1 if none */
	char uid[DG_IDENTITY_UID_MAX];
};

static void set_pod(struct kube_state *k, const char *uid, size_t len, int seg)
{
	for (size_t i = 0; i < len; i++)
		k->uid[i] = uid[i] == '_' ? '-' : uid[i];
	k->uid[len] = '\0';
	k->pod_seg = seg;
}

/* Follows the kubelet's cgroups: kubepods, QoS class, pod. */
static void kube_segment(struct kube_state *k, const char *s, size_t len, int seg)
{
	const char *last;
	size_t name_len;

	if (len > 6 && !memcmp(s + len - 6, ".slice", 6)) {
		/* systemd: "kubepods-burstable-pod<uid>.slice", '-' nests slices. */
		name_len = len - 6;
		if (seg_is(s, name_len, "kubepods") || seg_starts(s, name_len, "kubepods-") ||
		    memmem(s, name_len, "-kubepods-", 10) ||
		    (name_len >= 9 && !memcmp(s + name_len - 9, "-kubepods", 9)))
			k->kubepods = true;
		if (!k->kubepods)
			return;
		last = memrchr(s, '-', name_len);
		if (!last)
			return;
		last++;
		if (qos_of(last, s + name_len - last) != DG_QOS_NONE) {
			k->qos = qos_of(last, s + name_len - last);
		} else if (seg_starts(last, s + name_len - last, "pod") &&
			   is_pod_uid(last + 3, s + name_len - last - 3)) {
			const char *prev = last - 1;
			const char *pstart = prev;

			while (pstart > s && pstart[-1] != '-')
				pstart--;
			if (prev > s)
				k->qos = qos_of(pstart, prev - pstart);
			set_pod(k, last + 3, s + name_len - last - 3, seg);
		}
		return;
	}
	/* cgroupfs: "kubepods/burstable/pod<uid>" */
	if (seg_is(s, len, "kubepods")) {
		k->kubepods = true;
		return;
	}
	if (!k->kubepods || k->pod_seg >= 0)
		return;
	if (qos_of(s, len) != DG_QOS_NONE)
		k->qos = qos_of(s, len);
	else if (seg_starts(s, len, "pod") && is_pod_uid(s + 3, len - 3))
		set_pod(k, s + 3, len - 3, seg);
}

/* Drops "0::", a trailing newline and a /sys/fs/cgroup[/unified] prefix. */
static const char *strip_cgroup_prefix(const char *path, size_t *len)
{
	static const char *const mounts[] = {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"};

	if (!strncmp(path, "0::", 3))
		path += 3;
	*len = strcspn(path, "\n");
	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(mounts[i]);

		if (*len >= n && !memcmp(path, mounts[i], n) && (*len == n || path[n] == '/')) {
			*len -= n;
			return path + n;
		}
	}
	return path;
}

int dg_identity_from_cgroup_path(const char *path, struct dg_identity *out)
{
	struct kube_state k = {.pod_seg = -1};
	const char *p, *end, *prev = NULL;
	size_t len, prev_len = 0, norm_len = 0;
	int seg = 0;

	memset(out, 0, sizeof(*out));
	p = strip_cgroup_prefix(path, &len);
	end = p + len;
	if (!len && p != path)
		return dg_err(ENOENT, "cgroup \"/\" is the host's");
	if (!len || p[0] != '/')
		return dg_err(EINVAL, "\"%s\" is not a cgroup v2 path", path);
	while (p < end) {
		const struct scope_rule *rule;
		const char *s, *id = NULL;
		size_t slen, idlen = 0;
		enum dg_runtime rt = DG_RUNTIME_NONE;

		while (p < end && *p == '/')
			p++;
		if (p == end)
			break;
		s = p;
		while (p < end && *p != '/')
			p++;
		slen = p - s;
		if (norm_len + 1 + slen >= sizeof(out->cgroup))
			return dg_err(ENAMETOOLONG, "cgroup path \"%.64s...\" is too long", path);
		out->cgroup[norm_len++] = '/';
		memcpy(out->cgroup + norm_len, s, slen);
		norm_len += slen;
		out->cgroup[norm_len] = '\0';

		rule = match_scope(s, slen, &id, &idlen);
		if (rule && rule->runtime == DG_RUNTIME_NONE) {
			out->cgroup[0] = '\0';
			return dg_err(ENOENT,
				      "cgroup %s is a container monitor (conmon), not a "
				      "container",
				      path);
		}
		if (rule) {
			rt = rule->runtime;
		} else if (is_hex64(s, slen) && prev && seg_is(prev, prev_len, "docker")) {
			rt = DG_RUNTIME_DOCKER;
			id = s;
			idlen = slen;
		} else if (is_hex64(s, slen) && k.pod_seg >= 0 && k.pod_seg == seg - 1) {
			rt = DG_RUNTIME_CRI;
			id = s;
			idlen = slen;
		} else {
			kube_segment(&k, s, slen, seg);
		}
		if (rt != DG_RUNTIME_NONE) {
			out->runtime = rt;
			memcpy(out->id, id, idlen);
			out->id[idlen] = '\0';
			if (k.pod_seg >= 0) {
				snprintf(out->pod_uid, sizeof(out->pod_uid), "%s", k.uid);
				out->qos = k.qos != DG_QOS_NONE ? k.qos : DG_QOS_GUARANTEED;
			}
			return 0;
		}
		prev = s;
		prev_len = slen;
		seg++;
	}
	out->cgroup[0] = '\0';
	return dg_err(ENOENT, "cgroup %s is not a container's", path);
}

/* ---- cgroup2 mount ----------------------------------------------------- */

/* Undoes mountinfo's octal escapes ("\040" for a space) in place. */
static void unescape_mountinfo(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

static bool is_cgroup2(const char *dir)
{
	struct statfs sfs;

	return !statfs(dir, &sfs) && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

int dg_cgroup2_root(char *buf, size_t len)
{
	static const char *const usual[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	f = fopen("/proc/self/mountinfo", "re");
	while (f && getline(&line, &cap, f) > 0) {
		char root[PATH_MAX], mnt[PATH_MAX], fstype[64];
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(sep, " - %63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2)
			continue;
		/* A bind mount of a sub-tree (root not "/") names cgroups differently. */
		if (strcmp(root, "/"))
			continue;
		unescape_mountinfo(mnt);
		if ((size_t)snprintf(buf, len, "%s", mnt) >= len)
			return dg_err(ENAMETOOLONG, "cgroup2 mount point %s is too long", mnt);
		return 0;
	}
	/* No mountinfo (a chroot without /proc): try where cgroup2 usually is. */
	for (size_t i = 0; i < 2; i++) {
		if (is_cgroup2(usual[i])) {
			snprintf(buf, len, "%s", usual[i]);
			return 0;
		}
	}
	return dg_err(ENODEV, "cgroup2 is not mounted (not in /proc/self/mountinfo, nor at "
			      "/sys/fs/cgroup or /sys/fs/cgroup/unified); container identity "
			      "needs the unified hierarchy");
}

static uint64_t cgroup_id_of(const char *root, const char *cgroup)
{
	char full[PATH_MAX * 2];
	struct stat st;

	if (!root[0] || !cgroup[0])
		return 0;
	snprintf(full, sizeof(full), "%s%s", root, strcmp(cgroup, "/") ? cgroup : "");
	/* On cgroupfs the inode number of a cgroup directory is its id. */
	return stat(full, &st) ? 0 : st.st_ino;
}

/* ---- processes ---------------------------------------------------------- */

/* Start time of a process (clock ticks after boot, field 22 of stat); 0 if gone. */
static unsigned long long proc_start_time(pid_t pid)
{
	char file[64], buf[1024];
	unsigned long long start = 0;
	_cleanup_close_ int fd = -1;
	ssize_t n;
	char *p;

	snprintf(file, sizeof(file), "/proc/%d/stat", pid);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields resume after the last ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1,
			 "%*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
			 "%*s %*s %*s %llu",
			 &start) != 1)
		return 0;
	return start;
}

static int pid_cgroup(pid_t pid, char *buf, size_t len)
{
	return dg_cgroup_path_of_pid(pid, buf, len);
}

static uint64_t pid_mntns(pid_t pid)
{
	char file[64];
	struct stat st;

	snprintf(file, sizeof(file), "/proc/%d/ns/mnt", pid);
	return stat(file, &st) ? 0 : st.st_ino;
}

/* ---- runc / crun state -------------------------------------------------- */

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

int dg_identity_from_runc(const char *state_root, const char *id, const char *cgroup_root,
			  struct dg_identity *out)
{
	struct runc_state st = {0};
	struct dg_identity parsed;
	enum dg_runtime hint, rt = DG_RUNTIME_RUNC;
	char root[PATH_MAX], dir[PATH_MAX], file[PATH_MAX + 16];
	unsigned long long start;
	bool parsed_ok = false;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!is_runc_id(id, strlen(id)))
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
	/* A pid is the container's only while its start time matches. */
	start = st.pid > 0 ? proc_start_time((pid_t)st.pid) : 0;
	if (start && (!st.start || start == (unsigned long long)st.start)) {
		out->init_pid = (pid_t)st.pid;
		out->mntns = pid_mntns(out->init_pid);
		if (!out->cgroup[0] && pid_cgroup(out->init_pid, out->cgroup, sizeof(out->cgroup)))
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
	out->cgroup_id = cgroup_id_of(cgroup_root, out->cgroup);
	return 0;
}

int dg_identity_list_runc(const char *state_root, const char *cgroup_root, struct dg_identity **out,
			  size_t *n)
{
	_cleanup_free_ struct dg_identity *list = NULL;
	DIR *d;
	struct dirent *de;
	size_t cap = 0, count = 0;
	char root[PATH_MAX];

	*out = NULL;
	*n = 0;
	if (!cgroup_root) {
		if (dg_cgroup2_root(root, sizeof(root)))
			root[0] = '\0';
		dg_err_clear();
		cgroup_root = root;
	}
	d = opendir(state_root);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return dg_err(errno, "cannot read state directory %s: %s", state_root,
			      strerror(errno));
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		if (count == cap) {
			struct dg_identity *bigger;

			cap = cap ? cap * 2 : 8;
			bigger = realloc(list, cap * sizeof(*list));
			if (!bigger) {
				closedir(d);
				return dg_err(ENOMEM, "out of memory");
			}
			list = bigger;
		}
		if (dg_identity_from_runc(state_root, de->d_name, cgroup_root, &list[count])) {
			dg_debug("skipping container %s of %s: %s", de->d_name, state_root,
				 dg_errmsg());
			dg_err_clear();
			continue;
		}
		count++;
	}
	closedir(d);
	*out = TAKE_PTR(list);
	*n = count;
	return 0;
}

/* ---- display ------------------------------------------------------------ */

char *dg_identity_display(const struct dg_identity *ident, char *buf, size_t len)
{
	const char *name = ident->name[0] ? ident->name : NULL;
	int idlen = is_hex64(ident->id, strlen(ident->id)) ? 12 : (int)strlen(ident->id);
	int n;

	if (!len)
		return buf;
	if (ident->runtime == DG_RUNTIME_NONE) {
		snprintf(buf, len, "host");
		return buf;
	}
	n = snprintf(buf, len, "%s:%.*s", dg_runtime_name(ident->runtime), idlen, ident->id);
	if (n < 0 || (size_t)n >= len)
		return buf;
	if (ident->pod_name[0])
		snprintf(buf + n, len - n, " (pod %s%s%s%s%s)", ident->pod_namespace,
			 ident->pod_namespace[0] ? "/" : "", ident->pod_name,
			 name ? ", container " : "", name ? name : "");
	else if (ident->pod_uid[0])
		snprintf(buf + n, len - n, " (pod %s%s%s)", ident->pod_uid,
			 name ? ", container " : "", name ? name : "");
	else if (name && strcmp(name, ident->id))
		snprintf(buf + n, len - n, " (%s)", name);
	return buf;
}

static int set_str(json_t *obj, const char *key, const char *value)
{
	if (!value[0])
		return 0;
	return json_object_set_new(obj, key, json_string(value));
}

int dg_identity_to_json(const struct dg_identity *ident, json_t **out)
{
	_cleanup_(json_decrefp) json_t *obj = NULL, *pod = NULL;
	int err = 0;

	*out = NULL;
	obj = json_pack("{s:s}", "runtime", dg_runtime_name(ident->runtime));
	if (!obj)
		return dg_err(ENOMEM, "out of memory");
	err |= set_str(obj, "id", ident->id);
	err |= set_str(obj, "name", ident->name);
	if (ident->pod_uid[0] || ident->pod_name[0]) {
		pod = json_object();
		if (!pod)
			return dg_err(ENOMEM, "out of memory");
		err |= set_str(pod, "uid", ident->pod_uid);
		err |= set_str(pod, "name", ident->pod_name);
		err |= set_str(pod, "namespace", ident->pod_namespace);
		err |= set_str(pod, "qos", dg_qos_name(ident->qos));
		if (ident->sandbox)
			err |= json_object_set_new(pod, "sandbox", json_true());
		err |= json_object_set(obj, "pod", pod);
	}
	err |= set_str(obj, "cgroup", ident->cgroup);
	if (ident->cgroup_id)
		err |= json_object_set_new(obj, "cgroup_id",
					   json_integer((json_int_t)ident->cgroup_id));
	if (ident->init_pid)
		err |= json_object_set_new(obj, "init_pid", json_integer(ident->init_pid));
	if (ident->mntns)
		err |= json_object_set_new(obj, "mntns", json_integer((json_int_t)ident->mntns));
	err |= set_str(obj, "bundle", ident->bundle);
	if (err)
		return dg_err(ENOMEM, "out of memory");
	*out = TAKE_PTR(obj);
	return 0;
}

/* ---- resolver ----------------------------------------------------------- */

struct cg_entry {
	uint64_t id;
	char *path;
};

struct state_root {
	char *path;
	struct timespec mtime; /* of the directory when last read; a new container changes it */
};

struct dg_identity_resolver {
	char cgroup_root[PATH_MAX];

	struct cg_entry *cgroups; /* sorted by id */
	size_t n_cgroups, cap_cgroups;
	bool cgroups_loaded;
	double cgroups_time;

	struct state_root *roots;
	size_t n_roots;
	struct dg_identity *containers;
	size_t n_containers;
	bool containers_loaded;
	bool containers_partial; /* a container could not be read: read again on a miss */
	double containers_time;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void free_cgroups(struct dg_identity_resolver *r)
{
	for (size_t i = 0; i < r->n_cgroups; i++)
		free(r->cgroups[i].path);
	free(r->cgroups);
	r->cgroups = NULL;
	r->n_cgroups = r->cap_cgroups = 0;
	r->cgroups_loaded = false;
}

void dg_identity_resolver_flush(struct dg_identity_resolver *r)
{
	free_cgroups(r);
	free(r->containers);
	r->containers = NULL;
	r->n_containers = 0;
	r->containers_loaded = false;
}

void dg_identity_resolver_free(struct dg_identity_resolver *r)
{
	if (!r)
		return;
	dg_identity_resolver_flush(r);
	for (size_t i = 0; i < r->n_roots; i++)
		free(r->roots[i].path);
	free(r->roots);
	free(r);
}

int dg_identity_resolver_new(const char *cgroup_root, const char *const *state_roots,
			     struct dg_identity_resolver **out)
{
	_cleanup_(dg_identity_resolver_freep) struct dg_identity_resolver *r = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return dg_err(ENOMEM, "out of memory");
	if (cgroup_root) {
		snprintf(r->cgroup_root, sizeof(r->cgroup_root), "%s", cgroup_root);
	} else {
		rc = dg_cgroup2_root(r->cgroup_root, sizeof(r->cgroup_root));
		if (rc)
			return rc;
	}
	if (!state_roots)
		state_roots = dg_identity_default_state_roots;
	while (state_roots[n])
		n++;
	r->roots = calloc(n ? n : 1, sizeof(*r->roots));
	if (!r->roots)
		return dg_err(ENOMEM, "out of memory");
	for (; r->n_roots < n; r->n_roots++) {
		r->roots[r->n_roots].path = strdup(state_roots[r->n_roots]);
		if (!r->roots[r->n_roots].path)
			return dg_err(ENOMEM, "out of memory");
	}
	*out = TAKE_PTR(r);
	return 0;
}

static int add_cgroup(struct dg_identity_resolver *r, uint64_t id, const char *path)
{
	if (r->n_cgroups == r->cap_cgroups) {
		size_t cap = r->cap_cgroups ? r->cap_cgroups * 2 : 256;
		struct cg_entry *bigger = realloc(r->cgroups, cap * sizeof(*bigger));

		if (!bigger)
			return dg_err(ENOMEM, "out of memory");
		r->cgroups = bigger;
		r->cap_cgroups = cap;
	}
	r->cgroups[r->n_cgroups].path = strdup(path);
	if (!r->cgroups[r->n_cgroups].path)
		return dg_err(ENOMEM, "out of memory");
	r->cgroups[r->n_cgroups++].id = id;
	return 0;
}

/* Records every cgroup below dirfd (whose cgroup path is path). Takes dirfd. */
static int walk_cgroups(struct dg_identity_resolver *r, int dirfd, char *path, size_t len,
			int depth)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		close(dirfd);
		return 0;
	}
	while (!rc && (de = readdir(d))) {
		struct stat st;
		size_t n = strlen(de->d_name);
		int fd;

		if (de->d_name[0] == '.' || (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN))
			continue;
		if (len + 1 + n >= PATH_MAX || depth >= MAX_CGROUP_DEPTH)
			continue;
		fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue; /* removed meanwhile, or not a directory */
		if (fstat(fd, &st)) {
			close(fd);
			continue;
		}
		/* path is "/" for the root, else "/a/b" */
		snprintf(path + len, PATH_MAX - len, "%s%s", len > 1 ? "/" : "", de->d_name);
		rc = add_cgroup(r, st.st_ino, path);
		if (!rc)
			rc = walk_cgroups(r, fd, path, strlen(path), depth + 1);
		else
			close(fd);
		path[len] = '\0';
	}
	closedir(d);
	return rc;
}

static int cmp_cg(const void *a, const void *b)
{
	uint64_t x = ((const struct cg_entry *)a)->id, y = ((const struct cg_entry *)b)->id;

	return x < y ? -1 : x > y;
}

static int load_cgroups(struct dg_identity_resolver *r)
{
	char path[PATH_MAX] = "/";
	struct stat st;
	int fd, rc;

	free_cgroups(r);
	r->cgroups_time = now_s();
	fd = open(r->cgroup_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return dg_err(errno, "cannot open cgroup2 root %s: %s", r->cgroup_root,
			      strerror(errno));
	if (fstat(fd, &st)) {
		rc = dg_err(errno, "cannot stat %s: %s", r->cgroup_root, strerror(errno));
		close(fd);
		return rc;
	}
	rc = add_cgroup(r, st.st_ino, "/");
	if (rc) {
		close(fd);
		return rc;
	}
	rc = walk_cgroups(r, fd, path, 1, 0);
	if (rc)
		return rc;
	qsort(r->cgroups, r->n_cgroups, sizeof(*r->cgroups), cmp_cg);
	r->cgroups_loaded = true;
	return 0;
}

static const char *find_cgroup(struct dg_identity_resolver *r, uint64_t id)
{
	struct cg_entry key = {.id = id}, *e;

	e = bsearch(&key, r->cgroups, r->n_cgroups, sizeof(key), cmp_cg);
	return e ? e->path : NULL;
}

static int load_containers(struct dg_identity_resolver *r)
{
	free(r->containers);
	r->containers = NULL;
	r->n_containers = 0;
	r->containers_partial = false;
	r->containers_time = now_s();
	for (size_t i = 0; i < r->n_roots; i++) {
		_cleanup_free_ struct dg_identity *list = NULL;
		struct dg_identity *all;
		struct stat st;
		size_t n;
		int rc;

		memset(&r->roots[i].mtime, 0, sizeof(r->roots[i].mtime));
		if (!stat(r->roots[i].path, &st))
			r->roots[i].mtime = st.st_mtim;
		rc = dg_identity_list_runc(r->roots[i].path, r->cgroup_root, &list, &n);
		if (rc) {
			dg_debug("%s", dg_errmsg());
			dg_err_clear();
			continue;
		}
		for (size_t j = 0; j < n; j++)
			if (!list[j].cgroup[0])
				r->containers_partial = true;
		if (!n)
			continue;
		all = realloc(r->containers, (r->n_containers + n) * sizeof(*all));
		if (!all)
			return dg_err(ENOMEM, "out of memory");
		memcpy(all + r->n_containers, list, n * sizeof(*all));
		r->containers = all;
		r->n_containers += n;
	}
	r->containers_loaded = true;
	return 0;
}

/* Whether the state directories may know of containers they did not when read. */
static bool containers_stale(struct dg_identity_resolver *r)
{
	if (!r->containers_loaded)
		return true;
	if (now_s() - r->containers_time < 1.0)
		return false;
	if (r->containers_partial)
		return true;
	for (size_t i = 0; i < r->n_roots; i++) {
		struct stat st;
		struct timespec t = {0};

		if (!stat(r->roots[i].path, &st))
			t = st.st_mtim;
		if (t.tv_sec != r->roots[i].mtime.tv_sec || t.tv_nsec != r->roots[i].mtime.tv_nsec)
			return true;
	}
	return false;
}

/* cgroup is container's cgroup or below it. */
static bool cgroup_within(const char *cgroup, const char *container)
{
	size_t n = strlen(container);

	if (!n || strncmp(cgroup, container, n))
		return false;
	return cgroup[n] == '\0' || cgroup[n] == '/' || !strcmp(container, "/");
}

/* The outermost known container whose cgroup holds `cgroup`, or the one with `id`. */
static const struct dg_identity *find_container(struct dg_identity_resolver *r, const char *cgroup,
						const char *id)
{
	const struct dg_identity *best = NULL;

	for (size_t i = 0; i < r->n_containers; i++) {
		const struct dg_identity *c = &r->containers[i];

		if (id && id[0] && !strcmp(c->id, id))
			return c;
		if (!strcmp(c->cgroup, "/") || !cgroup_within(cgroup, c->cgroup))
			continue;
		if (!best || strlen(c->cgroup) < strlen(best->cgroup))
			best = c;
	}
	return best;
}

/* Normalised cgroup path (prefixes dropped, no doubled or trailing '/'). */
static void normalise(const char *path, char *buf, size_t len)
{
	size_t n, w = 0;
	const char *p = strip_cgroup_prefix(path, &n);

	for (size_t i = 0; i < n && w + 1 < len; i++) {
		if (p[i] == '/' && w && buf[w - 1] == '/')
			continue;
		buf[w++] = p[i];
	}
	if (w > 1 && buf[w - 1] == '/')
		w--;
	buf[w] = '\0';
	if (!w && len > 1)
		snprintf(buf, len, "/");
}

static int resolve_once(struct dg_identity_resolver *r, const char *norm, struct dg_identity *out)
{
	const struct dg_identity *c;
	int rc = dg_identity_from_cgroup_path(norm, out);

	if (rc && rc != -ENOENT)
		return rc;
	c = find_container(r, norm, rc ? NULL : out->id);
	if (c && rc == 0 && strcmp(c->id, out->id) && strlen(c->cgroup) >= strlen(out->cgroup))
		c = NULL; /* the parsed container is outermost */
	if (!c)
		return rc;
	if (rc == 0 && !strcmp(c->id, out->id)) {
		/* Same container: keep the parser's cgroup and pod, add what state knows. */
		struct dg_identity parsed = *out;

		*out = *c;
		snprintf(out->cgroup, sizeof(out->cgroup), "%s", parsed.cgroup);
		if (parsed.runtime != DG_RUNTIME_CRI || out->runtime == DG_RUNTIME_RUNC ||
		    out->runtime == DG_RUNTIME_CRUN)
			out->runtime = parsed.runtime;
		if (parsed.pod_uid[0])
			snprintf(out->pod_uid, sizeof(out->pod_uid), "%s", parsed.pod_uid);
		if (parsed.qos)
			out->qos = parsed.qos;
	} else {
		*out = *c;
	}
	dg_err_clear();
	return 0;
}

int dg_identity_resolve_path(struct dg_identity_resolver *r, const char *path,
			     struct dg_identity *out)
{
	char norm[DG_IDENTITY_PATH_MAX];
	int rc;

	normalise(path, norm, sizeof(norm));
	if (!r->containers_loaded) {
		rc = load_containers(r);
		if (rc)
			return rc;
	}
	rc = resolve_once(r, norm, out);
	/* Not known to the state directories (host, or a new container): read them again. */
	if ((rc == -ENOENT || (!rc && !out->init_pid && !out->name[0])) && containers_stale(r)) {
		int rc2 = load_containers(r);

		if (rc2)
			return rc2;
		rc = resolve_once(r, norm, out);
	}
	if (!rc && !out->cgroup_id)
		out->cgroup_id = cgroup_id_of(r->cgroup_root, out->cgroup);
	return rc;
}

int dg_identity_resolve_id(struct dg_identity_resolver *r, uint64_t cgroup_id,
			   struct dg_identity *out)
{
	const char *path;
	uint64_t cid;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!r->cgroups_loaded) {
		rc = load_cgroups(r);
		if (rc)
			return rc;
	}
	path = find_cgroup(r, cgroup_id);
	if (!path && now_s() - r->cgroups_time >= 1.0) {
		rc = load_cgroups(r);
		if (rc)
			return rc;
		path = find_cgroup(r, cgroup_id);
	}
	if (!path)
		return dg_err(ENOENT, "no cgroup with id %llu under %s",
			      (unsigned long long)cgroup_id, r->cgroup_root);
	rc = dg_identity_resolve_path(r, path, out);
	if (rc)
		return rc;
	/* Report the container's cgroup id even when asked about a sub-cgroup. */
	cid = cgroup_id_of(r->cgroup_root, out->cgroup);
	if (cid)
		out->cgroup_id = cid;
	return 0;
}

int dg_identity_resolve_pid(struct dg_identity_resolver *r, pid_t pid, struct dg_identity *out)
{
	char path[DG_IDENTITY_PATH_MAX];
	int rc;

	memset(out, 0, sizeof(*out));
	rc = pid_cgroup(pid, path, sizeof(path));
	if (rc)
		return rc;
	rc = dg_identity_resolve_path(r, path, out);
	if (!rc && !out->mntns && out->init_pid)
		out->mntns = pid_mntns(out->init_pid);
	return rc;
}
