// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rules file (docs/rules.md is the schema): one YAML document, read with
 * yaml_doc.h, validated as a whole and turned into struct dg_policy. Every
 * refusal names FILE:LINE:COLUMN and the key path of the offending value.
 */
#include "enforcer/rules.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "enforcer/rules_parse.h"
#include "enforcer/yaml_doc.h"

#define RULES_FILE "a rules file" /* what a message calls the document */

/* The words of the schema and what they stand for, in the order messages list them. */
static const struct dg_yaml_name origin_names[] = {
	{"upper", DG_ORIGIN_UPPER},
	{"memfd", DG_ORIGIN_MEMFD},
	{"off-rootfs", DG_ORIGIN_OFF_ROOTFS},
	{"image", DG_ORIGIN_IMAGE},
	{NULL, 0},
};

static const struct dg_yaml_name kind_names[] = {
	{"binary", DG_KIND_BINARY},
	{"script", DG_KIND_SCRIPT},
	{"mapping", DG_KIND_MAPPING},
	{"interpreted", DG_KIND_INTERPRETED},
	{NULL, 0},
};

static const struct dg_yaml_name action_names[] = {
	{"block", DG_VERDICT_BLOCK},
	{"audit", DG_VERDICT_AUDIT},
	{"allow", DG_VERDICT_ALLOW},
	{NULL, 0},
};

static const struct dg_yaml_name mode_names[] = {
	{"enforce", DG_MODE_ENFORCE},
	{"audit", DG_MODE_AUDIT},
	{NULL, 0},
};

/* ---- parsing ------------------------------------------------------------------------------ */

/* The keys of each mapping, in the order that "allowed keys are ..." lists them. */
enum root_key { ROOT_MODE, ROOT_EXCEPTIONS, ROOT_RULES, ROOT_INTERPRETERS, N_ROOT_KEYS };
enum match_key { MATCH_ORIGIN, MATCH_KIND, MATCH_PATH, N_MATCH_KEYS };

/* An exception and a rule both start with name and containers; what follows differs. */
enum entry_key { ENTRY_NAME, ENTRY_CONTAINERS, N_ENTRY_KEYS };
enum exception_key {
	EXCEPTION_PATH = N_ENTRY_KEYS,
	EXCEPTION_ORIGIN,
	EXCEPTION_KIND,
	N_EXCEPTION_KEYS
};
enum rule_key { RULE_MATCH = N_ENTRY_KEYS, RULE_ACTION, N_RULE_KEYS };

/* Rejects "//", "/./", "/../" and a trailing "/." or "/..": the kernel never shows them. */
const char *dg_rules_path_problem(const char *s)
{
	if (s[0] != '/')
		return "does not start with '/'";
	for (const char *q = s; *q; q++) {
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			return "contains a control character";
		if (*q != '/')
			continue;
		if (q[1] == '/')
			return "contains \"//\"; the kernel reports normalized paths";
		if (q[1] == '.' &&
		    (q[2] == '/' || !q[2] || (q[2] == '.' && (q[3] == '/' || !q[3]))))
			return "contains a \".\" or \"..\" component; the kernel reports "
			       "normalized paths";
	}
	return NULL;
}

static int parse_path(const struct pctx *c, yaml_node_t *n, const char *kp,
		      struct dg_path_pattern *pat)
{
	const char *s, *star, *problem;
	size_t plen, slen;
	int rc = dg_yaml_get_string(c->y, n, kp, &s);

	if (rc < 0)
		return rc;
	problem = dg_rules_path_problem(s);
	if (problem)
		return dg_yaml_err(c->y, n, kp, "\"%s\" %s", s, problem);
	star = strchr(s, '*');
	if (star && strchr(star + 1, '*'))
		return dg_yaml_err(c->y, n, kp,
				   "\"%s\" has more than one '*'; the kernel matches one "
				   "prefix and one suffix",
				   s);
	plen = star ? (size_t)(star - s) : strlen(s);
	slen = star ? strlen(star + 1) : 0;
	if (plen > DG_PATTERN_MAX - 1 || slen > DG_PATTERN_MAX - 1)
		return dg_yaml_err(c->y, n, kp,
				   "\"%.40s...\" is too long: the part %s '*' may have at most "
				   "%d bytes",
				   s, plen > DG_PATTERN_MAX - 1 ? "before" : "after",
				   DG_PATTERN_MAX - 1);
	if (star && slen == 0)
		pat->match = DG_PATH_PREFIX; /* a trailing star: the prefix before it */
	else if (star)
		pat->match = DG_PATH_GLOB;
	else
		pat->match = s[plen - 1] == '/' ? DG_PATH_PREFIX : DG_PATH_EXACT;
	pat->text = strdup(s);
	pat->prefix = strndup(s, plen);
	pat->suffix = strdup(star ? star + 1 : "");
	if (!pat->text || !pat->prefix || !pat->suffix)
		return dg_err(ENOMEM, "out of memory");
	return 0;
}

