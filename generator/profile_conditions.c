// SPDX-License-Identifier: GPL-2.0-only
/*
 * The conditions of the engines' profile form, evaluated as moby's
 * profiles/seccomp setupSeccomp() evaluates them (containers/common's copy
 * does the same without minKernel):
 *  - a rule applies when its "includes" all hold and none of its "excludes"
 *    does: includes.arches names the native architecture, every includes.caps
 *    is in the container's bounding set, the kernel is at least
 *    includes.minKernel; excludes.arches names it, some excludes.caps is in
 *    the set, or the kernel is at least excludes.minKernel;
 *  - "archMap": the first entry whose "architecture" is the native one gives
 *    the profile's architectures, that one and its "subArchitectures".
 * The architectures of includes/excludes are Go's names as the engines spell
 * them ("amd64", "arm64", not "x86_64"); capabilities are compared as the
 * strings "CAP_SYS_ADMIN", ..., as in the runtime spec's bounding set.
 */
#include "generator/profile_parse_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <seccomp.h>
#include <sys/capability.h>

#include "common/cleanup.h"
#include "common/errors.h"

/*
 * libseccomp's name of an architecture and the names the engines give it:
 * moby's goToNative (with its spellings "mips3l64n32", "loongarch64") and
 * libseccomp-golang's ScmpArch.String() that containers/common compares.
 */
static const struct {
	const char *libseccomp;
	const char *words[2];
} arch_words[] = {
	{"x86", {"x86"}},
	{"x86_64", {"amd64"}},
	{"x32", {"x32"}},
	{"arm", {"arm"}},
	{"aarch64", {"arm64"}},
	{"mips", {"mips"}},
	{"mips64", {"mips64"}},
	{"mips64n32", {"mips64n32"}},
	{"mipsel", {"mipsel", "mipsle"}},
	{"mipsel64", {"mipsel64"}},
	{"mipsel64n32", {"mipsel64n32", "mips3l64n32"}},
	{"ppc", {"ppc"}},
	{"ppc64", {"ppc64"}},
	{"ppc64le", {"ppc64le"}},
	{"s390", {"s390"}},
	{"s390x", {"s390x"}},
	{"parisc", {"parisc"}},
	{"parisc64", {"parisc64"}},
	{"riscv64", {"riscv64"}},
	{"loongarch64", {"loongarch64", "loong64"}},
	{"m68k", {"m68k"}},
	{"sh", {"sh"}},
	{"sheb", {"sheb"}},
};

#define N_ARCH_WORDS (sizeof(arch_words) / sizeof(arch_words[0]))

/* Row of word, or -1 when no engine spells an architecture so. */
static int arch_word_row(const char *word)
{
	for (size_t i = 0; i < N_ARCH_WORDS; i++) {
		for (size_t k = 0; k < 2 && arch_words[i].words[k]; k++) {
			if (strcmp(word, arch_words[i].words[k]) == 0)
				return (int)i;
		}
	}
	return -1;
}

/* Is word a name of the native architecture (a libseccomp this old may not know the row)? */
static bool is_native_word(const struct dg_profile_host *h, const char *word)
{
	int row = arch_word_row(word);

	return row >= 0 && seccomp_arch_resolve_name(arch_words[row].libseccomp) == h->arch;
}

/* Docker's daemon/pkg/oci/caps/defaults.go. */
static const cap_value_t docker_caps[] = {
	CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,	     CAP_FOWNER,
	CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,	     CAP_SETUID,
	CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
	CAP_KILL,    CAP_AUDIT_WRITE,
};

/* containers/common's default_capabilities (pkg/config/containers.conf). */
static const cap_value_t podman_caps[] = {
	CAP_CHOWN,   CAP_DAC_OVERRIDE,	   CAP_FOWNER,	   CAP_FSETID,
	CAP_KILL,    CAP_NET_BIND_SERVICE, CAP_SETFCAP,	   CAP_SETGID,
	CAP_SETPCAP, CAP_SETUID,	   CAP_SYS_CHROOT,
};

static uint64_t caps_mask(const cap_value_t *caps, size_t n)
{
	uint64_t m = 0;

	for (size_t i = 0; i < n; i++)
		m |= 1ULL << caps[i];
	return m;
}

