// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading one rule of a profile (syscalls[i]: names, action, errnoRet, args,
 * and in the engines' form includes/excludes, errno and the legacy "name")
 * and the default action, whose return value is read the same way.
 */
#include "generator/profile_parse_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/errors.h"

/* Largest errnoRet: the 16-bit data field of a seccomp return value. */
#define ERRNO_RET_MAX 0xffffu

static int check_errno_range(const struct pctx *c, const char *path, uint64_t v)
{
	if (v > ERRNO_RET_MAX)
		return perr(c, path, "%llu is out of range 0..%u (16-bit seccomp return data)",
			    (unsigned long long)v, ERRNO_RET_MAX);
	return 0;
}

static int get_errno_ret(const struct pctx *c, const char *path, json_t *j, uint32_t *out)
{
	uint64_t v;
	int rc;

	rc = get_u64(c, path, j, &v);
	if (rc == 0)
		rc = check_errno_range(c, path, v);
	if (rc == 0)
		*out = (uint32_t)v;
	return rc;
}

/* Podman's "errno"/"defaultErrno": "EPERM", "1"; "" means not given. */
static int get_errno_name(const struct pctx *c, const char *path, json_t *j, uint32_t *out,
			  bool *given)
{
	const char *s;
	int rc;

	*given = false;
	rc = get_string(c, path, j, &s);
	if (rc < 0 || !s[0])
		return rc;
	rc = dg_errno_from_string(s, out);
	if (rc < 0)
		return pwrap(c, path, rc);
	rc = check_errno_range(c, path, *out);
	*given = rc == 0;
	return rc;
}

/* The keys of an action: the default's or a rule's. */
struct action_keys {
	const char *action, *ret, *errno_name;
};

static const struct action_keys rule_keys = {"action", "errnoRet", "errno"};

static void key_path(char *buf, const char *base, const char *key)
{
	pathf(buf, PATH_MAX_LEN, "%s%s%s", base, base[0] ? "." : "", key);
}

/* A return value for an action that takes none: the runtimes refuse or drop it. */
static int check_ret_place(const struct pctx *c, const char *path, const struct dg_action *a,
			   const char *action)
{
	if (a->kind == DG_ACT_ERRNO || a->kind == DG_ACT_TRACE)
		return 0;
	return perr(c, path,
		    "only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take a return value, not %s; "
		    "remove it",
		    action);
}

/* action + errnoRet (+ Podman's errno) of obj, whose action is there. */
static int get_action(const struct pctx *c, const char *base, json_t *obj,
		      const struct action_keys *k, struct dg_action *out)
{
	char apath[PATH_MAX_LEN], rpath[PATH_MAX_LEN], epath[PATH_MAX_LEN];
	json_t *ret = json_object_get(obj, k->ret);
	json_t *err = engine_form(c) ? json_object_get(obj, k->errno_name) : NULL;
	const char *s = NULL;
	bool bad = false, action_ok, has_ret = false, has_errno = false;
	uint32_t ret_v = 0, errno_v = 0;
	int rc;

	key_path(apath, base, k->action);
	key_path(rpath, base, k->ret);
	key_path(epath, base, k->errno_name);
	*out = (struct dg_action){0};
	rc = get_string(c, apath, json_object_get(obj, k->action), &s);
	if (rc == 0 && (rc = dg_action_from_name(s, &out->kind)) < 0)
		rc = pwrap(c, apath, rc);
	KEEP_GOING(bad, rc);
	action_ok = rc == 0;

	/* A misplaced value is the one problem worth saying: its number does not matter. */
	if (ret && !json_is_null(ret)) {
		rc = action_ok ? check_ret_place(c, rpath, out, s) : 0;
		if (rc == 0)
			rc = get_errno_ret(c, rpath, ret, &ret_v);
		KEEP_GOING(bad, rc);
		has_ret = rc == 0;
	}
	if (err && !json_is_null(err)) {
		rc = get_errno_name(c, epath, err, &errno_v, &has_errno);
		if (rc == 0 && has_errno && action_ok && !(ret && !json_is_null(ret)))
			rc = check_ret_place(c, epath, out, s);
		KEEP_GOING(bad, rc);
		has_errno = has_errno && rc == 0;
	}
	if (has_errno && has_ret && errno_v != ret_v)
		KEEP_GOING(bad, perr(c, epath,
				     "\"%s\" %s (%u) and \"%s\" %u disagree: Podman applies %s, "
				     "Docker and runc %s; keep one of them",
				     k->errno_name, json_string_value(err), errno_v, k->ret, ret_v,
				     k->errno_name, k->ret));
	if (bad)
		return -EINVAL;
	out->has_ret = has_ret || has_errno;
	out->ret = has_errno ? errno_v : ret_v;
	return 0;
}

