// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading one YAML document with positions in every message (yaml_doc.h).
 * Nothing here knows what the document describes: the words a value may
 * take, the keys a mapping may have and the nouns of the messages come from
 * the caller.
 */
#include "enforcer/yaml_doc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/errors.h"

static void parser_deletep(yaml_parser_t *ps)
{
	yaml_parser_delete(ps);
}

/* ---- limits ------------------------------------------------------------------------------- */

/*
 * libyaml 0.2.5 takes more than linear time in three places: its scanner
 * walks every open flow level for each token ("rules: [[[...]]]" 80,000 deep:
 * 25.7 s), its parser compares each %TAG directive with all earlier ones
 * (40,000: 2.5 s) and its loader each anchor and alias with all earlier
 * anchors (40,000: 2.5 s). Within 1 MiB that is minutes, so the size limit
 * alone is no bound. Two passes stop at the first limit exceeded, before
 * those costs grow:
 *  - over the tokens: collections opened (a lower bound of the depth: a list
 *    not indented under its key and a one-pair mapping inside a flow list
 *    have no token of their own), %TAG directives, anchors and aliases;
 *  - over the events: the depth itself. The parser behind the events runs
 *    the directives' comparisons, hence the tokens first.
 * A syntax error ends a pass quietly; load() reports it. The slowest input of
 * 1 MiB within the limits found (500,000 one-letter list items) takes 0.6 s,
 * as it did without the passes, which cost less than a tenth of that.
 */

static int too_deep(const char *file, const yaml_mark_t *m, const char *what)
{
	return dg_err(EINVAL, "%s:%zu:%zu: nesting deeper than %d levels; %s needs far fewer", file,
		      m->line + 1, m->column + 1, DG_YAML_DEPTH_MAX, what);
}

static int check_tokens(const char *file, const char *buf, size_t len, const char *what)
{
	_cleanup_(parser_deletep) yaml_parser_t ps;
	unsigned int depth = 0, tags = 0, anchors = 0;

	if (!yaml_parser_initialize(&ps))
		return dg_err(ENOMEM, "out of memory");
	yaml_parser_set_input_string(&ps, (const unsigned char *)buf, len);
	for (;;) {
		yaml_token_t t;
		yaml_token_type_t type;
		yaml_mark_t m;
		int rc = 0;

		if (!yaml_parser_scan(&ps, &t))
			return 0;
		type = t.type;
		m = t.start_mark;
		yaml_token_delete(&t);
		switch (type) {
		case YAML_BLOCK_SEQUENCE_START_TOKEN:
		case YAML_BLOCK_MAPPING_START_TOKEN:
		case YAML_FLOW_SEQUENCE_START_TOKEN:
		case YAML_FLOW_MAPPING_START_TOKEN:
			/* each opens a collection: the depth is at least this */
			if (++depth > DG_YAML_DEPTH_MAX)
				rc = too_deep(file, &m, what);
			break;
		case YAML_BLOCK_END_TOKEN:
		case YAML_FLOW_SEQUENCE_END_TOKEN:
		case YAML_FLOW_MAPPING_END_TOKEN:
			depth -= depth > 0;
			break;
		case YAML_TAG_DIRECTIVE_TOKEN:
			if (++tags > DG_YAML_TAG_DIRECTIVES_MAX)
				rc = dg_err(
					EINVAL,
					"%s:%zu:%zu: more than %d %%TAG directives; %s needs none",
					file, m.line + 1, m.column + 1, DG_YAML_TAG_DIRECTIVES_MAX,
					what);
			break;
		case YAML_ANCHOR_TOKEN:
		case YAML_ALIAS_TOKEN:
			if (++anchors > DG_YAML_ANCHORS_MAX)
				rc = dg_err(EINVAL,
					    "%s:%zu:%zu: more than %d anchors and aliases "
					    "(&name, *name); %s needs far fewer",
					    file, m.line + 1, m.column + 1, DG_YAML_ANCHORS_MAX,
					    what);
			break;
		case YAML_STREAM_END_TOKEN:
			return 0;
		default:
			break;
		}
		if (rc < 0)
			return rc;
	}
}

