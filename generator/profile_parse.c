// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading a seccomp profile into a struct dg_profile: an OCI `linux.seccomp`
 * object, a whole config.json (its .linux.seccomp), or a profile in the
 * engines' form (generator/profile_load.h). This file reads the document
 * and its top-level keys; profile_parse_rule.c the rules, profile_conditions.c
 * the engines' conditions. Every problem is recorded with the JSON path of
 * the offending value and reading goes on, so that one run reports them all.
 */
#include "generator/profile_parse_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "common/macros.h"

static int parse_flags(const struct pctx *c, json_t *v, struct dg_profile *p)
{
	static const char *const known[] = {
		"SECCOMP_FILTER_FLAG_TSYNC",
		"SECCOMP_FILTER_FLAG_LOG",
		"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
		"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
	};
	bool bad = false;
	size_t k;
	json_t *e;

	if (!json_is_array(v))
		return perr(c, "flags", "must be an array of strings, not %s", json_type_name(v));
	p->flags = calloc(json_array_size(v) + 1, sizeof(*p->flags));
	if (!p->flags)
		return dg_err(ENOMEM, "out of memory");
	json_array_foreach(v, k, e)
	{
		char path[PATH_MAX_LEN];
		const char *s;
		bool ok = false, dup = false;
		int rc;

		pathf(path, sizeof(path), "flags[%zu]", k);
		rc = get_string(c, path, e, &s);
		KEEP_GOING(bad, rc);
		if (rc < 0)
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(known); i++)
			ok = ok || strcmp(s, known[i]) == 0;
		if (!ok) {
			KEEP_GOING(bad, perr(c, path,
					     "unknown flag \"%s\"; use SECCOMP_FILTER_FLAG_TSYNC, "
					     "SECCOMP_FILTER_FLAG_LOG, "
					     "SECCOMP_FILTER_FLAG_SPEC_ALLOW or "
					     "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
					     s));
			continue;
		}
		for (size_t i = 0; i < p->n_flags; i++)
			dup = dup || strcmp(p->flags[i], s) == 0;
		if (dup)
			continue;
		p->flags[p->n_flags] = strdup(s);
		if (!p->flags[p->n_flags])
			return dg_err(ENOMEM, "out of memory");
		p->n_flags++;
	}
	return bad ? -EINVAL : 0;
}

static int parse_optional_string(const struct pctx *c, const char *path, json_t *v, char **out)
{
	const char *s;
	int rc;

	if (!v || json_is_null(v))
		return 0;
	rc = get_string(c, path, v, &s);
	if (rc < 0)
		return rc;
	*out = strdup(s);
	return *out ? 0 : dg_err(ENOMEM, "out of memory");
}

static int parse_architectures(const struct pctx *c, json_t *v, struct dg_profile *p)
{
	bool bad = false;
	json_t *e;
	size_t k;
	int rc;

	rc = get_string_array(c, "architectures", v);
	if (rc < 0)
		return rc;
	json_array_foreach(v, k, e)
	{
		char path[PATH_MAX_LEN];
		uint32_t token;

		pathf(path, sizeof(path), "architectures[%zu]", k);
		rc = dg_arch_from_name(json_string_value(e), &token);
		if (rc < 0)
			KEEP_GOING(bad, pwrap(c, path, rc));
		else if ((rc = dg_profile_add_arch(p, token)) < 0)
			return rc;
	}
	return bad ? -EINVAL : 0;
}

/* "architectures", or the engines' "archMap" (one of them). */
static int parse_arch_keys(const struct pctx *c, json_t *j, struct dg_profile *p)
{
	json_t *v = json_object_get(j, "architectures");
	json_t *map = engine_form(c) ? json_object_get(j, "archMap") : NULL;
	bool bad = false;

	if (v && !json_is_null(v))
		KEEP_GOING(bad, parse_architectures(c, v, p));
	if (!map || json_is_null(map))
		return bad ? -EINVAL : 0;
	if (json_array_size(v) > 0 && json_array_size(map) > 0)
		return perr(c, "archMap",
			    "both \"architectures\" and \"archMap\" are given, which Docker and "
			    "Podman refuse; keep one of them");
	KEEP_GOING(bad, parse_arch_map(c, map, p));
	return bad ? -EINVAL : 0;
}

