// SPDX-License-Identifier: GPL-2.0-only
/*
 * Parsing of an OCI `linux.seccomp` object (or a whole config.json) into a
 * struct dg_profile. Every error names the JSON path of the offending value.
 */
#include "generator/profile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "common/macros.h"

DG_DEFINE_CLEANUP(struct dg_profile *, dg_profile_free);

/* Largest errnoRet: the 16-bit data field of a seccomp return value. */
#define ERRNO_RET_MAX 0xffffu
#define PATH_MAX_LEN 256

struct pctx {
	const char *name;   /* file name, "-" or the caller's label */
	const char *prefix; /* "" or "linux.seccomp." for a config.json */
};

/* "NAME: PREFIX PATH: message"; always -EINVAL. */
static int __attribute__((format(printf, 3, 4)))
perr(const struct pctx *c, const char *path, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!path[0] && !c->prefix[0])
		return dg_err(EINVAL, "%s: %s", c->name, msg);
	if (!path[0])
		return dg_err(EINVAL, "%s: %.*s: %s", c->name, (int)strlen(c->prefix) - 1,
			      c->prefix, msg);
	return dg_err(EINVAL, "%s: %s%s: %s", c->name, c->prefix, path, msg);
}

/* snprintf() for JSON paths; a path longer than the buffer is cut. */
static void __attribute__((format(printf, 3, 4)))
pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

/* Wraps the message that a dg_*_from_name() left with the path. */
static int pwrap(const struct pctx *c, const char *path, int rc)
{
	return dg_err_wrap(rc, "%s: %s%s", c->name, c->prefix, path);
}

static const char *json_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

static const char *const docker_only_keys[] = {"includes", "excludes", "archMap"};

/*
 * Rejects a key of obj that is not in allowed[]. moby's "comment" is accepted
 * silently; its "includes"/"excludes"/"archMap" only mean something to Docker
 * (runc ignores them, so they would change what the profile allows), except
 * when empty, as old moby profiles write them on every rule.
 */
static int check_keys(const struct pctx *c, const char *path, json_t *obj,
		      const char *const *allowed, size_t n_allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		char kpath[PATH_MAX_LEN];
		bool ok = false;

		pathf(kpath, sizeof(kpath), "%s%s%s", path, path[0] ? "." : "", key);
		for (size_t i = 0; i < n_allowed && !ok; i++)
			ok = strcmp(key, allowed[i]) == 0;
		if (ok || strcmp(key, "comment") == 0)
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(docker_only_keys); i++) {
			if (strcmp(key, docker_only_keys[i]) != 0)
				continue;
			if (json_is_null(v) || (json_is_object(v) && json_object_size(v) == 0) ||
			    (json_is_array(v) && json_array_size(v) == 0))
				goto next;
			return perr(c, kpath,
				    "\"%s\" is Docker-only (moby default.json form) and runtimes "
				    "ignore it, which changes what the profile allows; driftguard "
				    "needs the OCI form: give the profile Docker actually applies "
				    "(the container's config.json linux.seccomp) instead",
				    key);
		}
		return perr(c, kpath, "unknown key \"%s\"; not part of an OCI seccomp profile",
			    key);
	next:;
	}
	return 0;
}

static int get_string(const struct pctx *c, const char *path, json_t *j, const char **out)
{
	if (!json_is_string(j))
		return perr(c, path, "must be a string, not %s", json_type_name(j));
	if (strlen(json_string_value(j)) != json_string_length(j))
		return perr(c, path, "contains a NUL character");
	*out = json_string_value(j);
	return 0;
}

static int get_u64(const struct pctx *c, const char *path, json_t *j, uint64_t *out)
{
	json_int_t v;

	if (!json_is_integer(j))
		return perr(c, path, "must be a non-negative integer, not %s", json_type_name(j));
	v = json_integer_value(j);
	if (v < 0)
		return perr(c, path, "must be a non-negative integer, not %lld", (long long)v);
	*out = (uint64_t)v;
	return 0;
}

static int get_errno_ret(const struct pctx *c, const char *path, json_t *j, uint32_t *out)
{
	uint64_t v;
	int rc;

	rc = get_u64(c, path, j, &v);
	if (rc < 0)
		return rc;
	if (v > ERRNO_RET_MAX)
		return perr(c, path, "%llu is out of range 0..%u (16-bit seccomp return data)",
			    (unsigned long long)v, ERRNO_RET_MAX);
	*out = (uint32_t)v;
	return 0;
}