static int parse_arg(const struct pctx *c, const char *path, json_t *j, struct dg_arg *arg)
{
	static const char *const keys[] = {"index", "value", "valueTwo", "op"};
	char kpath[PATH_MAX_LEN];
	bool bad = false;
	json_t *v;
	const char *s;
	uint64_t idx;
	int rc;

	if (!json_is_object(j))
		return perr(c, path, "must be an object, not %s", json_type_name(j));
	KEEP_GOING(bad, check_keys(c, path, j, keys, 4));

	pathf(kpath, sizeof(kpath), "%s.index", path);
	v = json_object_get(j, "index");
	if (!v)
		rc = perr(c, path, "\"index\" is required");
	else if ((rc = get_u64(c, kpath, v, &idx)) == 0 && idx > 5)
		rc = perr(c, kpath, "%llu is out of range; syscalls have arguments 0..5",
			  (unsigned long long)idx);
	KEEP_GOING(bad, rc);
	arg->index = rc == 0 ? (unsigned int)idx : 0;

	pathf(kpath, sizeof(kpath), "%s.value", path);
	v = json_object_get(j, "value");
	if (!v)
		KEEP_GOING(bad, perr(c, path, "\"value\" is required"));
	else
		KEEP_GOING(bad, get_u64(c, kpath, v, &arg->value));

	pathf(kpath, sizeof(kpath), "%s.valueTwo", path);
	arg->value_two = 0;
	v = json_object_get(j, "valueTwo");
	if (v && !json_is_null(v))
		KEEP_GOING(bad, get_u64(c, kpath, v, &arg->value_two));

	pathf(kpath, sizeof(kpath), "%s.op", path);
	v = json_object_get(j, "op");
	if (!v)
		rc = perr(c, path, "\"op\" is required");
	else if ((rc = get_string(c, kpath, v, &s)) == 0 && (rc = dg_op_from_name(s, &arg->op)) < 0)
		rc = pwrap(c, kpath, rc);
	KEEP_GOING(bad, rc);
	return bad ? -EINVAL : 0;
}

/* A syscall name; a name libseccomp does not know is left out (*known false). */
static int check_name(const struct pctx *c, const char *path, json_t *e, bool applies,
		      const char **name, bool *known)
{
	int rc;

	*known = false;
	rc = get_string(c, path, e, name);
	if (rc < 0)
		return rc;
	if (!(*name)[0])
		return perr(c, path, "empty syscall name");
	/* Valid on some architecture: a negative pseudo number, still fine. */
	if (seccomp_syscall_resolve_name(*name) != __NR_SCMP_ERROR) {
		*known = true;
		return 0;
	}
	if (!c->skip_unknown)
		return perr(c, path, "unknown syscall \"%s\" (libseccomp %u.%u.%u)", *name,
			    SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
	if (!applies)
		return 0;
	return pwarn(c, path,
		     "unknown syscall \"%s\" ignored: libseccomp %u.%u.%u does not know it, and "
		     "runc and crun leave it out too",
		     *name, SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO);
}

/* The rule's "names" (or the engines' legacy "name"): the known ones in names[]. */
static int parse_names(const struct pctx *c, const char *path, json_t *j, bool applies,
		       const char **names, size_t *n_names)
{
	char kpath[PATH_MAX_LEN], npath[PATH_MAX_LEN];
	json_t *v = json_object_get(j, "names"), *one, *e;
	bool bad = false, known;
	size_t k;

	*n_names = 0;
	one = engine_form(c) ? json_object_get(j, "name") : NULL;
	if (one && json_is_string(one) && !json_string_value(one)[0])
		one = NULL; /* Go's "omitempty": "" is no name */
	if (one && !json_is_null(one)) {
		pathf(kpath, sizeof(kpath), "%s.name", path);
		if (v && !json_is_null(v) && json_array_size(v) > 0)
			return perr(c, kpath,
				    "both \"name\" and \"names\" are given, which Docker and "
				    "Podman refuse; list every syscall in \"names\"");
		KEEP_GOING(bad, check_name(c, kpath, one, applies, &names[0], &known));
		*n_names = known;
		return bad ? -EINVAL : 0;
	}
	pathf(kpath, sizeof(kpath), "%s.names", path);
	if (!v)
		return perr(c, path, "\"names\" is required (a list of syscall names)");
	if (!json_is_array(v))
		return perr(c, kpath, "must be an array of syscall names, not %s",
			    json_type_name(v));
	if (json_array_size(v) == 0)
		return perr(c, kpath, "is empty; a rule needs at least one syscall name");
	json_array_foreach(v, k, e)
	{
		pathf(npath, sizeof(npath), "%s[%zu]", kpath, k);
		KEEP_GOING(bad, check_name(c, npath, e, applies, &names[*n_names], &known));
		*n_names += known;
	}
	return bad ? -EINVAL : 0;
}

static int parse_args(const struct pctx *c, const char *path, json_t *v, struct dg_arg **args,
		      size_t *n_args)
{
	bool bad = false;
	json_t *e;
	size_t k;

	*n_args = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v))
		return perr(c, path, "must be an array, not %s", json_type_name(v));
	if (json_array_size(v) == 0)
		return 0;
	*args = calloc(json_array_size(v), sizeof(**args));
	if (!*args)
		return dg_err(ENOMEM, "out of memory");
	*n_args = json_array_size(v);
	json_array_foreach(v, k, e)
	{
		char apath[PATH_MAX_LEN];

		pathf(apath, sizeof(apath), "%s[%zu]", path, k);
		KEEP_GOING(bad, parse_arg(c, apath, e, &(*args)[k]));
	}
	return bad ? -EINVAL : 0;
}

