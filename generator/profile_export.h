/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A profile in the forms Kubernetes takes:
 *  - oci: the runtime-spec JSON (what `driftguard learn` writes);
 *  - spo: a SeccompProfile of the Security Profiles Operator
 *    (security-profiles-operator.x-k8s.io/v1beta1, api/seccompprofile), as
 *    YAML. Its schema has no comment and no defaultErrnoRet and lists fewer
 *    architectures; what it cannot say goes to an annotation or is left out
 *    in the stricter direction, and each loss is reported as a note;
 *  - k8s: the OCI profile plus a pod securityContext.seccompProfile snippet
 *    (type Localhost) that names it relative to the kubelet's seccomp root,
 *    with the place to copy the profile to in a YAML comment.
 *
 * All functions follow common/error.h: negative errno + dg_errmsg().
 */
#ifndef __DG_PROFILE_EXPORT_H
#define __DG_PROFILE_EXPORT_H

#include <jansson.h>

#include "generator/profile.h"
#include "generator/profile_load.h"

enum dg_export_format {
	DG_EXPORT_OCI,
	DG_EXPORT_SPO,
	DG_EXPORT_K8S,
};

/* "oci", "spo" or "k8s"; -EINVAL with a message otherwise. */
int dg_export_format_parse(const char *s, enum dg_export_format *out);

#define DG_SPO_API_VERSION "security-profiles-operator.x-k8s.io/v1beta1"
/* Where the kubelet looks localhostProfile up (its --root-dir + "/seccomp"). */
#define DG_KUBELET_SECCOMP_ROOT "/var/lib/kubelet/seccomp"
/* Our folder under it, so that our files do not mix with SPO's "operator/". */
#define DG_KUBELET_SUBDIR "driftguard"

/*
 * The SeccompProfile object named name (made a DNS subdomain name: lower
 * case, [a-z0-9.-]). Each thing SPO's schema cannot hold is added to notes
 * as a warning naming the field; out names the output in those notes.
 */
int dg_profile_to_spo(const struct dg_profile *p, const char *name, const char *out_name,
		      struct dg_problems *notes, json_t **out);

/* {"securityContext": {"seccompProfile": {"type": "Localhost", "localhostProfile": rel}}} */
json_t *dg_k8s_localhost_snippet(const char *localhost_profile);

/*
 * Validates p, then writes it in format f, atomically:
 *  oci: to path ("-": standard output);
 *  spo: to path, named name (NULL: path's base name without its extension);
 *  k8s: two files from path without its .json/.yaml/.yml extension, BASE.json
 *       (the profile) and BASE.yaml (the snippet naming it driftguard/BASE.json);
 *       not to standard output.
 * Nothing is written when p or an argument is wrong.
 */
int dg_profile_export(const struct dg_profile *p, enum dg_export_format f, const char *path,
		      const char *name, struct dg_problems *notes);

#endif /* __DG_PROFILE_EXPORT_H */