static int parse_paths(struct pctx *c, yaml_node_t *n, const char *kp, struct dg_drift_rule *r)
{
	int rc = dg_yaml_check_list(c->y, n, kp, "path");

	if (rc < 0)
		return rc;
	r->paths = calloc(dg_yaml_list_len(n), sizeof(*r->paths));
	if (!r->paths)
		return dg_err(ENOMEM, "out of memory");
	for (size_t i = 0; i < dg_yaml_list_len(n); i++) {
		char sub[DG_YAML_KEYPATH_MAX];
		yaml_node_t *it = dg_yaml_list_item(c->y, n, i, kp, sub, sizeof(sub));

		rc = parse_path(c, it, sub, &r->paths[i]);
		r->n_paths = i + 1; /* freed by dg_policy_free() from here on */
		if (rc < 0)
			return rc;
		for (size_t k = 0; k < i; k++) {
			if (strcmp(r->paths[k].text, r->paths[i].text) == 0)
				return dg_yaml_err(c->y, it, sub, "\"%s\" is listed twice",
						   r->paths[i].text);
		}
		if (i > 0 && ++c->kernel_rules > DG_MAX_RULES)
			return dg_yaml_err(c->y, it, sub,
					   "this path makes the policy need more than %d "
					   "kernel rules (each exception, rule and extra path "
					   "takes one)",
					   DG_MAX_RULES);
	}
	return 0;
}

static bool name_ok(const char *s)
{
	size_t len = strlen(s);

	return len > 0 && len < DG_RULE_NAME_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
		       len;
}

static int parse_name(struct pctx *c, yaml_node_t *n, const char *kp, struct dg_drift_rule *r)
{
	const char *s;
	int rc = dg_yaml_get_string(c->y, n, kp, &s);

	if (rc < 0)
		return rc;
	if (!name_ok(s))
		return dg_yaml_err(c->y, n, kp,
				   "\"%s\" is not a rule name (1 to %d letters, digits, '_', "
				   "'.', '-')",
				   s, DG_RULE_NAME_MAX - 1);
	for (size_t i = 0; i < c->p->n_rules; i++) {
		const struct dg_drift_rule *o = &c->p->rules[i];

		if (o->name && strcmp(o->name, s) == 0)
			return dg_yaml_err(c->y, n, kp,
					   "\"%s\" is already the name of the %s at line %u", s,
					   o->exception ? "exception" : "rule", o->line);
	}
	r->name = strdup(s);
	return r->name ? 0 : dg_err(ENOMEM, "out of memory");
}

/* origin or kind, a word or a list of them: the bits of the table t into *mask. */
static int parse_mask(const struct pctx *c, yaml_node_t *n, const char *kp, const char *key,
		      const struct dg_yaml_name *t, unsigned int *mask)
{
	char sub[DG_YAML_KEYPATH_MAX];

	dg_yaml_subkey(sub, sizeof(sub), kp, key);
	return dg_yaml_get_mask(c->y, n, sub, key, t, mask);
}

static int parse_match(struct pctx *c, yaml_node_t *n, const char *kp, struct dg_drift_rule *r)
{
	struct dg_yaml_field f[N_MATCH_KEYS] = {
		[MATCH_ORIGIN] = {.key = "origin"},
		[MATCH_KIND] = {.key = "kind"},
		[MATCH_PATH] = {.key = "path"},
	};
	char sub[DG_YAML_KEYPATH_MAX];
	int rc = dg_yaml_get_fields(c->y, n, kp, f, N_MATCH_KEYS);

	if (rc < 0)
		return rc;
	if (!f[MATCH_ORIGIN].val)
		return dg_yaml_missing(c->y, n, kp, "origin",
				       "a list of upper, memfd, off-rootfs, image");
	rc = parse_mask(c, f[MATCH_ORIGIN].val, kp, "origin", origin_names, &r->origins);
	if (rc < 0)
		return rc;
	r->kinds = DG_KIND_ALL;
	if (f[MATCH_KIND].val) {
		rc = parse_mask(c, f[MATCH_KIND].val, kp, "kind", kind_names, &r->kinds);
		if (rc < 0)
			return rc;
	}
	if (f[MATCH_PATH].val) {
		dg_yaml_subkey(sub, sizeof(sub), kp, "path");
		return parse_paths(c, f[MATCH_PATH].val, sub, r);
	}
	return 0;
}