/* action + errnoRet of a rule or of the default. */
static int get_action(const struct pctx *c, const char *apath, json_t *act, const char *rpath,
		      json_t *ret, struct dg_action *out)
{
	const char *s;
	int rc;

	rc = get_string(c, apath, act, &s);
	if (rc < 0)
		return rc;
	rc = dg_action_from_name(s, &out->kind);
	if (rc < 0)
		return pwrap(c, apath, rc);
	out->has_ret = false;
	out->ret = 0;
	if (!ret || json_is_null(ret))
		return 0;
	if (out->kind != DG_ACT_ERRNO && out->kind != DG_ACT_TRACE)
		return perr(c, rpath,
			    "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take a return value, not %s; "
			    "remove it",
			    s);
	rc = get_errno_ret(c, rpath, ret, &out->ret);
	if (rc < 0)
		return rc;
	out->has_ret = true;
	return 0;
}

static int parse_arg(const struct pctx *c, const char *path, json_t *j, struct dg_arg *arg)
{
	static const char *const keys[] = {"index", "value", "valueTwo", "op"};
	char kpath[PATH_MAX_LEN];
	json_t *v;
	const char *s;
	uint64_t idx;
	int rc;

	if (!json_is_object(j))
		return perr(c, path, "must be an object, not %s", json_type_name(j));
	rc = check_keys(c, path, j, keys, ARRAY_SIZE(keys));
	if (rc < 0)
		return rc;

	pathf(kpath, sizeof(kpath), "%s.index", path);
	v = json_object_get(j, "index");
	if (!v)
		return perr(c, path, "\"index\" is required");
	rc = get_u64(c, kpath, v, &idx);
	if (rc < 0)
		return rc;
	if (idx > 5)
		return perr(c, kpath, "%llu is out of range; syscalls have arguments 0..5",
			    (unsigned long long)idx);
	arg->index = (unsigned int)idx;

	pathf(kpath, sizeof(kpath), "%s.value", path);
	v = json_object_get(j, "value");
	if (!v)
		return perr(c, path, "\"value\" is required");
	rc = get_u64(c, kpath, v, &arg->value);
	if (rc < 0)
		return rc;

	pathf(kpath, sizeof(kpath), "%s.valueTwo", path);
	arg->value_two = 0;
	v = json_object_get(j, "valueTwo");
	if (v && !json_is_null(v)) {
		rc = get_u64(c, kpath, v, &arg->value_two);
		if (rc < 0)
			return rc;
	}

	pathf(kpath, sizeof(kpath), "%s.op", path);
	v = json_object_get(j, "op");
	if (!v)
		return perr(c, path, "\"op\" is required");
	rc = get_string(c, kpath, v, &s);
	if (rc < 0)
		return rc;
	rc = dg_op_from_name(s, &arg->op);
	if (rc < 0)
		return pwrap(c, kpath, rc);
	return 0;
}

