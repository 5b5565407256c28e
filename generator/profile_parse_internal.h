/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the units that read a profile (profile_parse.c: the OCI form;
 * profile_conditions.c: the engines' includes/excludes/archMap): the reading
 * context and the helpers that record a problem with its JSON path and go on,
 * so that one run reports every problem of a file.
 *
 * Convention of these helpers: 0 is fine; -EINVAL means a problem was
 * recorded (the value is unusable, reading goes on); any other negative
 * errno (-ENOMEM) stops the reading.
 */
#ifndef __DG_PROFILE_PARSE_INTERNAL_H
#define __DG_PROFILE_PARSE_INTERNAL_H

#include <errno.h>
#include <stdbool.h>

#include <jansson.h>

#include "generator/profile_load.h"

#define PATH_MAX_LEN 256

struct pctx {
	const char *name;   /* file name, "-" or the caller's label */
	const char *prefix; /* "" or "linux.seccomp." for a config.json */
	/* Evaluate the engines' keys for this host; NULL: they are errors. */
	const struct dg_profile_host *host;
	/* Syscall names libseccomp does not know: warnings (true) or errors. */
	bool skip_unknown;
	struct dg_problems *problems;
};

/* Records "NAME: PREFIX PATH: message" as an error; returns -EINVAL (-ENOMEM). */
int perr(const struct pctx *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same as a warning; returns 0 (-ENOMEM). */
int pwarn(const struct pctx *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Records the message a dg_*() function left (rc < 0) at path. */
int pwrap(const struct pctx *c, const char *path, int rc);

/* snprintf() for JSON paths; a path longer than the buffer is cut. */
void pathf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "an object", "a string", ... for messages. */
const char *json_type_name(const json_t *j);

/*
 * Records an unknown key of obj (not in allowed[] and not "comment"). Keys of
 * the engines' form get their own message: they are not allowed where a
 * runtime reads the profile (empty ones excepted, which old moby profiles
 * write on every rule).
 */
int check_keys(const struct pctx *c, const char *path, json_t *obj, const char *const *allowed,
	       size_t n_allowed);

int get_string(const struct pctx *c, const char *path, json_t *j, const char **out);
int get_u64(const struct pctx *c, const char *path, json_t *j, uint64_t *out);
/* A string array (null: empty); each element checked by get_string. */
int get_string_array(const struct pctx *c, const char *path, json_t *j);

/* A problem that stops the reading (anything but -EINVAL). */
static inline bool fatal(int rc)
{
	return rc < 0 && rc != -EINVAL;
}

/*
 * rc of a step that may have recorded a problem: fatal ones are returned,
 * recorded ones noted in *bad, so that reading goes on to the next value.
 */
#define KEEP_GOING(bad, expr)         \
	do {                          \
		int _rc = (expr);     \
		if (fatal(_rc))       \
			return _rc;   \
		if (_rc < 0)          \
			(bad) = true; \
	} while (0)

/* Are the engines' keys read (a bare profile read for a host)? */
static inline bool engine_form(const struct pctx *c)
{
	return c->host != NULL;
}

/* profile_parse_rule.c */

/* syscalls[i] of the profile: added to p when it applies to c->host. */
int parse_rule(const struct pctx *c, size_t i, json_t *j, struct dg_profile *p);
/* defaultAction, defaultErrnoRet and the engines' defaultErrno of the object j. */
int parse_default_action(const struct pctx *c, json_t *j, struct dg_action *out);

/* profile_conditions.c */

/*
 * A rule's "includes" (is_include) or "excludes": checks it and clears
 * *applies when it rules the rule out for c->host, as moby's setupSeccomp().
 */
int parse_rule_condition(const struct pctx *c, const char *path, json_t *filter, bool is_include,
			 bool *applies);
/* "archMap": adds the native architecture's entry to p->arches, as moby does. */
int parse_arch_map(const struct pctx *c, json_t *map, struct dg_profile *p);

#endif /* __DG_PROFILE_PARSE_INTERNAL_H */
