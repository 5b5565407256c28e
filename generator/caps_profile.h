/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Turning the capability checks recorded for a session (bpf/cap_recorder.h) into the
 * capability sets of a container: the OCI runtime-spec `process.capabilities`
 * object, or a Kubernetes `securityContext.capabilities` snippet.
 *
 * The granted checks are the set. Denied checks are not in it: they are
 * reported (dg_caps_report) next to the granted ones, each with the syscall
 * that first made the check, so a denial that broke the workload can be
 * told from a probe that the workload shrugged off. The files hold only
 * what the runtime or the orchestrator reads, so they can be spliced into a
 * config as they are (jq --slurpfile).
 *
 * Capability names come from libcap (cap_to_name), for the capabilities the
 * installed libcap knows; a number it cannot name is an error for a granted
 * capability (a set cannot name it), a note for a denied one.
 *
 * All functions follow common/error.h: negative errno + dg_errmsg().
 */
#ifndef __DG_CAPS_PROFILE_H
#define __DG_CAPS_PROFILE_H

#include <stdio.h>

#include <jansson.h>

#include "bpf/cap_recorder.h"

enum dg_caps_format {
	/* {"bounding": [...], "effective": [...], "permitted": [...], "ambient": []} */
	DG_CAPS_FORMAT_OCI,
	/* {"securityContext": {"capabilities": {"drop": ["ALL"], "add": [...]}}} */
	DG_CAPS_FORMAT_K8S,
};

/* "oci" or "k8s"; -EINVAL otherwise. */
int dg_caps_format_parse(const char *s, enum dg_caps_format *out);

/* "CAP_CHOWN" for 0 (libcap's name, upper case); -ENOENT when libcap cannot name cap. */
int dg_cap_name(int cap, char *buf, size_t len);

/* Number of capabilities recorded with this verdict. */
unsigned int dg_caps_count(const struct dg_caps_slot *s, enum dg_cap_verdict v);

/* The JSON object of the granted set in format f (a new reference). */
int dg_caps_to_json(const struct dg_caps_slot *s, enum dg_caps_format f, json_t **out);

/*
 * Write it to path ("-": stdout) atomically: temporary file in the same
 * directory, fsync, rename; never a partial file.
 */
int dg_caps_write_file(const struct dg_caps_slot *s, enum dg_caps_format f, const char *path);

/*
 * The human report, one line per verdict, each starting with prefix:
 *   granted (in the set): CAP_CHOWN (fchown), CAP_NET_BIND_SERVICE (bind)
 *   denied (not in the set): CAP_SYS_ADMIN (mount)
 * The syscall is the first that made the check (libseccomp's name; "/i386"
 * for a compat one; "-" when the check was made outside a syscall).
 */
void dg_caps_report(const struct dg_caps_slot *s, const char *prefix, FILE *out);

#endif /* __DG_CAPS_PROFILE_H */
