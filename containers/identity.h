/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Container identity: which container something belongs to, named the way
 * its runtime names it, and how it is shown to people and in JSON.
 *
 * Who fills it in (all in containers/):
 *  - cgroup_path.h: a pure parser of the engines' cgroup naming conventions;
 *  - runtime_state.h: the state directories of runc and crun (init pid,
 *    bundle, cgroup, OCI annotations);
 *  - inventory.h: the live list of the containers of every state directory,
 *    and the cgroup id -> identity resolution for events.
 *
 * Errors follow common/errors.h: a negative errno and a dg_err() message.
 */
#ifndef __DG_IDENTITY_H
#define __DG_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#define DG_IDENTITY_ID_MAX 256
#define DG_IDENTITY_NAME_MAX 256
#define DG_IDENTITY_UID_MAX 64
#define DG_IDENTITY_PATH_MAX 4096

/* Who created the container (the manager, not the low-level runtime). */
enum dg_runtime {
	DG_RUNTIME_NONE = 0,	   /* the host: not a container */
	DG_RUNTIME_DOCKER,	   /* "docker" */
	DG_RUNTIME_CRI_CONTAINERD, /* "cri-containerd" */
	DG_RUNTIME_CRIO,	   /* "cri-o" */
	DG_RUNTIME_CRI,		   /* "cri": a pod's container, the cgroup names no runtime */
	DG_RUNTIME_PODMAN,	   /* "podman" */
	DG_RUNTIME_RUNC,	   /* "runc" (plain runc, or its systemd scope) */
	DG_RUNTIME_CRUN,	   /* "crun" */
	DG_RUNTIME_CONTAINERD,	   /* "containerd": ctr, nerdctl (a namespace, no CRI) */
	/* "unknown": in a container (not the host's mount namespace) that no
	 * runtime state and no cgroup convention names; known by its cgroup */
	DG_RUNTIME_UNKNOWN,
};

/* Kubernetes QoS class of the pod, from the kubepods cgroup hierarchy. */
enum dg_qos {
	DG_QOS_NONE = 0, /* not a pod, or not known */
	DG_QOS_GUARANTEED,
	DG_QOS_BURSTABLE,
	DG_QOS_BESTEFFORT,
};

struct dg_identity {
	enum dg_runtime runtime;
	enum dg_qos qos;
	bool sandbox;				  /* a pod's sandbox ("pause") container */
	char id[DG_IDENTITY_ID_MAX];		  /* container id: 64 hex, or runc's id */
	char name[DG_IDENTITY_NAME_MAX];	  /* container name, "" when unknown */
	char pod_uid[DG_IDENTITY_UID_MAX];	  /* with dashes, "" when not a pod */
	char pod_name[DG_IDENTITY_NAME_MAX];	  /* "" when unknown */
	char pod_namespace[DG_IDENTITY_NAME_MAX]; /* "" when unknown */
	/* containerd's namespace ("default", "k8s.io"), "" for other engines. */
	char ctr_namespace[DG_IDENTITY_NAME_MAX];
	/* The container's own cgroup (v2, from the cgroup2 root), below which
	 * its sub-cgroups lie: "/system.slice/docker-<id>.scope". */
	char cgroup[DG_IDENTITY_PATH_MAX];
	uint64_t cgroup_id;		   /* 0 when unknown */
	pid_t init_pid;			   /* 0 when unknown or not running */
	uint64_t mntns;			   /* inode of the init's mount namespace, 0 when unknown */
	char bundle[DG_IDENTITY_PATH_MAX]; /* "" when unknown */
};

/* "docker", "cri-o", ...; "host" for DG_RUNTIME_NONE. */
const char *dg_runtime_name(enum dg_runtime rt);
/* "guaranteed", "burstable", "besteffort"; "" for DG_QOS_NONE. */
const char *dg_qos_name(enum dg_qos qos);

/* A container engine's id: 64 lowercase hex digits, nothing else. */
bool dg_id_is_engine(const char *s, size_t len);
/* runc's rule for container ids: ^[\w+.-]+$, not "." or "..", shorter than DG_IDENTITY_ID_MAX. */
bool dg_id_is_runc(const char *s, size_t len);

/* Runs, with a cgroup v2 id to watch: what recorders and selectors want. */
bool dg_identity_running(const struct dg_identity *ident);

/* Field by field (the strings' bytes past their end do not count). */
bool dg_identity_equal(const struct dg_identity *a, const struct dg_identity *b);

/*
 * One line for people: "runc:dgtest-1",
 * "cri-containerd:3f2a1b4c5d6e (pod default/web, container nginx)",
 * "docker:3f2a1b4c5d6e (web)", "containerd:default/web",
 * "unknown container (cgroup /machine/x)", "host".
 * Engine ids (64 hex) are shortened to 12 characters, as docker does.
 * Returns buf.
 */
char *dg_identity_display(const struct dg_identity *ident, char *buf, size_t len);

/* The identity as a JSON object, for dumps and event logs. */
int dg_identity_to_json(const struct dg_identity *ident, json_t **out);

#endif /* __DG_IDENTITY_H */
