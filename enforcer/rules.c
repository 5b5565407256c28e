// SPDX-License-Identifier: GPL-2.0-only
/*
 * Drift rules: YAML (libyaml document API) -> struct dg_policy -> the
 * struct dg_rule_bpf array of bpf/enforce.h. docs/rules.md is the schema;
 * dg_policy_decide() is the reference that the kernel side mirrors.
 */
#include "enforcer/rules.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common/cleanup.h"
#include "common/errors.h"

#define KEYPATH_MAX 160
#define ID_PREFIX_MIN 12 /* shortest id that also matches as a prefix (docker short id) */
#define SELECTOR_TEXT_MAX 256

struct name_bit {
	const char *name;
	unsigned int bit;
};

static const struct name_bit origin_names[] = {
	{"upper", DG_ORIGIN_UPPER},
	{"memfd", DG_ORIGIN_MEMFD},
	{"off-rootfs", DG_ORIGIN_OFF_ROOTFS},
	{"image", DG_ORIGIN_IMAGE},
	{NULL, 0},
};

static const struct name_bit kind_names[] = {
	{"binary", DG_KIND_BINARY},
	{"script", DG_KIND_SCRIPT},
	{"mapping", DG_KIND_MAPPING},
	{NULL, 0},
};

static const struct name_bit action_names[] = {
	{"block", DG_VERDICT_BLOCK},
	{"audit", DG_VERDICT_AUDIT},
	{"allow", DG_VERDICT_ALLOW},
	{NULL, 0},
};

static const struct name_bit mode_names[] = {
	{"enforce", DG_MODE_ENFORCE},
	{"audit", DG_MODE_AUDIT},
	{NULL, 0},
};

static const struct name_bit scope_names[] = {
	{"all", DG_SCOPE_ALL},
	{"host", DG_SCOPE_HOST},
	{"any", DG_SCOPE_ANY},
	{NULL, 0},
};

const char *dg_policy_action_name(enum dg_verdict a)
{
	switch (a) {
	case DG_VERDICT_NONE:
		return "none";
	case DG_VERDICT_ALLOW:
		return "allow";
	case DG_VERDICT_AUDIT:
		return "audit";
	case DG_VERDICT_BLOCK:
		return "block";
	}
	return "?";
}

/* ---- the model ---------------------------------------------------------------------------- */

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void rule_free(struct dg_drift_rule *r)
{
	free(r->name);
	free_strv(r->containers.ids, r->containers.n_ids);
	free_strv(r->containers.names, r->containers.n_names);
	free_strv(r->containers.cgroups, r->containers.n_cgroups);
	for (size_t i = 0; i < r->n_paths; i++) {
		free(r->paths[i].text);
		free(r->paths[i].prefix);
		free(r->paths[i].suffix);
	}
	free(r->paths);
}

void dg_policy_free(struct dg_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++)
		rule_free(&p->rules[i]);
	free(p->rules);
	free(p->source);
	free(p);
}

DG_DEFINE_CLEANUP(struct dg_policy *, dg_policy_free)

/* ---- matching (shared by the evaluator and resolvers) ------------------------------------- */

bool dg_path_matches(const struct dg_path_pattern *pat, const char *path)
{
	size_t len, plen = strlen(pat->prefix), slen = strlen(pat->suffix);

	if (!path)
		return false; /* unknown path: a path condition never matches */
	len = strlen(path);
	switch (pat->match) {
	case DG_PATH_ANY:
		return true;
	case DG_PATH_EXACT:
		return strcmp(path, pat->prefix) == 0;
	case DG_PATH_PREFIX:
		return strncmp(path, pat->prefix, plen) == 0;
	case DG_PATH_GLOB:
		return len >= plen + slen && strncmp(path, pat->prefix, plen) == 0 &&
		       memcmp(path + len - slen, pat->suffix, slen) == 0;
	}
	return false;
}

/*
 * '*' matches any characters; with components, '*' stops at '/' and '**'
 * crosses it. Nothing else is special. Dynamic programming over the string
 * (m[j]: the pattern so far matches s[0..j)), so no pattern can make it slow.
 */
static bool glob_match(const char *pat, const char *s, bool components)
{
	size_t len = strlen(s);
	_cleanup_free_ bool *m = calloc(len + 1, sizeof(*m));

	if (!m)
		return false;
	m[0] = true;
	while (*pat) {
		if (*pat == '*') {
			bool cross = !components || pat[1] == '*';

			pat += pat[1] == '*' ? 2 : 1;
			for (size_t j = 1; j <= len; j++)
				m[j] = m[j] || (m[j - 1] && (cross || s[j - 1] != '/'));
			continue;
		}
		for (size_t j = len; j > 0; j--)
			m[j] = m[j - 1] && s[j - 1] == *pat;
		m[0] = false;
		pat++;
	}
	return m[len];
}

