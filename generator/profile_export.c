// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Security Profiles Operator's SeccompProfile and the Kubernetes
 * Localhost snippet (profile_export.h). SPO's v1beta1 spec
 * (api/seccompprofile/v1beta1/seccompprofile_types.go) takes defaultAction,
 * architectures (an enum), listenerPath, listenerMetadata, syscalls
 * (names, action, errnoRet as an omitempty int32, args) and flags; its v1 is
 * the same. The rest is mapped as honestly as the schema allows:
 *  - "comment" -> the "description" annotation, as SPO's own examples do;
 *  - defaultErrnoRet: no field; the default then returns EPERM (a note, and
 *    the value kept in the "driftguard/default-errno-ret" annotation);
 *  - an architecture outside the enum is left out: its syscalls are then
 *    refused by the filter (its bad-architecture action), stricter, never
 *    wider (a note);
 *  - errnoRet 0 cannot be told from "not given" (omitempty): it becomes
 *    EPERM (a note).
 */
#include "generator/profile_export.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "generator/json_yaml.h"
#include "generator/text_file.h"

/* SPO's +kubebuilder:validation:Enum of Arch (v1beta1 and v1). */
static const char *const spo_arches[] = {
	"SCMP_ARCH_NATIVE",    "SCMP_ARCH_X86",	    "SCMP_ARCH_X86_64",	  "SCMP_ARCH_X32",
	"SCMP_ARCH_ARM",       "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",	  "SCMP_ARCH_MIPS64",
	"SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
	"SCMP_ARCH_PPC",       "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",
	"SCMP_ARCH_S390X",     "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
};

/* SPO's ListenerPath pattern: its agent's directory. */
#define SPO_LISTENER_DIR "/var/run/security-profiles-operator/"

int dg_export_format_parse(const char *s, enum dg_export_format *out)
{
	static const char *const names[] = {
		[DG_EXPORT_OCI] = "oci", [DG_EXPORT_SPO] = "spo", [DG_EXPORT_K8S] = "k8s"};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum dg_export_format)i;
			return 0;
		}
	}
	return dg_err(EINVAL,
		      "unknown format \"%s\"; use oci (runtime-spec JSON), spo (a Security "
		      "Profiles Operator SeccompProfile) or k8s (the profile and a pod snippet)",
		      s);
}

static bool is_spo_arch(const char *name)
{
	for (size_t i = 0; i < sizeof(spo_arches) / sizeof(spo_arches[0]); i++) {
		if (strcmp(name, spo_arches[i]) == 0)
			return true;
	}
	return false;
}