int dg_profile_host_detect(struct dg_profile_host *h)
{
	struct utsname u;

	*h = (struct dg_profile_host){0};
	h->arch = seccomp_arch_native();
	if (h->arch == 0)
		return dg_err(ENOTSUP, "libseccomp does not know this machine's architecture");
	if (uname(&u) < 0)
		return dg_err(errno, "uname: %s", strerror(errno));
	/* moby's parseRelease(): "%d.%d" of the release, "6.18.2-amd64" is 6.18. */
	if (sscanf(u.release, "%u.%u", &h->kernel, &h->major) != 2)
		return dg_err(EINVAL, "cannot read the kernel version from the release \"%s\"",
			      u.release);
	h->caps = caps_mask(docker_caps, sizeof(docker_caps) / sizeof(docker_caps[0]));
	return 0;
}

/* libcap's number of "CAP_SYS_ADMIN" or "sys_admin" (any case); -1 if unknown. */
static int cap_number(const char *name)
{
	char lower[64];
	cap_value_t v;
	size_t i;

	if (strncasecmp(name, "CAP_", 4) != 0) {
		if (snprintf(lower, sizeof(lower), "cap_%s", name) >= (int)sizeof(lower))
			return -1;
	} else if (snprintf(lower, sizeof(lower), "%s", name) >= (int)sizeof(lower)) {
		return -1;
	}
	for (i = 0; lower[i]; i++)
		lower[i] = (char)tolower((unsigned char)lower[i]);
	/* libcap also takes numbers: the engines compare names only. */
	if (isdigit((unsigned char)lower[4]))
		return -1;
	if (cap_from_name(lower, &v) < 0 || v < 0 || v >= 64)
		return -1;
	return v;
}

int dg_caps_set_parse(const char *spec, uint64_t *out)
{
	_Static_assert(CAP_LAST_CAP < 64, "a capability set is 64 bits");
	char buf[1024], *save = NULL, *item;
	uint64_t set = 0;

	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf))
		return dg_err(EINVAL, "capability list too long");
	for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		bool drop = item[0] == '-';
		const char *name = drop || item[0] == '+' ? item + 1 : item;
		int cap;

		if (!drop && strcasecmp(name, "docker") == 0) {
			set |= caps_mask(docker_caps, sizeof(docker_caps) / sizeof(docker_caps[0]));
		} else if (!drop && strcasecmp(name, "podman") == 0) {
			set |= caps_mask(podman_caps, sizeof(podman_caps) / sizeof(podman_caps[0]));
		} else if (!drop && strcasecmp(name, "none") == 0) {
			set = 0;
		} else if (!drop && strcasecmp(name, "all") == 0) {
			set = cap_max_bits() >= 64 ? UINT64_MAX : (1ULL << cap_max_bits()) - 1;
		} else if ((cap = cap_number(name)) >= 0) {
			if (drop)
				set &= ~(1ULL << cap);
			else
				set |= 1ULL << cap;
		} else {
			return dg_err(EINVAL,
				      "\"%s\" is not a capability libcap knows nor docker, podman, "
				      "all or none; write e.g. docker,CAP_SYS_ADMIN,-CAP_NET_RAW",
				      item);
		}
	}
	*out = set;
	return 0;
}

/* "4.8" as moby's KernelVersion.UnmarshalJSON() reads it ("" is 0.0, always reached). */
static int parse_min_kernel(const struct pctx *c, const char *path, json_t *j, unsigned int *kernel,
			    unsigned int *major)
{
	unsigned int part[2] = {0, 0};
	const char *s, *p;
	int rc;

	rc = get_string(c, path, j, &s);
	if (rc < 0)
		return rc;
	*kernel = *major = 0;
	if (!s[0])
		return 0;
	p = s;
	for (int k = 0; k < 2; k++) {
		const char *start = p;

		while (*p >= '0' && *p <= '9' && part[k] <= 255)
			part[k] = part[k] * 10 + (unsigned int)(*p++ - '0');
		if (p == start || part[k] > 255 || (k == 0 && *p != '.') || (k == 1 && *p))
			return perr(c, path,
				    "invalid kernel version \"%s\"; write \"<kernel>.<major>\" "
				    "such as \"4.8\", each 0..255",
				    s);
		p++;
	}
	if (part[0] == 0 && part[1] == 0)
		return perr(c, path, "invalid kernel version \"%s\"; it cannot be 0.0", s);
	*kernel = part[0];
	*major = part[1];
	return 0;
}

