// SPDX-License-Identifier: GPL-2.0-only
/*
 * `driftguard hook`'s input: the OCI state a runtime writes to a hook's stdin
 * and the io.containers.trace-syscall annotation in it (hook_request.h).
 */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "generator/hook_request.h"

#define SYNTAX "[if:/ABSOLUTE/INPUT.json;]of:/ABSOLUTE/OUTPUT.json"

/* "  /a/b " -> "/a/b" into buf: the peer trims blanks around a path too. */
static int take_path(const char *value, const char *what, const char *start, size_t len, char *buf,
		     size_t size)
{
	while (len && (*start == ' ' || *start == '\t')) {
		start++;
		len--;
	}
	while (len && (start[len - 1] == ' ' || start[len - 1] == '\t'))
		len--;
	if (!len)
		return dg_err(EINVAL, "%s=\"%s\": %s has no path; the value is " SYNTAX,
			      DG_TRACE_SYSCALL_ANNOTATION, value, what);
	if (start[0] != '/')
		return dg_err(EINVAL,
			      "%s=\"%s\": the %s path \"%.*s\" is relative; paths must be absolute "
			      "(the hook does not run in your working directory)",
			      DG_TRACE_SYSCALL_ANNOTATION, value, what, (int)len, start);
	if (len >= size)
		return dg_err(ENAMETOOLONG, "%s=\"%s\": the %s path is too long",
			      DG_TRACE_SYSCALL_ANNOTATION, value, what);
	memcpy(buf, start, len);
	buf[len] = '\0';
	return 0;
}

int dg_hook_parse_annotation(const char *value, struct dg_hook_request *out)
{
	const char *part = value, *semi = strchr(value, ';');
	int rc;

	out->output[0] = out->input[0] = '\0';
	if (semi && strchr(semi + 1, ';'))
		return dg_err(EINVAL, "%s=\"%s\": more than one ';'; the value is " SYNTAX,
			      DG_TRACE_SYSCALL_ANNOTATION, value);
	for (int i = 0; i < 2 && part; i++) {
		const char *end = strchr(part, ';') ?: part + strlen(part);
		size_t len = (size_t)(end - part);

		if (len >= 3 && !strncmp(part, "if:", 3)) {
			if (out->input[0])
				return dg_err(EINVAL,
					      "%s=\"%s\": if: given twice; the value is " SYNTAX,
					      DG_TRACE_SYSCALL_ANNOTATION, value);
			rc = take_path(value, "if:", part + 3, len - 3, out->input,
				       sizeof(out->input));
		} else if (len >= 3 && !strncmp(part, "of:", 3)) {
			if (out->output[0])
				return dg_err(EINVAL,
					      "%s=\"%s\": of: given twice; the value is " SYNTAX,
					      DG_TRACE_SYSCALL_ANNOTATION, value);
			rc = take_path(value, "of:", part + 3, len - 3, out->output,
				       sizeof(out->output));
		} else {
			rc = dg_err(
				EINVAL,
				"%s=\"%s\": \"%.*s\" starts with neither if: nor of:; the value "
				"is " SYNTAX,
				DG_TRACE_SYSCALL_ANNOTATION, value, (int)len, part);
		}
		if (rc)
			return rc;
		part = *end ? end + 1 : NULL;
	}
	if (!out->output[0])
		return dg_err(EINVAL,
			      "%s=\"%s\": no of: (where to write the profile) given; the value "
			      "is " SYNTAX,
			      DG_TRACE_SYSCALL_ANNOTATION, value);
	return 0;
}

static int copy_string(json_t *state, const char *key, char *buf, size_t size, bool required)
{
	const char *s = json_string_value(json_object_get(state, key));

	if (!s) {
		buf[0] = '\0';
		return required
			       ? dg_err(EINVAL,
					"the container state on stdin has no \"%s\"; is driftguard "
					"hook run by an OCI runtime (hooks.d, stage prestart)?",
					key)
			       : 0;
	}
	if (strlen(s) >= size)
		return dg_err(ENAMETOOLONG, "the container state's \"%s\" is too long", key);
	snprintf(buf, size, "%s", s);
	return 0;
}

int dg_hook_request_parse(const char *text, struct dg_hook_request *out)
{
	_cleanup_(json_decrefp) json_t *state = NULL;
	json_error_t jerr;
	json_t *pid, *value;
	int rc;

	memset(out, 0, sizeof(*out));
	state = json_loads(text, 0, &jerr);
	if (!state || !json_is_object(state))
		return dg_err(EINVAL,
			      "stdin is not the container state an OCI runtime gives a hook (%s at "
			      "line %d); driftguard hook runs from hooks.d, at stage prestart",
			      state ? "not an object" : jerr.text, jerr.line);
	pid = json_object_get(state, "pid");
	if (!json_is_integer(pid) || json_integer_value(pid) <= 0 ||
	    json_integer_value(pid) > (json_int_t)INT32_MAX)
		return dg_err(
			EINVAL,
			"the container state has no valid \"pid\": driftguard hook runs at "
			"stage prestart (or createRuntime), when the container's init exists");
	out->pid = (pid_t)json_integer_value(pid);
	rc = copy_string(state, "id", out->id, sizeof(out->id), true);
	if (!rc)
		rc = copy_string(state, "bundle", out->bundle, sizeof(out->bundle), false);
	if (rc)
		return rc;
	value = json_object_get(json_object_get(state, "annotations"), DG_TRACE_SYSCALL_ANNOTATION);
	if (!json_is_string(value))
		return dg_err(EINVAL,
			      "container %s has no %s annotation; the hook's JSON in hooks.d runs "
			      "it only for containers that have one",
			      out->id, DG_TRACE_SYSCALL_ANNOTATION);
	return dg_hook_parse_annotation(json_string_value(value), out);
}
