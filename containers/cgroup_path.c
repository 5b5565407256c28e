// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cgroup path parser (see cgroup_path.h).
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
#include "containers/cgroup_path.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/errors.h"

static bool seg_is(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && !memcmp(s, lit, len);
}

static bool seg_starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(s, prefix, n);
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
		if (rule->hex_id ? !dg_id_is_engine(p, l) : !dg_id_is_runc(p, l))
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
		} else if (dg_id_is_engine(s, slen) && prev && seg_is(prev, prev_len, "docker")) {
			rt = DG_RUNTIME_DOCKER;
			id = s;
			idlen = slen;
		} else if (dg_id_is_engine(s, slen) && k.pod_seg >= 0 && k.pod_seg == seg - 1) {
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

void dg_cgroup_path_normalise(const char *path, char *buf, size_t len)
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

bool dg_cgroup_path_within(const char *cgroup, const char *container)
{
	size_t n = strlen(container);

	if (!n || strncmp(cgroup, container, n))
		return false;
	return cgroup[n] == '\0' || cgroup[n] == '/' || !strcmp(container, "/");
}
