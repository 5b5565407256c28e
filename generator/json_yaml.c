// SPDX-License-Identifier: GPL-2.0-only
/*
 * JSON to YAML with libyaml's emitter: it does the indentation, the escaping
 * and the line breaks; this file only walks the JSON value and says which
 * strings must be quoted so that a YAML reader gets them back as strings.
 */
#include "generator/json_yaml.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "common/cleanup.h"
#include "common/errors.h"

static int write_to_file(void *data, unsigned char *buf, size_t size)
{
	return fwrite(buf, 1, size, data) == size;
}

/*
 * Can s be a plain scalar that YAML 1.1 and 1.2 both read back as this
 * string? Letters, digits and "_-./", starting with a letter, "_" or "/",
 * and not one of the words that mean a boolean or null.
 */
static bool plain_ok(const char *s)
{
	static const char *const words[] = {"y",     "n",  "yes", "no",	  "true",
					    "false", "on", "off", "null", "~"};

	if (!isalpha((unsigned char)s[0]) && s[0] != '_' && s[0] != '/')
		return false;
	for (const char *p = s; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("_-./", *p))
			return false;
	}
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcasecmp(s, words[i]) == 0)
			return false;
	}
	return true;
}

static bool scalar(yaml_emitter_t *em, const char *s, yaml_scalar_style_t style)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1,
					  style))
		return false;
	return yaml_emitter_emit(em, &ev);
}

static bool emit(yaml_emitter_t *em, const json_t *j)
{
	yaml_event_t ev;
	char num[32];

	switch (json_typeof(j)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *v;

		if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							 YAML_BLOCK_MAPPING_STYLE) ||
		    !yaml_emitter_emit(em, &ev))
			return false;
		json_object_foreach((json_t *)j, key, v)
		{
			if (!scalar(em, key,
				    plain_ok(key) ? YAML_PLAIN_SCALAR_STYLE
						  : YAML_DOUBLE_QUOTED_SCALAR_STYLE) ||
			    !emit(em, v))
				return false;
		}
		return yaml_mapping_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev);
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *v;

		if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							  YAML_BLOCK_SEQUENCE_STYLE) ||
		    !yaml_emitter_emit(em, &ev))
			return false;
		json_array_foreach(j, i, v)
		{
			if (!emit(em, v))
				return false;
		}
		return yaml_sequence_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev);
	}
	case JSON_STRING:
		return scalar(em, json_string_value(j),
			      plain_ok(json_string_value(j)) ? YAML_PLAIN_SCALAR_STYLE
							     : YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(j));
		return scalar(em, num, YAML_PLAIN_SCALAR_STYLE);
	case JSON_REAL:
		snprintf(num, sizeof(num), "%.17g", json_real_value(j));
		return scalar(em, num, YAML_PLAIN_SCALAR_STYLE);
	case JSON_TRUE:
		return scalar(em, "true", YAML_PLAIN_SCALAR_STYLE);
	case JSON_FALSE:
		return scalar(em, "false", YAML_PLAIN_SCALAR_STYLE);
	case JSON_NULL:
		return scalar(em, "null", YAML_PLAIN_SCALAR_STYLE);
	}
	return false;
}

static bool emit_document(yaml_emitter_t *em, const json_t *root)
{
	yaml_event_t ev;

	return yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
	       yaml_emitter_emit(em, &ev) &&
	       yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
	       yaml_emitter_emit(em, &ev) && emit(em, root) &&
	       yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(em, &ev) &&
	       yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev);
}

char *dg_json_to_yaml(const json_t *root, const char *const *header, size_t n_header)
{
	_cleanup_free_ char *text = NULL;
	yaml_emitter_t em;
	size_t len = 0;
	bool ok;
	FILE *f;

	f = open_memstream(&text, &len);
	if (!f) {
		dg_err(ENOMEM, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n_header; i++)
		fprintf(f, "#%s%s\n", header[i][0] ? " " : "", header[i]);
	if (!yaml_emitter_initialize(&em)) {
		fclose(f);
		dg_err(ENOMEM, "out of memory");
		return NULL;
	}
	yaml_emitter_set_output(&em, write_to_file, f);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);
	ok = emit_document(&em, root) && yaml_emitter_flush(&em);
	if (!ok)
		dg_err(EINVAL, "cannot write YAML: %s", em.problem ? em.problem : "out of memory");
	yaml_emitter_delete(&em);
	if (fclose(f) != 0 && ok) {
		dg_err(ENOMEM, "out of memory");
		return NULL;
	}
	return ok ? TAKE_PTR(text) : NULL;
}