static int parse_seccomp(const struct pctx *c, json_t *j, struct dg_profile **out)
{
	static const char *const oci_keys[] = {
		"defaultAction", "defaultErrnoRet",  "architectures", "flags",
		"listenerPath",	 "listenerMetadata", "syscalls"};
	static const char *const engine_keys[] = {
		"defaultAction", "defaultErrnoRet", "architectures",
		"flags",	 "listenerPath",    "listenerMetadata",
		"syscalls",	 "archMap",	    "defaultErrno"};
	_cleanup_(dg_profile_freep) struct dg_profile *p = NULL;
	bool bad = false, default_ok = false;
	json_t *v, *e;
	size_t k;
	int rc;

	if (!json_is_object(j))
		return perr(c, "", "must be an object (an OCI linux.seccomp profile), not %s",
			    json_type_name(j));
	if (engine_form(c))
		KEEP_GOING(bad, check_keys(c, "", j, engine_keys, ARRAY_SIZE(engine_keys)));
	else
		KEEP_GOING(bad, check_keys(c, "", j, oci_keys, ARRAY_SIZE(oci_keys)));
	p = dg_profile_new();
	if (!p)
		return dg_err(ENOMEM, "out of memory");

	if (!json_object_get(j, "defaultAction"))
		rc = perr(c, "", "\"defaultAction\" is required (e.g. \"SCMP_ACT_ERRNO\")");
	else
		rc = parse_default_action(c, j, &p->default_action);
	KEEP_GOING(bad, rc);
	default_ok = rc == 0;

	KEEP_GOING(bad, parse_arch_keys(c, j, p));

	v = json_object_get(j, "flags");
	if (v && !json_is_null(v))
		KEEP_GOING(bad, parse_flags(c, v, p));

	/* Kept through check and merge; elsewhere "comment" is skipped, as moby does. */
	v = json_object_get(j, "comment");
	if (json_is_string(v) && (rc = dg_profile_set_comment(p, json_string_value(v))) < 0)
		return rc;

	rc = parse_optional_string(c, "listenerPath", json_object_get(j, "listenerPath"),
				   &p->listener_path);
	if (rc == 0 && p->listener_path && !p->listener_path[0])
		rc = perr(c, "listenerPath", "is empty; give the seccomp agent's socket path");
	KEEP_GOING(bad, rc);
	KEEP_GOING(bad, parse_optional_string(c, "listenerMetadata",
					      json_object_get(j, "listenerMetadata"),
					      &p->listener_metadata));
	if (default_ok && p->default_action.kind == DG_ACT_NOTIFY)
		KEEP_GOING(bad, perr(c, "defaultAction",
				     "SCMP_ACT_NOTIFY cannot be the default action (runc refuses "
				     "it); notify for chosen syscalls instead"));

	v = json_object_get(j, "syscalls");
	if (v && !json_is_null(v) && !json_is_array(v))
		KEEP_GOING(bad, perr(c, "syscalls", "must be an array of rules, not %s",
				     json_type_name(v)));
	else if (json_is_array(v))
		json_array_foreach(v, k, e) KEEP_GOING(bad, parse_rule(c, k, e, p));
	if (bad)
		return -EINVAL;
	*out = TAKE_PTR(p);
	return 0;
}