static int parse_rule(const struct pctx *c, size_t i, json_t *j, struct dg_profile *p)
{
	static const char *const keys[] = {"names", "action", "errnoRet", "args"};
	char path[PATH_MAX_LEN], kpath[PATH_MAX_LEN], rpath[PATH_MAX_LEN];
	_cleanup_free_ const char **names = NULL;
	_cleanup_free_ struct dg_arg *args = NULL;
	struct dg_action act;
	size_t n_names, n_args = 0, k;
	json_t *v, *e;
	int rc;

	pathf(path, sizeof(path), "syscalls[%zu]", i);
	if (!json_is_object(j))
		return perr(c, path, "must be an object, not %s", json_type_name(j));
	rc = check_keys(c, path, j, keys, ARRAY_SIZE(keys));
	if (rc < 0)
		return rc;

	pathf(kpath, sizeof(kpath), "%s.names", path);
	v = json_object_get(j, "names");
	if (!v)
		return perr(c, path, "\"names\" is required (a list of syscall names)");
	if (!json_is_array(v))
		return perr(c, kpath, "must be an array of syscall names, not %s",
			    json_type_name(v));
	n_names = json_array_size(v);
	if (n_names == 0)
		return perr(c, kpath, "is empty; a rule needs at least one syscall name");
	names = calloc(n_names, sizeof(*names));
	if (!names)
		return dg_err(ENOMEM, "out of memory");
	json_array_foreach(v, k, e)
	{
		char npath[PATH_MAX_LEN];

		pathf(npath, sizeof(npath), "%s[%zu]", kpath, k);
		rc = get_string(c, npath, e, &names[k]);
		if (rc < 0)
			return rc;
		if (!names[k][0])
			return perr(c, npath, "empty syscall name");
		/* Valid on some architecture: a negative pseudo number, still fine. */
		if (seccomp_syscall_resolve_name(names[k]) == __NR_SCMP_ERROR)
			return perr(c, npath, "unknown syscall \"%s\" (libseccomp %u.%u.%u)",
				    names[k], SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
	}

	pathf(kpath, sizeof(kpath), "%s.action", path);
	pathf(rpath, sizeof(rpath), "%s.errnoRet", path);
	v = json_object_get(j, "action");
	if (!v)
		return perr(c, path, "\"action\" is required");
	rc = get_action(c, kpath, v, rpath, json_object_get(j, "errnoRet"), &act);
	if (rc < 0)
		return rc;
	if (act.kind == DG_ACT_NOTIFY && !p->listener_path)
		return perr(c, kpath,
			    "SCMP_ACT_NOTIFY needs \"listenerPath\", the socket of the seccomp "
			    "agent; add it or use another action");

	pathf(kpath, sizeof(kpath), "%s.args", path);
	v = json_object_get(j, "args");
	if (v && !json_is_null(v)) {
		if (!json_is_array(v))
			return perr(c, kpath, "must be an array, not %s", json_type_name(v));
		n_args = json_array_size(v);
		if (n_args > 0) {
			args = calloc(n_args, sizeof(*args));
			if (!args)
				return dg_err(ENOMEM, "out of memory");
		}
		json_array_foreach(v, k, e)
		{
			char apath[PATH_MAX_LEN];

			pathf(apath, sizeof(apath), "%s[%zu]", kpath, k);
			rc = parse_arg(c, apath, e, &args[k]);
			if (rc < 0)
				return rc;
		}
	}

	rc = dg_profile_add_rule(p, names, n_names, &act, args, n_args);
	if (rc < 0)
		return pwrap(c, path, rc);
	return 0;
}

static int parse_string_array(const struct pctx *c, const char *path, json_t *v, size_t *n)
{
	if (!json_is_array(v))
		return perr(c, path, "must be an array of strings, not %s", json_type_name(v));
	*n = json_array_size(v);
	return 0;
}

static int parse_flags(const struct pctx *c, json_t *v, struct dg_profile *p)
{
	static const char *const known[] = {
		"SECCOMP_FILTER_FLAG_TSYNC",
		"SECCOMP_FILTER_FLAG_LOG",
		"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
		"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
	};
	size_t n = 0, k;
	json_t *e;
	int rc;

	rc = parse_string_array(c, "flags", v, &n);
	if (rc < 0)
		return rc;
	p->flags = calloc(n ? n : 1, sizeof(*p->flags));
	if (!p->flags)
		return dg_err(ENOMEM, "out of memory");
	json_array_foreach(v, k, e)
	{
		char path[PATH_MAX_LEN];
		const char *s;
		bool ok = false, dup = false;

		pathf(path, sizeof(path), "flags[%zu]", k);
		rc = get_string(c, path, e, &s);
		if (rc < 0)
			return rc;
		for (size_t i = 0; i < ARRAY_SIZE(known); i++)
			ok = ok || strcmp(s, known[i]) == 0;
		if (!ok)
			return perr(c, path,
				    "unknown flag \"%s\"; use SECCOMP_FILTER_FLAG_TSYNC, "
				    "SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW or "
				    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
				    s);
		for (size_t i = 0; i < p->n_flags; i++)
			dup = dup || strcmp(p->flags[i], s) == 0;
		if (dup)
			continue;
		p->flags[p->n_flags] = strdup(s);
		if (!p->flags[p->n_flags])
			return dg_err(ENOMEM, "out of memory");
		p->n_flags++;
	}
	return 0;
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

static int parse_seccomp(const struct pctx *c, json_t *j, struct dg_profile **out)
{
	static const char *const keys[] = {"defaultAction", "defaultErrnoRet", "architectures",
					   "flags",	    "listenerPath",    "listenerMetadata",
					   "syscalls"};
	_cleanup_(dg_profile_freep) struct dg_profile *p = NULL;
	json_t *v, *e;
	size_t n = 0, k;
	int rc;

	if (!json_is_object(j))
		return perr(c, "", "must be an object (an OCI linux.seccomp profile), not %s",
			    json_type_name(j));
	rc = check_keys(c, "", j, keys, ARRAY_SIZE(keys));
	if (rc < 0)
		return rc;
	p = dg_profile_new();
	if (!p)
		return dg_err(ENOMEM, "out of memory");

	v = json_object_get(j, "defaultAction");
	if (!v)
		return perr(c, "", "\"defaultAction\" is required (e.g. \"SCMP_ACT_ERRNO\")");
	rc = get_action(c, "defaultAction", v, "defaultErrnoRet",
			json_object_get(j, "defaultErrnoRet"), &p->default_action);
	if (rc < 0)
		return rc;

	v = json_object_get(j, "architectures");
	if (v && !json_is_null(v)) {
		rc = parse_string_array(c, "architectures", v, &n);
		if (rc < 0)
			return rc;
		json_array_foreach(v, k, e)
		{
			char path[PATH_MAX_LEN];
			const char *s;
			uint32_t token;

			pathf(path, sizeof(path), "architectures[%zu]", k);
			rc = get_string(c, path, e, &s);
			if (rc < 0)
				return rc;
			rc = dg_arch_from_name(s, &token);
			if (rc < 0)
				return pwrap(c, path, rc);
			rc = dg_profile_add_arch(p, token);
			if (rc < 0)
				return rc;
		}
	}

	v = json_object_get(j, "flags");
	if (v && !json_is_null(v)) {
		rc = parse_flags(c, v, p);
		if (rc < 0)
			return rc;
	}

	/* Kept through check and merge; elsewhere "comment" is skipped, as moby does. */
	v = json_object_get(j, "comment");
	if (json_is_string(v) && (rc = dg_profile_set_comment(p, json_string_value(v))) < 0)
		return rc;

	rc = parse_optional_string(c, "listenerPath", json_object_get(j, "listenerPath"),
				   &p->listener_path);
	if (rc < 0)
		return rc;
	if (p->listener_path && !p->listener_path[0])
		return perr(c, "listenerPath", "is empty; give the seccomp agent's socket path");
	rc = parse_optional_string(c, "listenerMetadata", json_object_get(j, "listenerMetadata"),
				   &p->listener_metadata);
	if (rc < 0)
		return rc;
	if (p->default_action.kind == DG_ACT_NOTIFY)
		return perr(c, "defaultAction",
			    "SCMP_ACT_NOTIFY cannot be the default action (runc refuses it); "
			    "notify for chosen syscalls instead");

	v = json_object_get(j, "syscalls");
	if (v && !json_is_null(v)) {
		if (!json_is_array(v))
			return perr(c, "syscalls", "must be an array of rules, not %s",
				    json_type_name(v));
		json_array_foreach(v, k, e)
		{
			rc = parse_rule(c, k, e, p);
			if (rc < 0)
				return rc;
		}
	}
	*out = TAKE_PTR(p);
	return 0;
}

/* A bare profile, or a config.json whose .linux.seccomp is taken. */
static int parse_root(const char *name, json_t *root, struct dg_profile **out)
{
	struct pctx c = {.name = name, .prefix = ""};
	json_t *linux_obj, *seccomp;

	if (json_is_object(root) && !json_object_get(root, "defaultAction") &&
	    (json_object_get(root, "ociVersion") || json_object_get(root, "linux"))) {
		linux_obj = json_object_get(root, "linux");
		seccomp = linux_obj ? json_object_get(linux_obj, "seccomp") : NULL;
		if (!json_is_object(linux_obj) || !seccomp || json_is_null(seccomp))
			return perr(&c, "linux.seccomp",
				    "not present: this OCI config.json has no seccomp profile; "
				    "give a profile file or a config.json that has one");
		c.prefix = "linux.seccomp.";
		return parse_seccomp(&c, seccomp, out);
	}
	return parse_seccomp(&c, root, out);
}

static int syntax_error(const char *name, const json_error_t *e)
{
	if (e->line < 0)
		return dg_err(EINVAL, "%s: %s", name, e->text);
	return dg_err(EINVAL, "%s:%d:%d: %s", name, e->line, e->column, e->text);
}

int dg_profile_parse_string(const char *text, const char *name, struct dg_profile **out)
{
	_cleanup_(json_decrefp) json_t *root = NULL;
	json_error_t e;

	if (!name)
		name = "<string>";
	root = json_loads(text, JSON_REJECT_DUPLICATES, &e);
	if (!root)
		return syntax_error(name, &e);
	return parse_root(name, root, out);
}

int dg_profile_parse_file(const char *path, struct dg_profile **out)
{
	_cleanup_(json_decrefp) json_t *root = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	json_error_t e;

	if (strcmp(path, "-") == 0) {
		root = json_loadf(stdin, JSON_REJECT_DUPLICATES, &e);
	} else {
		f = fopen(path, "re");
		if (!f)
			return dg_err(errno, "%s: cannot open: %s", path, strerror(errno));
		root = json_loadf(f, JSON_REJECT_DUPLICATES, &e);
	}
	if (!root)
		return syntax_error(path, &e);
	return parse_root(path, root, out);
}