static int check_depth(const char *file, const char *buf, size_t len, const char *what)
{
	_cleanup_(parser_deletep) yaml_parser_t ps;
	unsigned int depth = 0;

	if (!yaml_parser_initialize(&ps))
		return dg_err(ENOMEM, "out of memory");
	yaml_parser_set_input_string(&ps, (const unsigned char *)buf, len);
	for (;;) {
		yaml_event_t e;
		yaml_event_type_t type;
		yaml_mark_t m;

		if (!yaml_parser_parse(&ps, &e))
			return 0;
		type = e.type;
		m = e.start_mark;
		yaml_event_delete(&e);
		switch (type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > DG_YAML_DEPTH_MAX)
				return too_deep(file, &m, what);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		case YAML_STREAM_END_EVENT:
			return 0;
		default:
			break;
		}
	}
}

static int too_big(const char *file, const char *what, const char *size)
{
	return dg_err(EFBIG, "%s: larger than %d KiB%s; %s is far smaller: is this the right file?",
		      file, DG_YAML_SIZE_MAX / 1024, size, what);
}

/* ---- loading ------------------------------------------------------------------------------ */

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

/* The first document, then a look past it: the input must hold no second one. */
static int load(struct dg_yaml_doc *d, yaml_parser_t *ps, const char *what)
{
	yaml_document_t extra;
	yaml_node_t *second;

	if (!yaml_parser_load(ps, &d->doc))
		return syntax_error(d->file, ps); /* libyaml deleted the document */
	d->loaded = true;
	d->root = yaml_document_get_root_node(&d->doc);
	if (!d->root)
		return 0; /* the stream ended: nothing more to look at */
	if (!yaml_parser_load(ps, &extra))
		return syntax_error(d->file, ps);
	second = yaml_document_get_root_node(&extra);
	if (second) {
		yaml_mark_t m = second->start_mark;

		yaml_document_delete(&extra);
		return dg_err(EINVAL, "%s:%zu:%zu: a second YAML document; %s has one", d->file,
			      m.line + 1, m.column + 1, what);
	}
	yaml_document_delete(&extra);
	return 0;
}

/* The limits, then the document of buf (len bytes, NULs included: libyaml refuses them). */
static int load_buffer(struct dg_yaml_doc *d, const char *buf, size_t len, const char *what)
{
	/* Zeroed: a refusal by the limits returns before the parser is initialized,
	 * and deleting a zeroed parser frees nothing (its cleanup runs either way). */
	_cleanup_(parser_deletep) yaml_parser_t ps = {0};
	int rc = check_tokens(d->file, buf, len, what);

	if (rc == 0)
		rc = check_depth(d->file, buf, len, what);
	if (rc < 0)
		return rc;
	if (!yaml_parser_initialize(&ps))
		return dg_err(ENOMEM, "out of memory");
	yaml_parser_set_input_string(&ps, (const unsigned char *)buf, len);
	return load(d, &ps, what);
}

int dg_yaml_doc_load_string(struct dg_yaml_doc *d, const char *text, const char *name,
			    const char *what)
{
	size_t len = strlen(text);
	char size[48];

	d->file = name;
	if (len > DG_YAML_SIZE_MAX) {
		snprintf(size, sizeof(size), " (%zu bytes)", len);
		return too_big(d->file, what, size);
	}
	return load_buffer(d, text, len, what);
}

/*
 * At most DG_YAML_SIZE_MAX + 1 bytes of fd into *buf: a regular file too big is
 * refused by its size, anything else (a pipe, /dev/zero) once it gave more.
 */
