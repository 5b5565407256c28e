// SPDX-License-Identifier: GPL-2.0-only
/* Container identity: names, id rules, display and JSON (see identity.h). */
#include "containers/identity.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "common/json_text.h"

static const char *const runtime_names[] = {
	[DG_RUNTIME_NONE] = "host",
	[DG_RUNTIME_DOCKER] = "docker",
	[DG_RUNTIME_CRI_CONTAINERD] = "cri-containerd",
	[DG_RUNTIME_CRIO] = "cri-o",
	[DG_RUNTIME_CRI] = "cri",
	[DG_RUNTIME_PODMAN] = "podman",
	[DG_RUNTIME_RUNC] = "runc",
	[DG_RUNTIME_CRUN] = "crun",
	[DG_RUNTIME_CONTAINERD] = "containerd",
	[DG_RUNTIME_UNKNOWN] = "unknown",
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

bool dg_id_is_engine(const char *s, size_t len)
{
	if (len != 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

bool dg_id_is_runc(const char *s, size_t len)
{
	if (!len || len >= DG_IDENTITY_ID_MAX || (len == 1 && s[0] == '.') ||
	    (len == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '+' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

bool dg_identity_running(const struct dg_identity *ident)
{
	return ident->init_pid > 0 && ident->cgroup_id;
}

bool dg_identity_equal(const struct dg_identity *a, const struct dg_identity *b)
{
	return a->runtime == b->runtime && a->qos == b->qos && a->sandbox == b->sandbox &&
	       !strcmp(a->id, b->id) && !strcmp(a->name, b->name) &&
	       !strcmp(a->pod_uid, b->pod_uid) && !strcmp(a->pod_name, b->pod_name) &&
	       !strcmp(a->pod_namespace, b->pod_namespace) &&
	       !strcmp(a->ctr_namespace, b->ctr_namespace) && !strcmp(a->cgroup, b->cgroup) &&
	       a->cgroup_id == b->cgroup_id && a->init_pid == b->init_pid && a->mntns == b->mntns &&
	       !strcmp(a->bundle, b->bundle);
}

char *dg_identity_display(const struct dg_identity *ident, char *buf, size_t len)
{
	const char *name = ident->name[0] ? ident->name : NULL;
	int idlen = dg_id_is_engine(ident->id, strlen(ident->id)) ? 12 : (int)strlen(ident->id);
	int n;

	if (!len)
		return buf;
	if (ident->runtime == DG_RUNTIME_NONE) {
		snprintf(buf, len, "host");
		return buf;
	}
	if (ident->runtime == DG_RUNTIME_UNKNOWN) {
		if (ident->cgroup[0])
			snprintf(buf, len, "unknown container (cgroup %s)", ident->cgroup);
		else
			snprintf(buf, len, "unknown container (cgroup id %llu)",
				 (unsigned long long)ident->cgroup_id);
		return buf;
	}
	/* containerd's ids are unique within a namespace only: "containerd:<ns>/<id>". */
	n = snprintf(buf, len, "%s:%s%s%.*s", dg_runtime_name(ident->runtime), ident->ctr_namespace,
		     ident->ctr_namespace[0] ? "/" : "", idlen, ident->id);
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

/* State files and cgroup names need not be UTF-8: escaped, raw bytes kept (json_text.h). */
static int set_str(json_t *obj, const char *key, const char *value, size_t max)
{
	if (!value[0])
		return 0;
	return dg_json_set_text(obj, key, value, max);
}

int dg_identity_to_json(const struct dg_identity *ident, json_t **out)
{
	_cleanup_(json_decrefp) json_t *obj = NULL, *pod = NULL;
	int err = 0;

	*out = NULL;
	obj = json_pack("{s:s}", "runtime", dg_runtime_name(ident->runtime));
	if (!obj)
		return dg_err(ENOMEM, "out of memory");
	err |= set_str(obj, "id", ident->id, sizeof(ident->id));
	err |= set_str(obj, "name", ident->name, sizeof(ident->name));
	err |= set_str(obj, "namespace", ident->ctr_namespace, sizeof(ident->ctr_namespace));
	if (ident->pod_uid[0] || ident->pod_name[0]) {
		pod = json_object();
		if (!pod)
			return dg_err(ENOMEM, "out of memory");
		err |= set_str(pod, "uid", ident->pod_uid, sizeof(ident->pod_uid));
		err |= set_str(pod, "name", ident->pod_name, sizeof(ident->pod_name));
		err |= set_str(pod, "namespace", ident->pod_namespace,
			       sizeof(ident->pod_namespace));
		err |= set_str(pod, "qos", dg_qos_name(ident->qos), 32);
		if (ident->sandbox)
			err |= json_object_set_new(pod, "sandbox", json_true());
		err |= json_object_set(obj, "pod", pod);
	}
	err |= set_str(obj, "cgroup", ident->cgroup, sizeof(ident->cgroup));
	if (ident->cgroup_id)
		err |= json_object_set_new(obj, "cgroup_id",
					   json_integer((json_int_t)ident->cgroup_id));
	if (ident->init_pid)
		err |= json_object_set_new(obj, "init_pid", json_integer(ident->init_pid));
	if (ident->mntns)
		err |= json_object_set_new(obj, "mntns", json_integer((json_int_t)ident->mntns));
	err |= set_str(obj, "bundle", ident->bundle, sizeof(ident->bundle));
	if (err)
		return dg_err(ENOMEM, "out of memory");
	*out = TAKE_PTR(obj);
	return 0;
}
