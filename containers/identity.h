/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Container identity: which container a cgroup v2 path, a cgroup id or a pid
 * belongs to, named the way its runtime names it.
 *
 * Three layers, each usable alone:
 *  - dg_identity_from_cgroup_path(): a pure parser of the cgroup naming
 *    conventions of docker, containerd (CRI), cri-o, podman and runc/crun
 *    with systemd. It reads no file. A path it does not recognise is the
 *    host (-ENOENT): it never guesses.
 *  - dg_identity_from_runc()/dg_identity_list_runc(): the state directories
 *    of runc (/run/runc/<id>/state.json) and crun (/run/crun/<id>/status),
 *    for the init pid, bundle, cgroup and OCI annotations (names, pods).
 *  - struct dg_identity_resolver: both of the above plus a cache of the
 *    cgroup2 tree, to answer "which container is cgroup id N?" as events
 *    arrive, and to name plain runc containers whose cgroup ("/t1") says
 *    nothing by itself.
 *
 * Errors follow common/error.h: a negative errno and a dg_err() message.
 * -ENOENT from a lookup means "not a container" (the host), not a failure.
 */
#ifndef __DG_IDENTITY_H
#define __DG_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "common/cleanup.h"

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

/*
 * Pure parser. path is a cgroup v2 path ("/docker/<id>"), a line of
 * /proc/PID/cgroup ("0::/docker/<id>"), or a directory under /sys/fs/cgroup
 * or /sys/fs/cgroup/unified. Fills runtime, id, cgroup, pod_uid and qos.
 * Returns 0 for a container, -ENOENT for the host (out->runtime is NONE),
 * -EINVAL for something that is not a cgroup path.
 *
 * Sub-cgroups resolve to the container above them. When container
 * names nest (docker in docker, kind), the outermost wins: the host created
 * that one, while the names below it are the container's own to choose, so
 * a container cannot pass itself off as another by naming a sub-cgroup.
 * Conmon's scopes (crio-conmon-*, libpod-conmon-*) are not containers.
 */
int dg_identity_from_cgroup_path(const char *path, struct dg_identity *out);

/*
 * Mount point of cgroup v2 from /proc/self/mountinfo ("/sys/fs/cgroup", or
 * "/sys/fs/cgroup/unified" on hybrid hosts). -ENODEV if none.
 */
int dg_cgroup2_root(char *buf, size_t len);

/*
 * Container `id` of the runc-like state directory `state_root`: runc's
 * <root>/<id>/state.json, or crun's <root>/<id>/status (with the copy of
 * config.json beside it). Names and pod come from the OCI annotations
 * (runc keeps them among its labels; else the bundle's config.json).
 * A stopped container is found too, with init_pid 0. cgroup_root is the
 * cgroup2 mount used to turn runc's absolute cgroup paths into cgroup
 * paths; NULL to look it up. -ENOENT if there is no such container.
 */
int dg_identity_from_runc(const char *state_root, const char *id, const char *cgroup_root,
			  struct dg_identity *out);

/*
 * All containers of a state directory, in an array the caller free()s.
 * Entries that cannot be read (a container being deleted) are skipped.
 * A state directory that does not exist holds no containers (0, *n = 0).
 */
int dg_identity_list_runc(const char *state_root, const char *cgroup_root, struct dg_identity **out,
			  size_t *n);

/*
 * One line for people: "runc:dgtest-1",
 * "cri-containerd:3f2a1b4c5d6e (pod default/web, container nginx)", "host".
 * Engine ids (64 hex) are shortened to 12 characters, as docker does.
 * Returns buf.
 */
char *dg_identity_display(const struct dg_identity *ident, char *buf, size_t len);

/* The identity as a JSON object, for dumps and event logs. */
int dg_identity_to_json(const struct dg_identity *ident, json_t **out);

/* State directories the resolver reads when given none. */
extern const char *const dg_identity_default_state_roots[];

struct dg_identity_resolver;

/*
 * cgroup_root: the cgroup2 mount, NULL to find it. state_roots: a NULL
 * terminated list of runc/crun state directories, NULL for the defaults.
 */
int dg_identity_resolver_new(const char *cgroup_root, const char *const *state_roots,
			     struct dg_identity_resolver **out);
void dg_identity_resolver_free(struct dg_identity_resolver *r);
DG_DEFINE_CLEANUP(struct dg_identity_resolver *, dg_identity_resolver_free)

/*
 * A cgroup path, with the cgroup path parser and then the containers of the
 * state directories (for names, and for plain runc cgroups such as "/t1").
 * 0 = container, -ENOENT = host.
 */
int dg_identity_resolve_path(struct dg_identity_resolver *r, const char *path,
			     struct dg_identity *out);

/*
 * A cgroup v2 id (what bpf_get_current_cgroup_id() returns). Ids are mapped
 * to paths through a cache of the cgroup2 tree that is walked again, at
 * most once a second, when an id is missing. 0 = container, -ENOENT = host
 * or no such cgroup (any more).
 */
int dg_identity_resolve_id(struct dg_identity_resolver *r, uint64_t cgroup_id,
			   struct dg_identity *out);

/* The cgroup of a pid ("0::" line of /proc/PID/cgroup). 0 / -ENOENT. */
int dg_identity_resolve_pid(struct dg_identity_resolver *r, pid_t pid, struct dg_identity *out);

/* Forget the caches (cgroup tree and state directories). */
void dg_identity_resolver_flush(struct dg_identity_resolver *r);

#endif /* __DG_IDENTITY_H */