/* Checks the names of "arches" and tells whether one is the native architecture. */
static int check_arches(const struct pctx *c, const char *path, json_t *list, bool *native)
{
	bool bad = false;
	json_t *e;
	size_t k;

	*native = false;
	KEEP_GOING(bad, get_string_array(c, path, list));
	if (bad || !list || json_is_null(list))
		return bad ? -EINVAL : 0;
	json_array_foreach(list, k, e)
	{
		const char *word = json_string_value(e);
		char epath[PATH_MAX_LEN];

		pathf(epath, sizeof(epath), "%s[%zu]", path, k);
		if (arch_word_row(word) < 0) {
			KEEP_GOING(bad, perr(c, epath,
					     "unknown architecture \"%s\"; Docker and Podman name "
					     "architectures as Go does: amd64, arm64, x86, arm, "
					     "ppc64le, s390x, riscv64, ...",
					     word));
			continue;
		}
		*native = *native || is_native_word(c->host, word);
	}
	return bad ? -EINVAL : 0;
}

/*
 * Checks "caps": in_set tells whether any (want_all false) or every (want_all
 * true) capability is in the host's set; an empty list gives want_all.
 */
static int check_caps(const struct pctx *c, const char *path, json_t *list, bool want_all,
		      bool *in_set)
{
	bool bad = false, any = false, all = true;
	json_t *e;
	size_t k;

	KEEP_GOING(bad, get_string_array(c, path, list));
	if (bad || !list || json_is_null(list)) {
		*in_set = want_all;
		return bad ? -EINVAL : 0;
	}
	json_array_foreach(list, k, e)
	{
		const char *name = json_string_value(e);
		char epath[PATH_MAX_LEN];
		bool held = false, upper = strncmp(name, "CAP_", 4) == 0;
		int cap;

		pathf(epath, sizeof(epath), "%s[%zu]", path, k);
		for (const char *p = name; upper && *p; p++)
			upper = !islower((unsigned char)*p);
		if (!upper) {
			KEEP_GOING(bad, perr(c, epath,
					     "\"%s\" never matches: the engines compare the "
					     "bounding set's names, written as \"CAP_SYS_ADMIN\"",
					     name));
			continue;
		}
		cap = cap_number(name);
		if (cap < 0)
			KEEP_GOING(bad, pwarn(c, epath,
					      "unknown capability \"%s\" (libcap does not know "
					      "it): taken as not in the container's set",
					      name));
		else
			held = c->host->caps & (1ULL << cap);
		any = any || held;
		all = all && held;
	}
	*in_set = want_all ? all : any;
	return bad ? -EINVAL : 0;
}

static bool kernel_at_least(const struct dg_profile_host *h, unsigned int kernel,
			    unsigned int major)
{
	return h->kernel > kernel || (h->kernel == kernel && h->major >= major);
}

int parse_rule_condition(const struct pctx *c, const char *path, json_t *filter, bool is_include,
			 bool *applies)
{
	static const char *const keys[] = {"caps", "arches", "minKernel"};
	char kpath[PATH_MAX_LEN];
	bool bad = false, native = false, caps = false;
	json_t *v;

	if (!filter || json_is_null(filter))
		return 0;
	if (!json_is_object(filter))
		return perr(c, path, "must be an object (caps, arches, minKernel), not %s",
			    json_type_name(filter));
	KEEP_GOING(bad, check_keys(c, path, filter, keys, sizeof(keys) / sizeof(keys[0])));

	pathf(kpath, sizeof(kpath), "%s.arches", path);
	v = json_object_get(filter, "arches");
	KEEP_GOING(bad, check_arches(c, kpath, v, &native));
	if (json_array_size(v) > 0 && native != is_include)
		*applies = false;

	pathf(kpath, sizeof(kpath), "%s.caps", path);
	KEEP_GOING(bad, check_caps(c, kpath, json_object_get(filter, "caps"), is_include, &caps));
	if (json_array_size(json_object_get(filter, "caps")) > 0 && caps != is_include)
		*applies = false;

	pathf(kpath, sizeof(kpath), "%s.minKernel", path);
	v = json_object_get(filter, "minKernel");
	if (v && !json_is_null(v)) {
		unsigned int kernel, major;
		int rc = parse_min_kernel(c, kpath, v, &kernel, &major);

		KEEP_GOING(bad, rc);
		if (rc == 0 && kernel_at_least(c->host, kernel, major) != is_include)
			*applies = false;
	}
	return bad ? -EINVAL : 0;
}