/* Whether the cgroup path, or one of its ancestors ("/" included), matches pat. */
static bool cgroup_matches(const char *pat, const char *cgroup)
{
	char buf[4096];
	size_t len = strlen(cgroup);

	if (len >= sizeof(buf) || cgroup[0] != '/')
		return false;
	memcpy(buf, cgroup, len + 1);
	for (;;) {
		if (glob_match(pat, buf, true))
			return true;
		if (len <= 1)
			return false;
		while (len > 1 && buf[len - 1] != '/')
			len--;
		if (len > 1)
			len--; /* "/a/b" -> "/a"; "/a" -> "/" */
		buf[len] = '\0';
	}
}

static bool id_matches(const char *sel, const char *id)
{
	size_t n = strlen(sel);

	if (strcmp(sel, id) == 0)
		return true;
	return n >= ID_PREFIX_MIN && strncmp(sel, id, n) == 0;
}

bool dg_selector_matches(const struct dg_container_selector *sel, bool in_container,
			 const char *container_id, const char *container_name, const char *cgroup)
{
	switch (sel->scope) {
	case DG_SCOPE_ALL:
		return in_container;
	case DG_SCOPE_HOST:
		return !in_container;
	case DG_SCOPE_ANY:
		return true;
	case DG_SCOPE_CGROUPS:
		break;
	}
	for (size_t i = 0; in_container && container_id && i < sel->n_ids; i++) {
		if (id_matches(sel->ids[i], container_id))
			return true;
	}
	for (size_t i = 0; in_container && container_name && i < sel->n_names; i++) {
		if (glob_match(sel->names[i], container_name, false))
			return true;
	}
	for (size_t i = 0; cgroup && i < sel->n_cgroups; i++) {
		if (cgroup_matches(sel->cgroups[i], cgroup))
			return true;
	}
	return false;
}

static enum dg_verdict effective(enum dg_verdict a, bool audit_only)
{
	return audit_only && a == DG_VERDICT_BLOCK ? DG_VERDICT_AUDIT : a;
}

enum dg_verdict dg_policy_decide(const struct dg_policy *p, const struct dg_exec_facts *f,
				int *rule_index)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct dg_drift_rule *r = &p->rules[i];
		bool path_ok = r->n_paths == 0;

		if (!(r->origins & f->origin) || !(r->kinds & f->kind))
			continue;
		if (!dg_selector_matches(&r->containers, f->in_container, f->container_id,
					 f->container_name, f->cgroup))
			continue;
		for (size_t k = 0; k < r->n_paths && !path_ok; k++)
			path_ok = dg_path_matches(&r->paths[k], f->path);
		if (!path_ok)
			continue;
		if (rule_index)
			*rule_index = (int)i;
		return effective(r->action, p->mode == DG_MODE_AUDIT);
	}
	if (rule_index)
		*rule_index = -1;
	return DG_VERDICT_NONE;
}

/* ---- the kernel form ---------------------------------------------------------------------- */

static bool bpf_scope_matches(const struct dg_rule_bpf *r, bool in_container,
			      const unsigned long long *ancestors, size_t n_ancestors)
{
	switch (r->scope) {
	case DG_SCOPE_ALL:
		return in_container;
	case DG_SCOPE_HOST:
		return !in_container;
	case DG_SCOPE_ANY:
		return true;
	case DG_SCOPE_CGROUPS:
		for (size_t i = 0; i < r->n_cgroups && i < DG_RULE_MAX_CGROUPS; i++) {
			for (size_t k = 0; k < n_ancestors; k++) {
				if (ancestors[k] == r->cgroup_ids[i])
					return true;
			}
		}
		return false;
	}
	return false;
}

static bool bpf_path_matches(const struct dg_rule_bpf *r, const char *path)
{
	size_t len;

	if (r->path_match == DG_PATH_ANY)
		return true;
	if (!path)
		return false;
	len = strlen(path);
	switch (r->path_match) {
	case DG_PATH_EXACT:
		return len == r->prefix_len && memcmp(path, r->prefix, len) == 0;
	case DG_PATH_PREFIX:
		return len >= r->prefix_len && memcmp(path, r->prefix, r->prefix_len) == 0;
	case DG_PATH_GLOB:
		return len >= (size_t)r->prefix_len + r->suffix_len &&
		       memcmp(path, r->prefix, r->prefix_len) == 0 &&
		       memcmp(path + len - r->suffix_len, r->suffix, r->suffix_len) == 0;
	}
	return false;
}