/* A DNS subdomain name (RFC 1123) from want: lower case, other characters as '-'. */
static void object_name(const char *want, char *buf, size_t size)
{
	size_t n = 0;

	for (const char *p = want; *p && n + 1 < size && n < 253; p++) {
		char ch = (char)tolower((unsigned char)*p);

		buf[n++] = isalnum((unsigned char)ch) || ch == '.' ? ch : '-';
	}
	buf[n] = '\0';
	while (n > 0 && !isalnum((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	n = strspn(buf, "-.");
	memmove(buf, buf + n, strlen(buf + n) + 1);
	if (!buf[0])
		snprintf(buf, size, "driftguard");
}

/* spec.architectures: the ones SPO's enum has. */
static int spo_arches_of(json_t *arches, const char *out_name, struct dg_problems *notes)
{
	size_t i = 0;

	while (i < json_array_size(arches)) {
		const char *a = json_string_value(json_array_get(arches, i));
		int rc;

		if (is_spo_arch(a)) {
			i++;
			continue;
		}
		rc = dg_problems_add(notes, false,
				     "%s: spec.architectures: %s left out: SPO's schema does not "
				     "list it, so the filter refuses its syscalls (stricter)",
				     out_name, a);
		if (rc < 0 || json_array_remove(arches, i) < 0)
			return dg_err(ENOMEM, "out of memory");
	}
	return 0;
}

/* spec.syscalls: errnoRet 0 is dropped by SPO's omitempty. */
static int spo_syscalls_of(json_t *rules, const char *out_name, struct dg_problems *notes)
{
	size_t i;
	json_t *r;

	json_array_foreach(rules, i, r)
	{
		json_t *ret = json_object_get(r, "errnoRet");

		if (!ret || json_integer_value(ret) != 0)
			continue;
		if (dg_problems_add(notes, false,
				    "%s: spec.syscalls[%zu].errnoRet: 0 (a faked success) reads as "
				    "not given in SPO (omitempty), so the runtime returns EPERM "
				    "instead",
				    out_name, i) < 0 ||
		    json_object_del(r, "errnoRet") < 0)
			return dg_err(ENOMEM, "out of memory");
	}
	return 0;
}

static int spo_annotations(const struct dg_profile *p, json_t *meta, const char *out_name,
			   struct dg_problems *notes)
{
	_cleanup_(json_decrefp) json_t *ann = json_object();
	const struct dg_action *d = &p->default_action;
	char ret[16];

	if (!ann)
		return dg_err(ENOMEM, "out of memory");
	if (p->comment && json_object_set_new(ann, "description", json_string(p->comment)) < 0)
		return dg_err(ENOMEM, "out of memory");
	/* EPERM is what the runtimes return without one: nothing is lost then. */
	if (d->has_ret && !(d->kind == DG_ACT_ERRNO && d->ret == EPERM)) {
		snprintf(ret, sizeof(ret), "%u", d->ret);
		if (json_object_set_new(ann, "driftguard/default-errno-ret", json_string(ret)) <
			    0 ||
		    dg_problems_add(
			    notes, false,
			    "%s: defaultErrnoRet %s: SPO's schema has none, so the default "
			    "action returns EPERM there (the value is kept in the annotation "
			    "driftguard/default-errno-ret)",
			    out_name, ret) < 0)
			return dg_err(ENOMEM, "out of memory");
	}
	if (json_object_size(ann) == 0)
		return 0;
	return json_object_set_new(meta, "annotations", TAKE_PTR(ann)) < 0
		       ? dg_err(ENOMEM, "out of memory")
		       : 0;
}

int dg_profile_to_spo(const struct dg_profile *p, const char *name, const char *out_name,
		      struct dg_problems *notes, json_t **out)
{
	static const char *const spec_keys[] = {"defaultAction",    "architectures", "listenerPath",
						"listenerMetadata", "syscalls",	     "flags"};
	_cleanup_(json_decrefp) json_t *oci = dg_profile_to_json(p);
	_cleanup_(json_decrefp) json_t *cr = json_object();
	_cleanup_(json_decrefp) json_t *meta = json_object();
	_cleanup_(json_decrefp) json_t *spec = json_object();
	char obj[254];
	int rc;

	if (!oci)
		return dg_err(EINVAL,
			      "cannot serialise the profile: an unknown action, "
			      "architecture or operator, or an argument value above 2^63-1");
	if (!cr || !meta || !spec)
		return dg_err(ENOMEM, "out of memory");
	object_name(name, obj, sizeof(obj));
	rc = spo_arches_of(json_object_get(oci, "architectures"), out_name, notes);
	if (rc == 0)
		rc = spo_syscalls_of(json_object_get(oci, "syscalls"), out_name, notes);
	if (rc == 0 && p->listener_path &&
	    strncmp(p->listener_path, SPO_LISTENER_DIR, strlen(SPO_LISTENER_DIR)) != 0)
		rc = dg_problems_add(notes, false,
				     "%s: spec.listenerPath %s: SPO accepts only sockets in "
				     "%s and will refuse the object",
				     out_name, p->listener_path, SPO_LISTENER_DIR);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < sizeof(spec_keys) / sizeof(spec_keys[0]); i++) {
		json_t *v = json_object_get(oci, spec_keys[i]);

		if (v && json_object_set(spec, spec_keys[i], v) < 0)
			return dg_err(ENOMEM, "out of memory");
	}
	if (json_object_set_new(meta, "name", json_string(obj)) < 0)
		return dg_err(ENOMEM, "out of memory");
	rc = spo_annotations(p, meta, out_name, notes);
	if (rc < 0)
		return rc;
	if (json_object_set_new(cr, "apiVersion", json_string(DG_SPO_API_VERSION)) < 0 ||
	    json_object_set_new(cr, "kind", json_string("SeccompProfile")) < 0 ||
	    json_object_set_new(cr, "metadata", TAKE_PTR(meta)) < 0 ||
	    json_object_set_new(cr, "spec", TAKE_PTR(spec)) < 0)
		return dg_err(ENOMEM, "out of memory");
	*out = TAKE_PTR(cr);
	return 0;
}

json_t *dg_k8s_localhost_snippet(const char *localhost_profile)
{
	return json_pack("{s:{s:{s:s,s:s}}}", "securityContext", "seccompProfile", "type",
			 "Localhost", "localhostProfile", localhost_profile);
}

/* path without a .json, .yaml or .yml extension. */
static char *strip_extension(const char *path)
{
	static const char *const exts[] = {".json", ".yaml", ".yml"};
	size_t len = strlen(path);

	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t n = strlen(exts[i]);

		if (len > n && strcmp(path + len - n, exts[i]) == 0 && path[len - n - 1] != '/')
			return strndup(path, len - n);
	}
	return strdup(path);
}

static int write_spo(const struct dg_profile *p, const char *path, const char *name,
		     struct dg_problems *notes)
{
	_cleanup_(json_decrefp) json_t *cr = NULL;
	_cleanup_free_ char *base = strip_extension(path), *text = NULL, *install = NULL;
	_cleanup_free_ const char **header = NULL;
	size_t first = notes->n, n_header = 0, skip = strlen(path) + 2;
	char obj[254];
	int rc;

	if (!base)
		return dg_err(ENOMEM, "out of memory");
	if (!name)
		name = strcmp(path, "-") == 0 ? "driftguard" : basename(base);
	object_name(name, obj, sizeof(obj));
	rc = dg_profile_to_spo(p, obj, path, notes, &cr);
	if (rc < 0)
		return rc;
	if (asprintf(&install,
		     "kubectl apply -f it; SPO installs it on the nodes as %s/operator/%s.json, "
		     "which pods name with localhostProfile: operator/%s.json",
		     DG_KUBELET_SECCOMP_ROOT, obj, obj) < 0)
		return dg_err(ENOMEM, "out of memory");
	header = calloc(notes->n - first + 2, sizeof(*header));
	if (!header)
		return dg_err(ENOMEM, "out of memory");
	header[n_header++] = "Security Profiles Operator SeccompProfile, written by driftguard.";
	header[n_header++] = install;
	/* The notes say "PATH: what"; the file need not name itself. */
	for (size_t i = first; i < notes->n; i++)
		header[n_header++] = notes->v[i].msg + skip;
	text = dg_json_to_yaml(cr, header, n_header);
	if (!text)
		return -EINVAL;
	return dg_write_text_file(text, path);
}

static int write_k8s(const struct dg_profile *p, const char *path)
{
	_cleanup_free_ char *base = NULL, *json_path = NULL, *yaml_path = NULL, *rel = NULL;
	_cleanup_free_ char *copy = NULL, *profile = NULL, *snippet_text = NULL;
	_cleanup_(json_decrefp) json_t *snippet = NULL;
	const char *header[4];
	int rc;

	if (strcmp(path, "-") == 0)
		return dg_err(EINVAL, "--format k8s writes two files, the profile and the pod "
				      "snippet: give -o a file name such as web.yaml");
	base = strip_extension(path);
	if (!base || asprintf(&json_path, "%s.json", base) < 0 ||
	    asprintf(&yaml_path, "%s.yaml", base) < 0 ||
	    asprintf(&rel, DG_KUBELET_SUBDIR "/%s.json", basename(base)) < 0 ||
	    asprintf(&copy, "Copy %s to %s/%s on every node that may run the pod:", json_path,
		     DG_KUBELET_SECCOMP_ROOT, rel) < 0)
		return dg_err(ENOMEM, "out of memory");
	profile = dg_profile_to_string(p);
	snippet = dg_k8s_localhost_snippet(rel);
	if (!profile || !snippet)
		return profile ? dg_err(ENOMEM, "out of memory") : -EINVAL;
	header[0] = "Pod securityContext (or a container's) applying a seccomp profile, written "
		    "by driftguard.";
	header[1] = copy;
	header[2] = "the kubelet looks localhostProfile up under its seccomp root, "
		    "<--root-dir>/seccomp (" DG_KUBELET_SECCOMP_ROOT " by default),";
	header[3] = "and a container whose profile file is missing fails to start.";
	snippet_text = dg_json_to_yaml(snippet, header, 4);
	if (!snippet_text)
		return -EINVAL;
	rc = dg_write_text_file(profile, json_path);
	if (rc < 0)
		return rc;
	return dg_write_text_file(snippet_text, yaml_path);
}

int dg_profile_export(const struct dg_profile *p, enum dg_export_format f, const char *path,
		      const char *name, struct dg_problems *notes)
{
	_cleanup_(dg_problems_free) struct dg_problems local = {0};
	int rc;

	rc = dg_profile_validate(p);
	if (rc < 0)
		return dg_err_wrap(rc, "%s: refusing to write an invalid profile", path);
	switch (f) {
	case DG_EXPORT_OCI:
		return dg_profile_write_file(p, path);
	case DG_EXPORT_SPO:
		return write_spo(p, path, name, notes ? notes : &local);
	case DG_EXPORT_K8S:
		return write_k8s(p, path);
	}
	return dg_err(EINVAL, "unknown output format %d", (int)f);
}