/* What an exception has after name and containers: a path it allows, for origins and kinds. */
static int parse_exception(struct pctx *c, yaml_node_t *n, const char *kp,
			   const struct dg_yaml_field *f, struct dg_drift_rule *r)
{
	char sub[DG_YAML_KEYPATH_MAX];
	int rc;

	r->action = DG_VERDICT_ALLOW;
	r->origins = DG_ORIGIN_ALL;
	r->kinds = DG_KIND_ALL;
	if (!f[EXCEPTION_PATH].val)
		return dg_yaml_missing(c->y, n, kp, "path",
				       "an exception allows one program or "
				       "directory, never everything");
	dg_yaml_subkey(sub, sizeof(sub), kp, "path");
	rc = parse_paths(c, f[EXCEPTION_PATH].val, sub, r);
	if (rc < 0)
		return rc;
	if (f[EXCEPTION_ORIGIN].val) {
		rc = parse_mask(c, f[EXCEPTION_ORIGIN].val, kp, "origin", origin_names,
				&r->origins);
		if (rc < 0)
			return rc;
	}
	if (f[EXCEPTION_KIND].val)
		return parse_mask(c, f[EXCEPTION_KIND].val, kp, "kind", kind_names, &r->kinds);
	return 0;
}

/* What a rule has after name and containers: what it matches, and its action. */
static int parse_rule(struct pctx *c, yaml_node_t *n, const char *kp, const struct dg_yaml_field *f,
		      struct dg_drift_rule *r)
{
	char sub[DG_YAML_KEYPATH_MAX];
	unsigned int action;
	int rc;

	if (!f[RULE_MATCH].val)
		return dg_yaml_missing(c->y, n, kp, "match",
				       "a mapping with origin, and optionally kind "
				       "and path");
	dg_yaml_subkey(sub, sizeof(sub), kp, "match");
	rc = parse_match(c, f[RULE_MATCH].val, sub, r);
	if (rc < 0)
		return rc;
	if (!f[RULE_ACTION].val)
		return dg_yaml_missing(c->y, n, kp, "action", "one of block, audit, allow");
	dg_yaml_subkey(sub, sizeof(sub), kp, "action");
	rc = dg_yaml_get_name(c->y, f[RULE_ACTION].val, sub, action_names, &action);
	if (rc < 0)
		return rc;
	r->action = (enum dg_verdict)action;
	return 0;
}

/* One entry of `exceptions:` or `rules:`, appended to c->p->rules. */
static int parse_entry(struct pctx *c, yaml_node_t *n, const char *kp, bool exception)
{
	struct dg_yaml_field exception_fields[N_EXCEPTION_KEYS] = {
		[ENTRY_NAME] = {.key = "name"},	    [ENTRY_CONTAINERS] = {.key = "containers"},
		[EXCEPTION_PATH] = {.key = "path"}, [EXCEPTION_ORIGIN] = {.key = "origin"},
		[EXCEPTION_KIND] = {.key = "kind"},
	};
	struct dg_yaml_field rule_fields[N_RULE_KEYS] = {
		[ENTRY_NAME] = {.key = "name"},
		[ENTRY_CONTAINERS] = {.key = "containers"},
		[RULE_MATCH] = {.key = "match"},
		[RULE_ACTION] = {.key = "action"},
	};
	struct dg_yaml_field *f = exception ? exception_fields : rule_fields;
	size_t n_keys = exception ? N_EXCEPTION_KEYS : N_RULE_KEYS;
	struct dg_drift_rule *r;
	char sub[DG_YAML_KEYPATH_MAX];
	int rc;

	if (c->p->n_rules >= DG_MAX_RULES)
		return dg_yaml_err(c->y, n, kp, "more than %d rules; exceptions count as rules",
				   DG_MAX_RULES);
	if (c->kernel_rules >= DG_MAX_RULES)
		return dg_yaml_err(c->y, n, kp,
				   "this entry makes the policy need more than %d kernel rules "
				   "(each exception, rule and extra path takes one)",
				   DG_MAX_RULES);
	rc = dg_yaml_get_fields(c->y, n, kp, f, n_keys);
	if (rc < 0)
		return rc;
	if (!f[ENTRY_NAME].val)
		return dg_yaml_missing(c->y, n, kp, "name",
				       "every exception and rule has a unique name");

	r = &c->p->rules[c->p->n_rules];
	memset(r, 0, sizeof(*r));
	r->exception = exception;
	r->line = (unsigned int)n->start_mark.line + 1;
	r->column = (unsigned int)n->start_mark.column + 1;
	rc = parse_name(c, f[ENTRY_NAME].val, dg_yaml_subkey(sub, sizeof(sub), kp, "name"), r);
	c->p->n_rules++; /* owned by the policy from here on, even when incomplete */
	if (rc < 0)
		return rc;
	c->kernel_rules++;

	r->containers.scope = DG_SCOPE_ALL;
	if (f[ENTRY_CONTAINERS].val) {
		dg_yaml_subkey(sub, sizeof(sub), kp, "containers");
		rc = dg_rules_parse_containers(c, f[ENTRY_CONTAINERS].val, sub, &r->containers);
		if (rc < 0)
			return rc;
	}
	return exception ? parse_exception(c, n, kp, f, r) : parse_rule(c, n, kp, f, r);
}