/*
 * An architecture name of archMap: the libseccomp token, or 0 for a
 * runtime-spec name that this libseccomp is too old to know (so it is not
 * the native architecture either).
 */
static int map_arch(const struct pctx *c, const char *path, json_t *j, uint32_t *token)
{
	const char *s;
	int rc;

	rc = get_string(c, path, j, &s);
	if (rc < 0)
		return rc;
	*token = 0;
	if (!s[0])
		return 0; /* moby's Go zero value: no architecture */
	rc = dg_arch_from_name(s, token);
	if (rc < 0 && dg_arch_name_is_oci(s))
		return 0;
	return rc < 0 ? pwrap(c, path, rc) : 0;
}

static int parse_sub_arches(const struct pctx *c, const char *path, json_t *list, bool native,
			    uint32_t *sub, size_t *n_sub)
{
	bool bad = false;
	json_t *s;
	size_t k;

	json_array_foreach(list, k, s)
	{
		char spath[PATH_MAX_LEN];
		uint32_t t = 0;
		int rc;

		pathf(spath, sizeof(spath), "%s[%zu]", path, k);
		rc = map_arch(c, spath, s, &t);
		KEEP_GOING(bad, rc);
		if (rc == 0 && t == 0 && native && json_string_value(s)[0])
			/* The runtime refuses an architecture libseccomp cannot name. */
			KEEP_GOING(bad, perr(c, spath,
					     "this libseccomp (%u.%u.%u) does not know \"%s\", a "
					     "sub-architecture of the native one",
					     SCMP_VER_MAJOR, SCMP_VER_MINOR, SCMP_VER_MICRO,
					     json_string_value(s)));
		else if (t)
			sub[(*n_sub)++] = t;
	}
	return bad ? -EINVAL : 0;
}

static int parse_arch_entry(const struct pctx *c, size_t i, json_t *e, struct dg_profile *p,
			    bool *done)
{
	static const char *const keys[] = {"architecture", "subArchitectures"};
	char path[PATH_MAX_LEN], kpath[PATH_MAX_LEN];
	_cleanup_free_ uint32_t *sub = NULL;
	uint32_t token = 0;
	bool bad = false, native;
	size_t n_sub = 0;
	json_t *v;
	int rc;

	pathf(path, sizeof(path), "archMap[%zu]", i);
	if (!json_is_object(e))
		return perr(c, path, "must be an object (architecture, subArchitectures), not %s",
			    json_type_name(e));
	KEEP_GOING(bad, check_keys(c, path, e, keys, 2));
	pathf(kpath, sizeof(kpath), "%s.architecture", path);
	v = json_object_get(e, "architecture");
	if (!v)
		KEEP_GOING(bad, perr(c, path, "\"architecture\" is required"));
	else
		KEEP_GOING(bad, map_arch(c, kpath, v, &token));
	native = token != 0 && token == c->host->arch;

	pathf(kpath, sizeof(kpath), "%s.subArchitectures", path);
	v = json_object_get(e, "subArchitectures");
	rc = get_string_array(c, kpath, v);
	KEEP_GOING(bad, rc);
	if (rc == 0 && json_array_size(v) > 0) {
		sub = calloc(json_array_size(v), sizeof(*sub));
		if (!sub)
			return dg_err(ENOMEM, "out of memory");
		KEEP_GOING(bad, parse_sub_arches(c, kpath, v, native, sub, &n_sub));
	}
	if (bad)
		return -EINVAL;
	/* The first entry of the native architecture counts, as in moby. */
	if (!native || *done)
		return 0;
	*done = true;
	rc = dg_profile_add_arch(p, token);
	for (size_t k = 0; k < n_sub && rc == 0; k++)
		rc = dg_profile_add_arch(p, sub[k]);
	return rc;
}

int parse_arch_map(const struct pctx *c, json_t *map, struct dg_profile *p)
{
	bool bad = false, done = false;
	json_t *e;
	size_t i;

	if (!json_is_array(map))
		return perr(c, "archMap",
			    "must be an array of {architecture, subArchitectures}, "
			    "not %s",
			    json_type_name(map));
	json_array_foreach(map, i, e) KEEP_GOING(bad, parse_arch_entry(c, i, e, p, &done));
	return bad ? -EINVAL : 0;
}