enum dg_verdict dg_policy_bpf_decide(const struct dg_policy_hdr *hdr,
				    const struct dg_rule_bpf *rules, unsigned int origin,
				    unsigned int kind, const char *path, bool in_container,
				    const unsigned long long *ancestors, size_t n_ancestors,
				    int *rule_index)
{
	for (unsigned int i = 0; i < hdr->n_rules && i < DG_MAX_RULES; i++) {
		const struct dg_rule_bpf *r = &rules[i];

		if (!(r->origins & origin) || !(r->kinds & kind))
			continue;
		if (!bpf_scope_matches(r, in_container, ancestors, n_ancestors))
			continue;
		if (!bpf_path_matches(r, path))
			continue;
		if (rule_index)
			*rule_index = (int)i;
		return effective(r->action, hdr->audit_only);
	}
	if (rule_index)
		*rule_index = -1;
	return DG_VERDICT_NONE;
}

/* Resolves a selector into ids (sorted out of duplicates); *n is the count. */
static int resolve_cgroups(const struct dg_drift_rule *rule, const struct dg_container_resolver *r,
			   unsigned long long *ids, size_t max, size_t *n)
{
	size_t found = 0, kept = 0;
	int rc;

	if (!r || !r->resolve)
		return dg_err(EINVAL,
			      "rule \"%s\" selects containers by id, name or cgroup, "
			      "but no container resolver was given",
			      rule->name);
	rc = r->resolve(r->ctx, &rule->containers, ids, max, &found);
	if (rc < 0)
		return dg_err_wrap(rc, "rule \"%s\": resolving its containers", rule->name);
	if (found > max)
		return dg_err(E2BIG, "rule \"%s\": its containers are %zu cgroups, more than %zu",
			      rule->name, found, max);
	for (size_t i = 0; i < found; i++) {
		bool dup = false;

		for (size_t k = 0; k < kept && !dup; k++)
			dup = ids[k] == ids[i];
		if (!dup)
			ids[kept++] = ids[i];
	}
	*n = kept;
	return 0;
}

static void fill_path(struct dg_rule_bpf *b, const struct dg_path_pattern *pat)
{
	if (!pat) {
		b->path_match = DG_PATH_ANY;
		return;
	}
	b->path_match = pat->match;
	b->prefix_len = (unsigned char)strlen(pat->prefix);
	b->suffix_len = (unsigned char)strlen(pat->suffix);
	memcpy(b->prefix, pat->prefix, b->prefix_len);
	memcpy(b->suffix, pat->suffix, b->suffix_len);
}

int dg_policy_compile_map(const struct dg_policy *p, const struct dg_container_resolver *r,
			  struct dg_policy_hdr *hdr, struct dg_rule_bpf *rules, unsigned int *src)
{
	_cleanup_free_ struct dg_rule_bpf *out = calloc(DG_MAX_RULES, sizeof(*out));
	unsigned long long ids[DG_MAX_RULES * DG_RULE_MAX_CGROUPS];
	unsigned int from[DG_MAX_RULES];
	size_t n = 0;
	int rc;

	if (!out)
		return dg_err(ENOMEM, "out of memory");
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct dg_drift_rule *rule = &p->rules[i];
		size_t n_ids = 0, n_chunks = 1, n_paths = rule->n_paths ? rule->n_paths : 1;

		if (rule->containers.scope == DG_SCOPE_CGROUPS) {
			rc = resolve_cgroups(rule, r, ids, sizeof(ids) / sizeof(ids[0]), &n_ids);
			if (rc < 0)
				return rc;
			if (n_ids > DG_RULE_MAX_CGROUPS)
				n_chunks = (n_ids + DG_RULE_MAX_CGROUPS - 1) / DG_RULE_MAX_CGROUPS;
		}
		for (size_t k = 0; k < n_paths; k++) {
			for (size_t c = 0; c < n_chunks; c++) {
				struct dg_rule_bpf *b = &out[n];
				size_t first = c * DG_RULE_MAX_CGROUPS;

				if (n == DG_MAX_RULES)
					return dg_err(
						E2BIG,
						"%s: rule \"%s\" needs more than the %d kernel "
						"rules there are (each path and each group of "
						"%d cgroups takes one)",
						p->source, rule->name, DG_MAX_RULES,
						DG_RULE_MAX_CGROUPS);
				b->action = (unsigned char)rule->action;
				b->scope = (unsigned char)rule->containers.scope;
				b->origins = (unsigned char)rule->origins;
				b->kinds = (unsigned char)rule->kinds;
				fill_path(b, rule->n_paths ? &rule->paths[k] : NULL);
				if (rule->containers.scope == DG_SCOPE_CGROUPS) {
					size_t cnt = n_ids - first;

					if (cnt > DG_RULE_MAX_CGROUPS)
						cnt = DG_RULE_MAX_CGROUPS;
					memcpy(b->cgroup_ids, ids + first, cnt * sizeof(ids[0]));
					b->n_cgroups = (unsigned char)cnt;
				}
				from[n++] = (unsigned int)i;
			}
		}
	}
	memset(hdr, 0, sizeof(*hdr));
	hdr->n_rules = (unsigned int)n;
	hdr->audit_only = p->mode == DG_MODE_AUDIT;
	memcpy(rules, out, DG_MAX_RULES * sizeof(*out));
	if (src)
		memcpy(src, from, n * sizeof(from[0]));
	return 0;
}