/* A bare profile, or a config.json whose .linux.seccomp is taken. */
static int parse_root(struct pctx *c, json_t *root, struct dg_profile **out)
{
	json_t *linux_obj, *seccomp;

	if (json_is_object(root) && !json_object_get(root, "defaultAction") &&
	    (json_object_get(root, "ociVersion") || json_object_get(root, "linux"))) {
		linux_obj = json_object_get(root, "linux");
		seccomp = linux_obj ? json_object_get(linux_obj, "seccomp") : NULL;
		if (!json_is_object(linux_obj) || !seccomp || json_is_null(seccomp))
			return perr(c, "linux.seccomp",
				    "not present: this OCI config.json has no seccomp profile; "
				    "give a profile file or a config.json that has one");
		c->prefix = "linux.seccomp.";
		/* The runtime reads this one: the engines' keys mean nothing to it. */
		c->host = NULL;
		return parse_seccomp(c, seccomp, out);
	}
	return parse_seccomp(c, root, out);
}

/*
 * The result of reading one file: its first error as dg_errmsg(), with the
 * number of others, for callers that print one line.
 */
static int finish(struct dg_problems *problems, size_t first, int rc)
{
	size_t n_errors = 0, first_error = 0;

	if (rc == 0 || fatal(rc))
		return rc;
	for (size_t i = problems->n; i-- > first;) {
		if (problems->v[i].error) {
			n_errors++;
			first_error = i;
		}
	}
	if (n_errors == 0)
		return dg_err(EINVAL, "invalid profile");
	if (n_errors == 1)
		return dg_err(EINVAL, "%s", problems->v[first_error].msg);
	return dg_err(EINVAL, "%s (and %zu more problems)", problems->v[first_error].msg,
		      n_errors - 1);
}

static int read_json(json_t *root, const json_error_t *e, const char *name,
		     const struct dg_profile_host *host, struct dg_problems *problems,
		     struct dg_profile **out)
{
	struct pctx c = {.name = name,
			 .prefix = "",
			 .host = host,
			 .skip_unknown = host != NULL,
			 .problems = problems};
	size_t first = problems->n;
	int rc;

	*out = NULL;
	if (!root && e->line < 0)
		rc = perr(&c, "", "%s", e->text);
	else if (!root)
		rc = dg_problems_add(problems, true, "%s:%d:%d: %s", name, e->line, e->column,
				     e->text)
			     ?: -EINVAL;
	else
		rc = parse_root(&c, root, out);
	return finish(problems, first, rc);
}

int dg_profile_read_string(const char *text, const char *name, const struct dg_profile_host *host,
			   struct dg_problems *problems, struct dg_profile **out)
{
	_cleanup_(json_decrefp) json_t *root = NULL;
	struct dg_problems local = {0};
	json_error_t e;
	int rc;

	if (!name)
		name = "<string>";
	root = json_loads(text, JSON_REJECT_DUPLICATES, &e);
	rc = read_json(root, &e, name, host, problems ? problems : &local, out);
	dg_problems_free(&local);
	return rc;
}

int dg_profile_read_file(const char *path, const struct dg_profile_host *host,
			 struct dg_problems *problems, struct dg_profile **out)
{
	_cleanup_(json_decrefp) json_t *root = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	struct dg_problems local = {0};
	json_error_t e;
	int rc;

	*out = NULL;
	if (!problems)
		problems = &local;
	if (strcmp(path, "-") == 0) {
		root = json_loadf(stdin, JSON_REJECT_DUPLICATES, &e);
	} else {
		f = fopen(path, "re");
		if (!f) {
			rc = dg_err(errno, "%s: cannot open: %s", path, strerror(errno));
			if (dg_problems_add(problems, true, "%s", dg_errmsg()) < 0)
				rc = -ENOMEM;
			dg_problems_free(&local);
			return rc;
		}
		root = json_loadf(f, JSON_REJECT_DUPLICATES, &e);
	}
	rc = read_json(root, &e, path, host, problems, out);
	dg_problems_free(&local);
	return rc;
}

int dg_profile_parse_string(const char *text, const char *name, struct dg_profile **out)
{
	return dg_profile_read_string(text, name, NULL, NULL, out);
}

int dg_profile_parse_file(const char *path, struct dg_profile **out)
{
	return dg_profile_read_file(path, NULL, NULL, out);
}