int parse_rule(const struct pctx *c, size_t i, json_t *j, struct dg_profile *p)
{
	static const char *const oci_keys[] = {"names", "action", "errnoRet", "args"};
	static const char *const engine_keys[] = {"names", "action",   "errnoRet", "args",
						  "name",  "includes", "excludes", "errno"};
	char path[PATH_MAX_LEN], kpath[PATH_MAX_LEN];
	_cleanup_free_ const char **names = NULL;
	_cleanup_free_ struct dg_arg *args = NULL;
	struct dg_action act = {0};
	size_t n_names = 0, n_args = 0;
	bool bad = false, applies = true;
	int rc;

	pathf(path, sizeof(path), "syscalls[%zu]", i);
	if (!json_is_object(j))
		return perr(c, path, "must be an object, not %s", json_type_name(j));
	if (engine_form(c))
		KEEP_GOING(bad, check_keys(c, path, j, engine_keys, 8));
	else
		KEEP_GOING(bad, check_keys(c, path, j, oci_keys, 4));
	if (engine_form(c)) {
		pathf(kpath, sizeof(kpath), "%s.includes", path);
		KEEP_GOING(bad, parse_rule_condition(c, kpath, json_object_get(j, "includes"), true,
						     &applies));
		pathf(kpath, sizeof(kpath), "%s.excludes", path);
		KEEP_GOING(bad, parse_rule_condition(c, kpath, json_object_get(j, "excludes"),
						     false, &applies));
	}

	names = calloc(json_array_size(json_object_get(j, "names")) + 1, sizeof(*names));
	if (!names)
		return dg_err(ENOMEM, "out of memory");
	KEEP_GOING(bad, parse_names(c, path, j, applies, names, &n_names));

	pathf(kpath, sizeof(kpath), "%s.action", path);
	if (!json_object_get(j, "action"))
		rc = perr(c, path, "\"action\" is required");
	else if ((rc = get_action(c, path, j, &rule_keys, &act)) == 0 &&
		 act.kind == DG_ACT_NOTIFY && !p->listener_path)
		rc = perr(c, kpath,
			  "SCMP_ACT_NOTIFY needs \"listenerPath\", the socket of the seccomp "
			  "agent; add it or use another action");
	KEEP_GOING(bad, rc);

	pathf(kpath, sizeof(kpath), "%s.args", path);
	KEEP_GOING(bad, parse_args(c, kpath, json_object_get(j, "args"), &args, &n_args));

	if (bad)
		return -EINVAL;
	/* Left out by a condition, or every name unknown here: as the engines and runtimes. */
	if (!applies || n_names == 0)
		return 0;
	rc = dg_profile_add_rule(p, names, n_names, &act, args, n_args);
	return rc < 0 ? pwrap(c, path, rc) : 0;
}

int parse_default_action(const struct pctx *c, json_t *j, struct dg_action *out)
{
	static const struct action_keys default_keys = {"defaultAction", "defaultErrnoRet",
							"defaultErrno"};

	return get_action(c, "", j, &default_keys, out);
}