int dg_policy_compile(const struct dg_policy *p, const struct dg_container_resolver *r,
		      struct dg_policy_hdr *hdr, struct dg_rule_bpf *rules)
{
	return dg_policy_compile_map(p, r, hdr, rules, NULL);
}

/* ---- parsing ------------------------------------------------------------------------------ */

struct pctx {
	const char *file;
	yaml_document_t *doc;
	struct dg_policy *p;
	size_t kernel_rules; /* what the paths need, before cgroups are known */
};

/* One key of a mapping: filled by get_fields(). */
struct field {
	const char *key;
	yaml_node_t *key_node;
	yaml_node_t *val;
};

/*
 * Key paths for messages: "kp.key" and "kp[i]". A path too long for buf is
 * cut, which only shortens a message (the return value is checked).
 */
static char *subkey(char *buf, size_t len, const char *kp, const char *key)
{
	if (snprintf(buf, len, "%s%s%s", kp, kp[0] ? "." : "", key) >= (int)len)
		buf[len - 1] = '\0';
	return buf;
}

static char *subidx(char *buf, size_t len, const char *kp, size_t i)
{
	if (snprintf(buf, len, "%s[%zu]", kp, i) >= (int)len)
		buf[len - 1] = '\0';
	return buf;
}

static int perr(const struct pctx *c, const yaml_node_t *n, const char *kp, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int perr(const struct pctx *c, const yaml_node_t *n, const char *kp, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return dg_err(EINVAL, "%s:%zu:%zu: %s%s%s", c->file, n->start_mark.line + 1,
		      n->start_mark.column + 1, kp, kp[0] ? ": " : "", msg);
}

static yaml_node_t *node_at(const struct pctx *c, int index)
{
	return yaml_document_get_node(c->doc, index);
}

static bool is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return !v[0] || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

static const char *type_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return is_null(n) ? "empty" : "a string";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

static void join_names(const struct name_bit *t, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; t[i].name && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", t[i].name);
}

static int get_string(const struct pctx *c, const yaml_node_t *n, const char *kp, const char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return perr(c, n, kp, "must be a string, not %s", type_name(n));
	if (is_null(n))
		return perr(c, n, kp, "has no value");
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
		return perr(c, n, kp, "contains a NUL character");
	*out = (const char *)n->data.scalar.value;
	return 0;
}

static int get_name(const struct pctx *c, const yaml_node_t *n, const char *kp,
		    const struct name_bit *t, unsigned int *bit)
{
	char allowed[256];
	const char *s;
	int rc = get_string(c, n, kp, &s);

	if (rc < 0)
		return rc;
	for (size_t i = 0; t[i].name; i++) {
		if (strcmp(s, t[i].name) == 0) {
			*bit = t[i].bit;
			return 0;
		}
	}
	join_names(t, allowed, sizeof(allowed));
	return perr(c, n, kp, "\"%s\" is not one of %s", s, allowed);
}

/*
 * Checks that n is a mapping whose keys are among fields[], each at most
 * once, and fills in the values found.
 */
static int get_fields(const struct pctx *c, yaml_node_t *n, const char *kp, struct field *fields,
		      size_t n_fields)
{
	if (n->type != YAML_MAPPING_NODE)
		return perr(c, n, kp, "must be a mapping, not %s", type_name(n));
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node_at(c, pr->key), *v = node_at(c, pr->value);
		char sub[KEYPATH_MAX], allowed[256] = "";
		struct field *f = NULL;
		const char *key;

		if (k->type != YAML_SCALAR_NODE)
			return perr(c, k, kp, "a key must be a string, not %s", type_name(k));
		key = (const char *)k->data.scalar.value;
		subkey(sub, sizeof(sub), kp, key);
		for (size_t i = 0; i < n_fields; i++) {
			if (strcmp(key, fields[i].key) == 0)
				f = &fields[i];
			snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed),
				 "%s%s", i ? ", " : "", fields[i].key);
		}
		if (!f)
			return perr(c, k, sub, "unknown key; allowed keys are %s", allowed);
		if (f->val)
			return perr(c, k, sub, "duplicate key (first at line %zu)",
				    f->key_node->start_mark.line + 1);
		f->key_node = k;
		f->val = v;
	}
	return 0;
}