static int read_input(const char *path, int fd, const char *what, char **buf, size_t *len)
{
	_cleanup_free_ char *b = NULL;
	size_t cap = 0, n = 0;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return dg_err(errno, "%s: %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		return dg_err(EISDIR, "%s: is a directory; give the path of %s", path, what);
	if (S_ISREG(st.st_mode) && st.st_size > DG_YAML_SIZE_MAX) {
		char size[48];

		snprintf(size, sizeof(size), " (%lld bytes)", (long long)st.st_size);
		return too_big(path, what, size);
	}
	for (;;) {
		ssize_t got;

		if (n == cap) {
			char *nb;

			if (cap > DG_YAML_SIZE_MAX)
				return too_big(path, what, "");
			cap = cap ? 2 * cap : 4096;
			if (cap > DG_YAML_SIZE_MAX + 1)
				cap = DG_YAML_SIZE_MAX + 1;
			nb = realloc(b, cap);
			if (!nb)
				return dg_err(ENOMEM, "out of memory");
			b = nb;
		}
		got = read(fd, b + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return dg_err(errno, "%s: %s", path, strerror(errno));
		if (got == 0)
			break;
		n += (size_t)got;
	}
	*buf = TAKE_PTR(b);
	*len = n;
	return 0;
}

int dg_yaml_doc_load_file(struct dg_yaml_doc *d, const char *path, const char *what)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	int open_errno = errno; /* before anything else can change it */
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int rc;

	d->file = path;
	if (fd < 0)
		return dg_err(open_errno, "%s: %s", path, strerror(open_errno));
	rc = read_input(path, fd, what, &buf, &len);
	if (rc < 0)
		return rc;
	return load_buffer(d, buf ? buf : "", len, what);
}

void dg_yaml_doc_close(struct dg_yaml_doc *d)
{
	if (d->loaded)
		yaml_document_delete(&d->doc);
	d->loaded = false;
	d->root = NULL;
}

/* ---- messages ----------------------------------------------------------------------------- */

char *dg_yaml_subkey(char *buf, size_t len, const char *kp, const char *key)
{
	if (snprintf(buf, len, "%s%s%s", kp, kp[0] ? "." : "", key) >= (int)len)
		buf[len - 1] = '\0';
	return buf;
}

char *dg_yaml_subidx(char *buf, size_t len, const char *kp, size_t i)
{
	if (snprintf(buf, len, "%s[%zu]", kp, i) >= (int)len)
		buf[len - 1] = '\0';
	return buf;
}

int dg_yaml_err(const struct dg_yaml_doc *d, const yaml_node_t *n, const char *kp, const char *fmt,
		...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return dg_err(EINVAL, "%s:%zu:%zu: %s%s%s", d->file, n->start_mark.line + 1,
		      n->start_mark.column + 1, kp, kp[0] ? ": " : "", msg);
}

int dg_yaml_missing(const struct dg_yaml_doc *d, const yaml_node_t *n, const char *kp,
		    const char *key, const char *what)
{
	return dg_yaml_err(d, n, "", "%s%s%s: missing; %s", kp, kp[0] ? "." : "", key, what);
}

/* ---- values ------------------------------------------------------------------------------- */

static yaml_node_t *node_at(const struct dg_yaml_doc *d, int index)
{
	/* libyaml's getter takes a mutable document but only reads it */
	return yaml_document_get_node((yaml_document_t *)&d->doc, index);
}

bool dg_yaml_is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return !v[0] || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

const char *dg_yaml_type_name(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return dg_yaml_is_null(n) ? "empty" : "a string";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

int dg_yaml_get_string(const struct dg_yaml_doc *d, const yaml_node_t *n, const char *kp,
		       const char **out)
{
	if (n->type != YAML_SCALAR_NODE)
		return dg_yaml_err(d, n, kp, "must be a string, not %s", dg_yaml_type_name(n));
	if (dg_yaml_is_null(n))
		return dg_yaml_err(d, n, kp, "has no value");
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length)
		return dg_yaml_err(d, n, kp, "contains a NUL character");
	*out = (const char *)n->data.scalar.value;
	return 0;
}

void dg_yaml_join_names(const struct dg_yaml_name *t, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; t[i].name && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", t[i].name);
}

int dg_yaml_get_name(const struct dg_yaml_doc *d, const yaml_node_t *n, const char *kp,
		     const struct dg_yaml_name *t, unsigned int *value)
{
	char allowed[256];
	const char *s;
	int rc = dg_yaml_get_string(d, n, kp, &s);

	if (rc < 0)
		return rc;
	for (size_t i = 0; t[i].name; i++) {
		if (strcmp(s, t[i].name) == 0) {
			*value = t[i].value;
			return 0;
		}
	}
	dg_yaml_join_names(t, allowed, sizeof(allowed));
	return dg_yaml_err(d, n, kp, "\"%s\" is not one of %s", s, allowed);
}

int dg_yaml_get_mask(const struct dg_yaml_doc *d, yaml_node_t *n, const char *kp, const char *what,
		     const struct dg_yaml_name *t, unsigned int *mask)
{
	char allowed[256], noun[300];
	int rc;

	dg_yaml_join_names(t, allowed, sizeof(allowed));
	snprintf(noun, sizeof(noun), "%s (%s)", what, allowed);
	rc = dg_yaml_check_list(d, n, kp, noun);
	if (rc < 0)
		return rc;
	*mask = 0;
	for (size_t i = 0; i < dg_yaml_list_len(n); i++) {
		char sub[DG_YAML_KEYPATH_MAX];
		yaml_node_t *it = dg_yaml_list_item(d, n, i, kp, sub, sizeof(sub));
		unsigned int bit;

		rc = dg_yaml_get_name(d, it, sub, t, &bit);
		if (rc < 0)
			return rc;
		*mask |= bit;
	}
	return 0;
}

/* ---- mappings and lists ------------------------------------------------------------------- */

int dg_yaml_get_fields(const struct dg_yaml_doc *d, yaml_node_t *n, const char *kp,
		       struct dg_yaml_field *fields, size_t n_fields)
{
	if (n->type != YAML_MAPPING_NODE)
		return dg_yaml_err(d, n, kp, "must be a mapping, not %s", dg_yaml_type_name(n));
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node_at(d, pr->key), *v = node_at(d, pr->value);
		char sub[DG_YAML_KEYPATH_MAX], allowed[256] = "";
		struct dg_yaml_field *f = NULL;
		const char *key;

		if (k->type != YAML_SCALAR_NODE)
			return dg_yaml_err(d, k, kp, "a key must be a string, not %s",
					   dg_yaml_type_name(k));
		key = (const char *)k->data.scalar.value;
		dg_yaml_subkey(sub, sizeof(sub), kp, key);
		for (size_t i = 0; i < n_fields; i++) {
			if (strcmp(key, fields[i].key) == 0)
				f = &fields[i];
			snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed),
				 "%s%s", i ? ", " : "", fields[i].key);
		}
		if (!f)
			return dg_yaml_err(d, k, sub, "unknown key; allowed keys are %s", allowed);
		if (f->val)
			return dg_yaml_err(d, k, sub, "duplicate key (first at line %zu)",
					   f->key_node->start_mark.line + 1);
		f->key_node = k;
		f->val = v;
	}
	return 0;
}

int dg_yaml_check_list(const struct dg_yaml_doc *d, yaml_node_t *n, const char *kp,
		       const char *what)
{
	if (n->type == YAML_MAPPING_NODE || dg_yaml_is_null(n))
		return dg_yaml_err(d, n, kp, "must be a %s or a list of them, not %s", what,
				   dg_yaml_type_name(n));
	if (dg_yaml_list_len(n) == 0)
		return dg_yaml_err(d, n, kp, "empty list; give at least one %s", what);
	return 0;
}

size_t dg_yaml_list_len(const yaml_node_t *n)
{
	if (n->type == YAML_SEQUENCE_NODE)
		return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	return 1;
}

yaml_node_t *dg_yaml_list_item(const struct dg_yaml_doc *d, yaml_node_t *n, size_t i,
			       const char *kp, char *sub, size_t len)
{
	if (n->type != YAML_SEQUENCE_NODE) {
		dg_yaml_subkey(sub, len, "", kp);
		return n;
	}
	dg_yaml_subidx(sub, len, kp, i);
	return node_at(d, n->data.sequence.items.start[i]);
}
