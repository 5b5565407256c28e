// SPDX-License-Identifier: GPL-2.0-only
/* Recorded capability checks -> OCI / Kubernetes capability sets (caps_profile.h). */
#include "generator/caps_profile.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>
#include <sys/capability.h>

#include "common/cleanup.h"
#include "common/errors.h"
#include "generator/learned.h"
#include "generator/text_file.h"

int dg_caps_format_parse(const char *s, enum dg_caps_format *out)
{
	if (!strcmp(s, "oci"))
		*out = DG_CAPS_FORMAT_OCI;
	else if (!strcmp(s, "k8s"))
		*out = DG_CAPS_FORMAT_K8S;
	else
		return dg_err(EINVAL, "capability format is oci or k8s, not \"%s\"", s);
	return 0;
}

static void cap_freep(char **p)
{
	if (*p)
		cap_free(*p);
}

int dg_cap_name(int cap, char *buf, size_t len)
{
	_cleanup_(cap_freep) char *name = NULL;
	size_t i;

	if (cap < 0 || cap >= DG_CAP_COUNT)
		return -ENOENT;
	name = cap_to_name((cap_value_t)cap);
	/* libcap spells a capability it does not know as its number. */
	if (!name || strncmp(name, "cap_", 4) || strlen(name) >= len)
		return -ENOENT;
	for (i = 0; name[i]; i++)
		buf[i] = (char)toupper((unsigned char)name[i]);
	buf[i] = '\0';
	return 0;
}

unsigned int dg_caps_count(const struct dg_caps_slot *s, enum dg_cap_verdict v)
{
	unsigned int n = 0;

	for (int cap = 0; cap < DG_CAP_COUNT; cap++)
		n += s->use[v][cap].seen != 0;
	return n;
}

static bool append(json_t *arr, json_t *v)
{
	return v && json_array_append_new(arr, v) == 0;
}

static bool set(json_t *obj, const char *key, json_t *v)
{
	return v && json_object_set_new(obj, key, v) == 0;
}

/* The granted capabilities in number order; prefix "CAP_" kept or cut. */
static int granted_names(const struct dg_caps_slot *s, bool keep_prefix, json_t **out)
{
	json_auto_t *arr = json_array();
	char name[64];

	if (!arr)
		return dg_err(ENOMEM, "out of memory");
	for (int cap = 0; cap < DG_CAP_COUNT; cap++) {
		if (!s->use[DG_CAP_GRANTED][cap].seen)
			continue;
		if (dg_cap_name(cap, name, sizeof(name)))
			return dg_err(ENOENT,
				      "capability %d was granted but the installed libcap cannot "
				      "name it (newer kernel than libcap?)",
				      cap);
		if (!append(arr, json_string(keep_prefix ? name : name + 4)))
			return dg_err(ENOMEM, "out of memory");
	}
	*out = json_incref(arr);
	return 0;
}

int dg_caps_to_json(const struct dg_caps_slot *s, enum dg_caps_format f, json_t **out)
{
	json_auto_t *o = json_object();
	json_auto_t *names = NULL;
	int rc;

	if (!o)
		return dg_err(ENOMEM, "out of memory");
	rc = granted_names(s, f == DG_CAPS_FORMAT_OCI, &names);
	if (rc)
		return rc;
	if (f == DG_CAPS_FORMAT_OCI) {
		/* runtime-spec config.md#linux-process; inheritable left out, as runc spec does. */
		if (!set(o, "bounding", json_deep_copy(names)) ||
		    !set(o, "effective", json_deep_copy(names)) ||
		    !set(o, "permitted", json_deep_copy(names)) || !set(o, "ambient", json_array()))
			return dg_err(ENOMEM, "out of memory");
	} else {
		json_auto_t *caps = json_object();
		json_auto_t *drop = json_array();
		json_auto_t *sc = json_object();

		if (!caps || !drop || !sc || !append(drop, json_string("ALL")) ||
		    !set(caps, "drop", json_incref(drop)) ||
		    !set(caps, "add", json_incref(names)) ||
		    !set(sc, "capabilities", json_incref(caps)) ||
		    !set(o, "securityContext", json_incref(sc)))
			return dg_err(ENOMEM, "out of memory");
	}
	*out = json_incref(o);
	return 0;
}

int dg_caps_write_file(const struct dg_caps_slot *s, enum dg_caps_format f, const char *path)
{
	_cleanup_free_ char *text = NULL, *line = NULL;
	json_auto_t *o = NULL;
	int rc;

	rc = dg_caps_to_json(s, f, &o);
	if (rc)
		return dg_err_wrap(rc, "%s", path);
	text = json_dumps(o, JSON_INDENT(2));
	if (!text || asprintf(&line, "%s\n", text) < 0) {
		line = NULL;
		return dg_err(ENOMEM, "out of memory");
	}
	return dg_write_text_file(line, path);
}

static void print_syscall(const struct dg_cap_use *u, FILE *out)
{
	_cleanup_free_ char *name = NULL;
	unsigned int nr = u->syscall;

	if (nr == DG_CAP_NO_SYSCALL || u->abi >= DG_ABI_COUNT) {
		fputs("-", out);
		return;
	}
	if (u->abi == DG_ABI_X32)
		nr |= DG_X32_SYSCALL_BIT;
	name = seccomp_syscall_resolve_num_arch(dg_abi_arch(u->abi), (int)nr);
	if (name)
		fprintf(out, "%s%s", name, u->abi == DG_ABI_I386 ? "/i386" : "");
	else
		fprintf(out, "syscall %u", u->syscall);
}

void dg_caps_report(const struct dg_caps_slot *s, const char *prefix, FILE *out)
{
	static const char *const what[DG_CAP_VERDICTS] = {
		[DG_CAP_GRANTED] = "granted (in the set)",
		[DG_CAP_DENIED] = "denied (not in the set)",
	};

	for (int v = 0; v < DG_CAP_VERDICTS; v++) {
		const char *sep = " ";

		fprintf(out, "%s%s:", prefix, what[v]);
		if (!dg_caps_count(s, v))
			fputs(" none", out);
		for (int cap = 0; cap < DG_CAP_COUNT; cap++) {
			const struct dg_cap_use *u = &s->use[v][cap];
			char name[64];

			if (!u->seen)
				continue;
			if (dg_cap_name(cap, name, sizeof(name)))
				fprintf(out, "%scapability %d (", sep, cap);
			else
				fprintf(out, "%s%s (", sep, name);
			print_syscall(u, out);
			fputs(")", out);
			sep = ", ";
		}
		fputs("\n", out);
	}
}