/* A string or a list of strings: how many, and the i-th node and key path. */
static size_t list_len(const yaml_node_t *n)
{
	if (n->type == YAML_SEQUENCE_NODE)
		return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	return 1;
}

static yaml_node_t *list_item(const struct pctx *c, yaml_node_t *n, size_t i, const char *kp,
			      char *sub, size_t len)
{
	if (n->type != YAML_SEQUENCE_NODE) {
		subkey(sub, len, "", kp);
		return n;
	}
	subidx(sub, len, kp, i);
	return node_at(c, n->data.sequence.items.start[i]);
}

static int check_list(const struct pctx *c, yaml_node_t *n, const char *kp, const char *what)
{
	if (n->type == YAML_MAPPING_NODE || is_null(n))
		return perr(c, n, kp, "must be a %s or a list of them, not %s", what, type_name(n));
	if (list_len(n) == 0)
		return perr(c, n, kp, "empty list; give at least one %s", what);
	return 0;
}

static int get_mask(const struct pctx *c, yaml_node_t *n, const char *kp, const char *what,
		    const struct name_bit *t, unsigned int *mask)
{
	char allowed[256], noun[300];
	int rc;

	join_names(t, allowed, sizeof(allowed));
	snprintf(noun, sizeof(noun), "%s (%s)", what, allowed);
	rc = check_list(c, n, kp, noun);
	if (rc < 0)
		return rc;
	*mask = 0;
	for (size_t i = 0; i < list_len(n); i++) {
		char sub[KEYPATH_MAX];
		yaml_node_t *it = list_item(c, n, i, kp, sub, sizeof(sub));
		unsigned int bit;

		rc = get_name(c, it, sub, t, &bit);
		if (rc < 0)
			return rc;
		*mask |= bit;
	}
	return 0;
}

static int strv_add(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return dg_err(ENOMEM, "out of memory");
	*v = nv;
	nv[*n] = strdup(s);
	if (!nv[*n])
		return dg_err(ENOMEM, "out of memory");
	(*n)++;
	return 0;
}

/* Rejects "//", "/./", "/../" and a trailing "/." or "/..": the kernel never shows them. */
static const char *path_problem(const char *s)
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
	int rc = get_string(c, n, kp, &s);

	if (rc < 0)
		return rc;
	problem = path_problem(s);
	if (problem)
		return perr(c, n, kp, "\"%s\" %s", s, problem);
	star = strchr(s, '*');
	if (star && strchr(star + 1, '*'))
		return perr(c, n, kp,
			    "\"%s\" has more than one '*'; the kernel matches one "
			    "prefix and one suffix",
			    s);
	plen = star ? (size_t)(star - s) : strlen(s);
	slen = star ? strlen(star + 1) : 0;
	if (plen > DG_PATTERN_MAX - 1 || slen > DG_PATTERN_MAX - 1)
		return perr(c, n, kp,
			    "\"%.40s...\" is too long: the part %s '*' may have at most "
			    "%d bytes",
			    s, plen > DG_PATTERN_MAX - 1 ? "before" : "after", DG_PATTERN_MAX - 1);
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
	int rc = check_list(c, n, kp, "path");

	if (rc < 0)
		return rc;
	r->paths = calloc(list_len(n), sizeof(*r->paths));
	if (!r->paths)
		return dg_err(ENOMEM, "out of memory");
	for (size_t i = 0; i < list_len(n); i++) {
		char sub[KEYPATH_MAX];
		yaml_node_t *it = list_item(c, n, i, kp, sub, sizeof(sub));

		rc = parse_path(c, it, sub, &r->paths[i]);
		r->n_paths = i + 1; /* freed by dg_policy_free() from here on */
		if (rc < 0)
			return rc;
		for (size_t k = 0; k < i; k++) {
			if (strcmp(r->paths[k].text, r->paths[i].text) == 0)
				return perr(c, it, sub, "\"%s\" is listed twice", r->paths[i].text);
		}
		if (i > 0 && ++c->kernel_rules > DG_MAX_RULES)
			return perr(c, it, sub,
				    "this path makes the policy need more than %d "
				    "kernel rules (each exception, rule and extra path "
				    "takes one)",
				    DG_MAX_RULES);
	}
	return 0;
}

enum sel_kind { SEL_ID, SEL_NAME, SEL_CGROUP };