static int parse_entries(struct pctx *c, yaml_node_t *n, const char *key, bool exception)
{
	size_t count;
	int rc;

	if (exception && dg_yaml_is_null(n))
		return 0; /* `exceptions:` with every entry commented out */
	if (n->type != YAML_SEQUENCE_NODE)
		return dg_yaml_err(c->y, n, key, "must be a list of %s, not %s",
				   exception ? "exceptions" : "rules", dg_yaml_type_name(n));
	count = dg_yaml_list_len(n);
	if (!exception && count == 0)
		return dg_yaml_err(c->y, n, key, "empty list; a policy needs at least one rule");
	for (size_t i = 0; i < count; i++) {
		char sub[DG_YAML_KEYPATH_MAX];
		yaml_node_t *it = dg_yaml_list_item(c->y, n, i, key, sub, sizeof(sub));

		rc = parse_entry(c, it, sub, exception);
		if (rc < 0)
			return rc;
	}
	if (exception)
		c->p->n_exceptions = c->p->n_rules;
	return 0;
}

static int parse_root(struct pctx *c, yaml_node_t *root)
{
	struct dg_yaml_field f[N_ROOT_KEYS] = {
		[ROOT_MODE] = {.key = "mode"},
		[ROOT_EXCEPTIONS] = {.key = "exceptions"},
		[ROOT_RULES] = {.key = "rules"},
		[ROOT_INTERPRETERS] = {.key = "interpreters"},
	};
	unsigned int mode = DG_MODE_ENFORCE;
	int rc;

	if (root->type != YAML_MAPPING_NODE)
		return dg_yaml_err(c->y, root, "",
				   "the rules file must be a mapping with mode, exceptions, "
				   "rules and interpreters, not %s",
				   dg_yaml_type_name(root));
	rc = dg_yaml_get_fields(c->y, root, "", f, N_ROOT_KEYS);
	if (rc < 0)
		return rc;
	if (f[ROOT_MODE].val) {
		rc = dg_yaml_get_name(c->y, f[ROOT_MODE].val, "mode", mode_names, &mode);
		if (rc < 0)
			return rc;
	}
	c->p->mode = (enum dg_policy_mode)mode;
	if (f[ROOT_INTERPRETERS].val) {
		rc = dg_rules_parse_interpreters(c, f[ROOT_INTERPRETERS].val, "interpreters");
		if (rc < 0)
			return rc;
	}
	if (!f[ROOT_RULES].val)
		return dg_yaml_err(c->y, root, "rules",
				   "missing; a policy needs at least one rule");
	if (f[ROOT_EXCEPTIONS].val) {
		rc = parse_entries(c, f[ROOT_EXCEPTIONS].val, "exceptions", true);
		if (rc < 0)
			return rc;
	}
	rc = parse_entries(c, f[ROOT_RULES].val, "rules", false);
	if (rc < 0)
		return rc;
	return dg_rules_check_interpreters(c, f[ROOT_INTERPRETERS].val);
}

/* ---- loading ------------------------------------------------------------------------------ */

/* The policy of a loaded document d; *out stays NULL on error. */
static int parse_policy(const struct dg_yaml_doc *d, struct dg_policy **out)
{
	_cleanup_(dg_policy_freep) struct dg_policy *p = NULL;
	struct pctx c = {.y = d};
	int rc;

	if (!d->root)
		return dg_err(EINVAL, "%s:1:1: empty rules file; it needs at least `rules:`",
			      d->file);
	p = calloc(1, sizeof(*p));
	if (p) {
		p->source = strdup(d->file);
		p->rules = calloc(DG_MAX_RULES, sizeof(*p->rules));
	}
	if (!p || !p->source || !p->rules)
		return dg_err(ENOMEM, "out of memory");
	c.p = p;
	rc = parse_root(&c, d->root);
	if (rc < 0)
		return rc;
	*out = TAKE_PTR(p);
	return 0;
}

int dg_policy_load_string(const char *yaml, const char *name, struct dg_policy **out)
{
	_cleanup_(dg_yaml_doc_close) struct dg_yaml_doc d = {0};
	int rc;

	*out = NULL;
	rc = dg_yaml_doc_load_string(&d, yaml, name ? name : "<string>", RULES_FILE);
	return rc < 0 ? rc : parse_policy(&d, out);
}

int dg_policy_load_file(const char *path, struct dg_policy **out)
{
	_cleanup_(dg_yaml_doc_close) struct dg_yaml_doc d = {0};
	int rc;

	*out = NULL;
	rc = dg_yaml_doc_load_file(&d, path, RULES_FILE);
	return rc < 0 ? rc : parse_policy(&d, out);
}
