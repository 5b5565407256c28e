/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading one YAML document (libyaml's document API) into a model, with
 * messages that point at the offending value:
 *
 *   FILE:LINE:COLUMN: KEY.PATH: what is wrong and what is allowed
 *
 * LINE and COLUMN are 1-based; KEY.PATH is built with dg_yaml_subkey() and
 * dg_yaml_subidx() ("rules[1].match.path[0]"). Every dg_yaml_get_*() and
 * check returns 0 or -EINVAL with such a message (dg_err()).
 *
 * A scalar is a string; a plain empty scalar, "~" and "null" are "no value".
 * A "list" is a sequence, or a single scalar standing for a list of one.
 */
#ifndef __DG_YAML_DOC_H
#define __DG_YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#define DG_YAML_KEYPATH_MAX 160 /* bytes of a key path in a message */

/*
 * Limits on every document read here, far above what a configuration file
 * needs (the rules files of rules/ are under 2 KiB and 5 levels deep) and low
 * enough that libyaml's worse than linear costs stay out of reach (yaml_doc.c
 * says which). An input beyond one is refused before it is parsed in full:
 *
 *   FILE: larger than 1024 KiB (N bytes); WHAT is far smaller: is this the right file?
 *   FILE:LINE:COLUMN: nesting deeper than 64 levels; WHAT needs far fewer
 *   FILE:LINE:COLUMN: more than 1024 anchors and aliases (&name, *name); WHAT needs far fewer
 *   FILE:LINE:COLUMN: more than 16 %TAG directives; WHAT needs none
 *
 * The depth counts collections (mappings and lists) inside one another: the
 * root mapping of "rules: [{a: b}]" is at depth 1, the list 2, the mapping 3.
 */
#define DG_YAML_SIZE_MAX (1024 * 1024) /* bytes of the input */
#define DG_YAML_DEPTH_MAX 64	       /* collections inside one another */
#define DG_YAML_ANCHORS_MAX 1024       /* anchors and aliases, together */
#define DG_YAML_TAG_DIRECTIVES_MAX 16  /* %TAG directives */

struct dg_yaml_doc {
	const char *file; /* the name in messages */
	yaml_document_t doc;
	yaml_node_t *root; /* NULL: the input holds no document at all */
	bool loaded;	   /* doc holds a document to delete */
};

/*
 * Loads the one document of a string or a file into d (whose file is set to
 * name or path; they must outlive d). A syntax error, an input beyond a limit
 * above, or a second document ("a second YAML document; <what> has one"), is
 * an error; so is a directory given as the file (-EISDIR, "PATH: is a
 * directory; give the path of <what>"). An input too big is -EFBIG. An empty
 * input is not an error: d->root is then NULL and the caller says what was
 * expected. what names the document in messages: "a rules file".
 * Release d with dg_yaml_doc_close() in every case.
 */
int dg_yaml_doc_load_string(struct dg_yaml_doc *d, const char *text, const char *name,
			    const char *what);
int dg_yaml_doc_load_file(struct dg_yaml_doc *d, const char *path, const char *what);
void dg_yaml_doc_close(struct dg_yaml_doc *d);

/* The error of node n: "FILE:LINE:COLUMN: KP: message" ("FILE:L:C: message" when kp is ""). */
int dg_yaml_err(const struct dg_yaml_doc *d, const yaml_node_t *n, const char *kp, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));

/* "KP.KEY: missing; what", at the mapping n that lacks the key. */
int dg_yaml_missing(const struct dg_yaml_doc *d, const yaml_node_t *n, const char *kp,
		    const char *key, const char *what);

/* Key paths "kp.key" and "kp[i]" into buf; one too long is cut, which only shortens a message. */
char *dg_yaml_subkey(char *buf, size_t len, const char *kp, const char *key);
char *dg_yaml_subidx(char *buf, size_t len, const char *kp, size_t i);

bool dg_yaml_is_null(const yaml_node_t *n);
/* What a node is, for "must be X, not Y": "empty", "a string", "a list", "a mapping". */
const char *dg_yaml_type_name(const yaml_node_t *n);

/* A string with a value and no NUL inside; *out points into the document. */
int dg_yaml_get_string(const struct dg_yaml_doc *d, const yaml_node_t *n, const char *kp,
		       const char **out);

/* A word of a table (ended by {NULL, 0}) and the value it stands for. */
struct dg_yaml_name {
	const char *name;
	unsigned int value;
};

/* "a, b, c": the names of a table, for "is not one of ...". */
void dg_yaml_join_names(const struct dg_yaml_name *t, char *buf, size_t len);

/* One word of t: its value into *value. */
int dg_yaml_get_name(const struct dg_yaml_doc *d, const yaml_node_t *n, const char *kp,
		     const struct dg_yaml_name *t, unsigned int *value);

/* A word of t or a list of them (at least one): the values or'ed into *mask. what: "origin". */
int dg_yaml_get_mask(const struct dg_yaml_doc *d, yaml_node_t *n, const char *kp, const char *what,
		     const struct dg_yaml_name *t, unsigned int *mask);

/* One key that a mapping may have; dg_yaml_get_fields() fills in key_node and val. */
struct dg_yaml_field {
	const char *key;
	yaml_node_t *key_node; /* NULL: the key is absent */
	yaml_node_t *val;
};

/*
 * Checks that n is a mapping whose keys are among fields[] (string keys, each
 * at most once), and fills in the values found. The message of an unknown key
 * lists the allowed keys in the order of fields[].
 */
int dg_yaml_get_fields(const struct dg_yaml_doc *d, yaml_node_t *n, const char *kp,
		       struct dg_yaml_field *fields, size_t n_fields);

/*
 * A scalar or a non-empty list of them (not a mapping, not "no value"); what
 * names one item: "must be a WHAT or a list of them", "give at least one WHAT".
 */
int dg_yaml_check_list(const struct dg_yaml_doc *d, yaml_node_t *n, const char *kp,
		       const char *what);

/* The number of items of a list (1 for a scalar), and the i-th with its key path in sub. */
size_t dg_yaml_list_len(const yaml_node_t *n);
yaml_node_t *dg_yaml_list_item(const struct dg_yaml_doc *d, yaml_node_t *n, size_t i,
			       const char *kp, char *sub, size_t len);

#endif /* __DG_YAML_DOC_H */