static const char *selector_problem(enum sel_kind kind, const char *s)
{
	size_t len = strlen(s);

	if (len >= SELECTOR_TEXT_MAX)
		return "is too long";
	switch (kind) {
	case SEL_ID:
		if (strspn(s,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
		    len)
			return "is not a container id (letters, digits, '_', '.', '-')";
		return NULL;
	case SEL_NAME:
		if (strspn(s,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-*") !=
		    len)
			return "is not a container name pattern (letters, digits, '_', '.', '-', "
			       "and '*')";
		return NULL;
	case SEL_CGROUP:
		if (strstr(s, "***"))
			return "has \"***\"; use '*' within a component or '**' across '/'";
		return path_problem(s);
	}
	return NULL;
}

static int parse_selector_list(const struct pctx *c, yaml_node_t *n, const char *kp,
			       enum sel_kind kind, char ***v, size_t *cnt, size_t *total)
{
	static const char *const what[] = {"container id", "container name", "cgroup path"};
	int rc = check_list(c, n, kp, what[kind]);

	if (rc < 0)
		return rc;
	for (size_t i = 0; i < list_len(n); i++) {
		char sub[KEYPATH_MAX];
		yaml_node_t *it = list_item(c, n, i, kp, sub, sizeof(sub));
		const char *s, *problem;

		rc = get_string(c, it, sub, &s);
		if (rc < 0)
			return rc;
		problem = selector_problem(kind, s);
		if (problem)
			return perr(c, it, sub, "\"%s\" %s", s, problem);
		if (++*total > DG_RULE_MAX_CGROUPS)
			return perr(c, it, sub,
				    "more than %d ids, names and cgroups in one "
				    "selector; the kernel keeps %d cgroups per rule",
				    DG_RULE_MAX_CGROUPS, DG_RULE_MAX_CGROUPS);
		rc = strv_add(v, cnt, s);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int parse_containers(const struct pctx *c, yaml_node_t *n, const char *kp,
			    struct dg_container_selector *sel)
{
	struct field f[] = {{"ids", NULL, NULL}, {"names", NULL, NULL}, {"cgroups", NULL, NULL}};
	char sub[KEYPATH_MAX];
	size_t total = 0;
	int rc;

	if (n->type == YAML_SCALAR_NODE) {
		const char *s = (const char *)n->data.scalar.value;

		for (size_t i = 0; !is_null(n) && scope_names[i].name; i++) {
			if (strcmp(s, scope_names[i].name) == 0) {
				sel->scope = (enum dg_scope)scope_names[i].bit;
				return 0;
			}
		}
		if (is_null(n))
			return perr(c, n, kp,
				    "has no value; give all, host, any, or a mapping "
				    "with ids, names, cgroups");
		return perr(c, n, kp,
			    "\"%s\" is not one of all, host, any, or a mapping with "
			    "ids, names, cgroups",
			    s);
	}
	rc = get_fields(c, n, kp, f, 3);
	if (rc < 0)
		return rc;
	if (!f[0].val && !f[1].val && !f[2].val)
		return perr(c, n, kp,
			    "an empty mapping selects nothing; give ids, names or "
			    "cgroups, or one of all, host, any");
	sel->scope = DG_SCOPE_CGROUPS;
	for (int i = 0; i < 3; i++) {
		static const enum sel_kind kinds[] = {SEL_ID, SEL_NAME, SEL_CGROUP};
		char ***v[] = {&sel->ids, &sel->names, &sel->cgroups};
		size_t *cnt[] = {&sel->n_ids, &sel->n_names, &sel->n_cgroups};

		if (!f[i].val)
			continue;
		subkey(sub, sizeof(sub), kp, f[i].key);
		rc = parse_selector_list(c, f[i].val, sub, kinds[i], v[i], cnt[i], &total);
		if (rc < 0)
			return rc;
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
	int rc = get_string(c, n, kp, &s);

	if (rc < 0)
		return rc;
	if (!name_ok(s))
		return perr(c, n, kp,
			    "\"%s\" is not a rule name (1 to %d letters, digits, '_', "
			    "'.', '-')",
			    s, DG_RULE_NAME_MAX - 1);
	for (size_t i = 0; i < c->p->n_rules; i++) {
		const struct dg_drift_rule *o = &c->p->rules[i];

		if (o->name && strcmp(o->name, s) == 0)
			return perr(c, n, kp, "\"%s\" is already the name of the %s at line %u", s,
				    o->exception ? "exception" : "rule", o->line);
	}
	r->name = strdup(s);
	return r->name ? 0 : dg_err(ENOMEM, "out of memory");
}

static int missing(const struct pctx *c, yaml_node_t *n, const char *kp, const char *key,
		   const char *what)
{
	return perr(c, n, "", "%s%s%s: missing; %s", kp, kp[0] ? "." : "", key, what);
}

static int parse_match(struct pctx *c, yaml_node_t *n, const char *kp, struct dg_drift_rule *r)
{
	struct field f[] = {{"origin", NULL, NULL}, {"kind", NULL, NULL}, {"path", NULL, NULL}};
	char sub[KEYPATH_MAX];
	int rc = get_fields(c, n, kp, f, 3);

	if (rc < 0)
		return rc;
	if (!f[0].val)
		return missing(c, n, kp, "origin", "a list of upper, memfd, off-rootfs, image");
	subkey(sub, sizeof(sub), kp, "origin");
	rc = get_mask(c, f[0].val, sub, "origin", origin_names, &r->origins);
	if (rc < 0)
		return rc;
	r->kinds = DG_KIND_ALL;
	if (f[1].val) {
		subkey(sub, sizeof(sub), kp, "kind");
		rc = get_mask(c, f[1].val, sub, "kind", kind_names, &r->kinds);
		if (rc < 0)
			return rc;
	}
	if (f[2].val) {
		subkey(sub, sizeof(sub), kp, "path");
		return parse_paths(c, f[2].val, sub, r);
	}
	return 0;
}

/* One entry of `exceptions:` or `rules:`, appended to c->p->rules. */
static int parse_entry(struct pctx *c, yaml_node_t *n, const char *kp, bool exception)
{
	struct field ef[] = {{"name", NULL, NULL},
			     {"containers", NULL, NULL},
			     {"path", NULL, NULL},
			     {"origin", NULL, NULL},
			     {"kind", NULL, NULL}};
	struct field rf[] = {{"name", NULL, NULL},
			     {"containers", NULL, NULL},
			     {"match", NULL, NULL},
			     {"action", NULL, NULL}};
	struct field *f = exception ? ef : rf;
	struct dg_drift_rule *r;
	char sub[KEYPATH_MAX];
	int rc;

	if (c->p->n_rules >= DG_MAX_RULES)
		return perr(c, n, kp, "more than %d rules; exceptions count as rules",
			    DG_MAX_RULES);
	if (c->kernel_rules >= DG_MAX_RULES)
		return perr(c, n, kp,
			    "this entry makes the policy need more than %d kernel rules "
			    "(each exception, rule and extra path takes one)",
			    DG_MAX_RULES);
	rc = get_fields(c, n, kp, f, exception ? 5 : 4);
	if (rc < 0)
		return rc;
	if (!f[0].val)
		return missing(c, n, kp, "name", "every exception and rule has a unique name");

	r = &c->p->rules[c->p->n_rules];
	memset(r, 0, sizeof(*r));
	r->exception = exception;
	r->line = (unsigned int)n->start_mark.line + 1;
	r->column = (unsigned int)n->start_mark.column + 1;
	rc = parse_name(c, f[0].val, subkey(sub, sizeof(sub), kp, "name"), r);
	c->p->n_rules++; /* owned by the policy from here on, even when incomplete */
	if (rc < 0)
		return rc;
	c->kernel_rules++;

	r->containers.scope = DG_SCOPE_ALL;
	if (f[1].val) {
		subkey(sub, sizeof(sub), kp, "containers");
		rc = parse_containers(c, f[1].val, sub, &r->containers);
		if (rc < 0)
			return rc;
	}

	if (exception) {
		r->action = DG_VERDICT_ALLOW;
		r->origins = DG_ORIGIN_ALL;
		r->kinds = DG_KIND_ALL;
		if (!f[2].val)
			return missing(c, n, kp, "path",
				       "an exception allows one program or "
				       "directory, never everything");
		subkey(sub, sizeof(sub), kp, "path");
		rc = parse_paths(c, f[2].val, sub, r);
		if (rc < 0)
			return rc;
		if (f[3].val) {
			subkey(sub, sizeof(sub), kp, "origin");
			rc = get_mask(c, f[3].val, sub, "origin", origin_names, &r->origins);
			if (rc < 0)
				return rc;
		}
		if (f[4].val) {
			subkey(sub, sizeof(sub), kp, "kind");
			rc = get_mask(c, f[4].val, sub, "kind", kind_names, &r->kinds);
			if (rc < 0)
				return rc;
		}
		return 0;
	}

	if (!f[2].val)
		return missing(c, n, kp, "match",
			       "a mapping with origin, and optionally kind "
			       "and path");
	subkey(sub, sizeof(sub), kp, "match");
	rc = parse_match(c, f[2].val, sub, r);
	if (rc < 0)
		return rc;
	if (!f[3].val)
		return missing(c, n, kp, "action", "one of block, audit, allow");
	subkey(sub, sizeof(sub), kp, "action");
	return get_name(c, f[3].val, sub, action_names, &r->action);
}

static int parse_entries(struct pctx *c, yaml_node_t *n, const char *key, bool exception)
{
	size_t count;
	int rc;

	if (exception && is_null(n))
		return 0; /* `exceptions:` with every entry commented out */
	if (n->type != YAML_SEQUENCE_NODE)
		return perr(c, n, key, "must be a list of %s, not %s",
			    exception ? "exceptions" : "rules", type_name(n));
	count = list_len(n);
	if (!exception && count == 0)
		return perr(c, n, key, "empty list; a policy needs at least one rule");
	for (size_t i = 0; i < count; i++) {
		char sub[KEYPATH_MAX];
		yaml_node_t *it = list_item(c, n, i, key, sub, sizeof(sub));

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
	struct field f[] = {
		{"mode", NULL, NULL}, {"exceptions", NULL, NULL}, {"rules", NULL, NULL}};
	unsigned int mode = DG_MODE_ENFORCE;
	int rc;

	if (root->type != YAML_MAPPING_NODE)
		return perr(c, root, "",
			    "the rules file must be a mapping with mode, exceptions "
			    "and rules, not %s",
			    type_name(root));
	rc = get_fields(c, root, "", f, 3);
	if (rc < 0)
		return rc;
	if (f[0].val) {
		rc = get_name(c, f[0].val, "mode", mode_names, &mode);
		if (rc < 0)
			return rc;
	}
	c->p->mode = (enum dg_policy_mode)mode;
	if (!f[2].val)
		return perr(c, root, "rules", "missing; a policy needs at least one rule");
	if (f[1].val) {
		rc = parse_entries(c, f[1].val, "exceptions", true);
		if (rc < 0)
			return rc;
	}
	return parse_entries(c, f[2].val, "rules", false);
}

static int syntax_error(const char *file, const yaml_parser_t *ps)
{
	const yaml_mark_t *m = &ps->problem_mark;

	if (ps->error == YAML_MEMORY_ERROR)
		return dg_err(ENOMEM, "%s: out of memory", file);
	if (ps->error == YAML_READER_ERROR)
		return dg_err(EINVAL, "%s: byte %zu: invalid YAML: %s", file, ps->problem_offset,
			      ps->problem ? ps->problem : "unreadable");
	return dg_err(EINVAL, "%s:%zu:%zu: invalid YAML: %s%s%s", file, m->line + 1, m->column + 1,
		      ps->problem ? ps->problem : "syntax error", ps->context ? " " : "",
		      ps->context ? ps->context : "");
}

static void parser_deletep(yaml_parser_t *ps)
{
	yaml_parser_delete(ps);
}

static int load(yaml_parser_t *ps, const char *name, struct dg_policy **out)
{
	_cleanup_(dg_policy_freep) struct dg_policy *p = NULL;
	yaml_document_t doc, extra;
	struct pctx c = {.file = name};
	yaml_node_t *root;
	int rc;

	*out = NULL;
	if (!yaml_parser_load(ps, &doc))
		return syntax_error(name, ps);
	root = yaml_document_get_root_node(&doc);
	if (!root) {
		yaml_document_delete(&doc);
		return dg_err(EINVAL, "%s:1:1: empty rules file; it needs at least `rules:`", name);
	}
	if (!yaml_parser_load(ps, &extra)) {
		yaml_document_delete(&doc);
		return syntax_error(name, ps);
	}
	if (yaml_document_get_root_node(&extra)) {
		yaml_mark_t m = yaml_document_get_root_node(&extra)->start_mark;

		yaml_document_delete(&extra);
		yaml_document_delete(&doc);
		return dg_err(EINVAL, "%s:%zu:%zu: a second YAML document; a rules file has one",
			      name, m.line + 1, m.column + 1);
	}
	yaml_document_delete(&extra);

	p = calloc(1, sizeof(*p));
	if (p) {
		p->source = strdup(name);
		p->rules = calloc(DG_MAX_RULES, sizeof(*p->rules));
	}
	if (!p || !p->source || !p->rules) {
		yaml_document_delete(&doc);
		return dg_err(ENOMEM, "out of memory");
	}
	c.doc = &doc;
	c.p = p;
	rc = parse_root(&c, root);
	yaml_document_delete(&doc);
	if (rc < 0)
		return rc;
	*out = TAKE_PTR(p);
	return 0;
}

int dg_policy_load_string(const char *yaml, const char *name, struct dg_policy **out)
{
	_cleanup_(parser_deletep) yaml_parser_t ps;

	if (!yaml_parser_initialize(&ps)) {
		*out = NULL;
		return dg_err(ENOMEM, "out of memory");
	}
	yaml_parser_set_input_string(&ps, (const unsigned char *)yaml, strlen(yaml));
	return load(&ps, name ? name : "<string>", out);
}

int dg_policy_load_file(const char *path, struct dg_policy **out)
{
	_cleanup_fclose_ FILE *f = fopen(path, "rb");
	_cleanup_(parser_deletep) yaml_parser_t ps;

	*out = NULL;
	if (!yaml_parser_initialize(&ps))
		return dg_err(ENOMEM, "out of memory");
	if (!f)
		return dg_err(errno, "%s: %s", path, strerror(errno));
	yaml_parser_set_input_file(&ps, f);
	return load(&ps, path, out);
}
