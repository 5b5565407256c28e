// SPDX-License-Identifier: GPL-2.0-only
#include "generator/learn_bundle.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/cleanup.h"
#include "common/errors.h"


/*
 * Allows everything, on every ABI of the machine: a filter that lists only
 * the native one kills a 32-bit syscall (SCMP_ACT_KILL for a foreign arch).
 * The one rule exists because a runtime may skip a filter with no rules;
 * SCMP_ACT_LOG on kexec_load changes nothing a container can do (it is
 * allowed and, if ever called, logged).
 */
#if defined(__x86_64__)
#define LEARNING_ARCHES "\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\""
#elif defined(__aarch64__)
#define LEARNING_ARCHES "\"SCMP_ARCH_AARCH64\", \"SCMP_ARCH_ARM\""
#else
#define LEARNING_ARCHES ""
#endif
static const char learning_filter[] =
	"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [" LEARNING_ARCHES "],"
	" \"syscalls\": [{\"names\": [\"kexec_load\"], \"action\": \"SCMP_ACT_LOG\"}]}";

/* Where the bundle is named on the command line, or -1 (then: cwd). */
static int find_bundle_arg(char **argv, int verb, const char **bundle, int *value_idx)
{
	for (int i = verb + 1; argv[i]; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--"))
			break;
		if ((!strcmp(a, "-b") || !strcmp(a, "--bundle")) && argv[i + 1]) {
			*bundle = argv[i + 1];
			*value_idx = i + 1;
			return 0;
		}
		if (!strncmp(a, "--bundle=", 9) || (!strncmp(a, "-b", 2) && a[2])) {
			*bundle = a[2] == '-' ? a + 9 : a + 2;
			*value_idx = i;
			return 1; /* value is glued to the option */
		}
	}
	*bundle = ".";
	*value_idx = -1;
	return 0;
}

/* The runtime's verb: the first of run/create that is not an option value. */
static int find_verb(char **argv)
{
	for (int i = 1; argv[i]; i++) {
		if (!strcmp(argv[i], "--"))
			return -1;
		if (!strcmp(argv[i], "run") || !strcmp(argv[i], "create"))
			return i;
	}
	return -1;
}

static int absolutize(json_t *obj, const char *key, const char *bundle)
{
	const char *v = json_string_value(json_object_get(obj, key));
	char buf[PATH_MAX * 2];

	if (!v || v[0] == '/')
		return 0;
	snprintf(buf, sizeof(buf), "%s/%s", bundle, v);
	return json_object_set_new(obj, key, json_string(buf)) ? -ENOMEM : 0;
}

/* Bind sources and root.path are relative to the bundle: keep them pointing there. */
static int rebase_paths(json_t *config, const char *bundle)
{
	json_t *mounts = json_object_get(config, "mounts"), *m;
	size_t i;
	int rc;

	rc = absolutize(json_object_get(config, "root"), "path", bundle);
	json_array_foreach(mounts, i, m)
	{
		const char *type = json_string_value(json_object_get(m, "type"));
		const char *src = json_string_value(json_object_get(m, "source"));
		bool bind = type && !strcmp(type, "bind");
		json_t *o;
		size_t j;

		json_array_foreach(json_object_get(m, "options"), j, o)
		{
			const char *s = json_string_value(o);

			bind |= s && (!strcmp(s, "bind") || !strcmp(s, "rbind"));
		}
		if (bind && src && (src[0] == '.' || strchr(src, '/')))
			rc = rc ?: absolutize(m, "source", bundle);
	}
	return rc;
}

int dg_learn_bundle_prepare(char **argv, struct dg_learn_bundle *b, char ***new_argv)
{
	_cleanup_(json_decrefp) json_t *config = NULL;
	_cleanup_free_ char **nargv = NULL;
	char abs_bundle[PATH_MAX], file[PATH_MAX + 16], *glued = NULL;
	const char *bundle;
	json_t *linux_obj, *filter;
	json_error_t jerr;
	int verb, idx, is_glued, argc, rc;

	memset(b, 0, sizeof(*b));
	verb = find_verb(argv);
	if (verb < 0)
		return 0;
	is_glued = find_bundle_arg(argv, verb, &bundle, &idx);
	if (!realpath(bundle, abs_bundle))
		return 0;
	snprintf(file, sizeof(file), "%s/config.json", abs_bundle);
	if (access(file, F_OK))
		return 0;

	config = json_load_file(file, JSON_REJECT_DUPLICATES, &jerr);
	if (!config)
		return dg_err(EINVAL, "%s:%d:%d: %s", file, jerr.line, jerr.column, jerr.text);
	linux_obj = json_object_get(config, "linux");
	if (!json_is_object(linux_obj))
		return dg_err(EINVAL, "%s has no \"linux\" object; is it an OCI bundle?", file);
	b->replaced_seccomp = json_object_get(linux_obj, "seccomp") != NULL;
	filter = json_loads(learning_filter, 0, NULL);
	if (!filter || json_object_set_new(linux_obj, "seccomp", filter))
		return dg_err(ENOMEM, "out of memory");
	rc = rebase_paths(config, abs_bundle);
	if (rc)
		return dg_err(-rc, "out of memory");

	snprintf(b->dir, sizeof(b->dir), "/tmp/driftguard-bundle.XXXXXX");
	if (!mkdtemp(b->dir))
		return dg_err(errno, "cannot create a temporary bundle: %s", strerror(errno));
	snprintf(file, sizeof(file), "%s/config.json", b->dir);
	if (json_dump_file(config, file, JSON_INDENT(2))) {
		rc = dg_err(EIO, "cannot write %s", file);
		dg_learn_bundle_cleanup(b);
		return rc;
	}

	for (argc = 0; argv[argc]; argc++)
		;
	nargv = calloc(argc + 3, sizeof(*nargv));
	if (!nargv) {
		dg_learn_bundle_cleanup(b);
		return dg_err(ENOMEM, "out of memory");
	}
	if (idx >= 0) {
		memcpy(nargv, argv, argc * sizeof(*nargv));
		if (is_glued) {
			/* "--bundle=DIR" / "-bDIR" -> "--bundle=TMP" */
			if (asprintf(&glued, "--bundle=%s", b->dir) < 0) {
				dg_learn_bundle_cleanup(b);
				return dg_err(ENOMEM, "out of memory");
			}
			nargv[idx] = glued;
			b->glued_arg = glued;
		} else {
			nargv[idx] = b->dir;
		}
		b->bundle_arg = idx;
	} else {
		/* No bundle option: the runtime uses cwd; name ours right after the verb. */
		memcpy(nargv, argv, (verb + 1) * sizeof(*nargv));
		nargv[verb + 1] = "--bundle";
		nargv[verb + 2] = b->dir;
		memcpy(nargv + verb + 3, argv + verb + 1, (argc - verb - 1) * sizeof(*nargv));
		b->bundle_arg = -1;
	}
	*new_argv = TAKE_PTR(nargv);
	return 1;
}

void dg_learn_bundle_cleanup(struct dg_learn_bundle *b)
{
	char file[sizeof(b->dir) + 16];

	free(b->glued_arg);
	b->glued_arg = NULL;
	if (!b->dir[0])
		return;
	snprintf(file, sizeof(file), "%s/config.json", b->dir);
	unlink(file);
	rmdir(b->dir);
	b->dir[0] = '\0';
}
