/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading seccomp profiles as the container engines read them, with every
 * problem of a file reported at once.
 *
 * Two forms:
 *  - the OCI runtime-spec form (config-linux.md#seccomp), what runc and crun
 *    read from config.json's linux.seccomp;
 *  - the engines' form, what `docker run --security-opt seccomp=FILE` and
 *    podman read: moby's profiles/seccomp (includes/excludes with arches,
 *    caps, minKernel; archMap; the legacy "name") and containers/common's
 *    pkg/seccomp (also "errno"/"defaultErrno" as errno names). The engines
 *    evaluate the conditions for the host and the container and hand the
 *    runtime the OCI form; driftguard does the same for a struct
 *    dg_profile_host, so the profile in memory is always the OCI form.
 *
 * All functions follow common/error.h: negative errno + dg_errmsg().
 */
#ifndef __DG_PROFILE_LOAD_H
#define __DG_PROFILE_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "generator/profile.h"

/* One problem of a file: "FILE: JSON.PATH: what is wrong; what to do". */
struct dg_problem {
	bool error; /* false: a warning, the file is still usable */
	char *msg;
};

/* The problems of one or more files, in the order they were found. */
struct dg_problems {
	struct dg_problem *v;
	size_t n;
	size_t n_errors;
};

int dg_problems_add(struct dg_problems *list, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Frees the messages; the list is empty (and reusable) afterwards. */
void dg_problems_free(struct dg_problems *list);

/*
 * What the conditions of an engine profile are evaluated against: moby's
 * setupSeccomp() takes the architecture dockerd was built for, uname(2)'s
 * release and the bounding set of the container it creates.
 */
struct dg_profile_host {
	uint32_t arch;	     /* libseccomp token of the native architecture */
	unsigned int kernel; /* 6 of "6.18.2-amd64" */
	unsigned int major;  /* 18 of "6.18.2-amd64" */
	uint64_t caps;	     /* the container's bounding set: bit n is capability n */
};

/*
 * This machine (seccomp_arch_native(), uname(2)) and, without a container to
 * look at, the bounding set `docker run` gives one by default.
 */
int dg_profile_host_detect(struct dg_profile_host *host);

/*
 * A capability set from a comma-separated list, applied left to right:
 * "docker" (Docker's 14 default capabilities), "podman" (containers.conf's 11),
 * "all", "none", "CAP_X" or "X" (add), "-CAP_X" (drop). Case does not matter.
 * "docker,CAP_SYS_ADMIN" is what `docker run --cap-add SYS_ADMIN` gets.
 */
int dg_caps_set_parse(const char *spec, uint64_t *out);

/*
 * Reads a profile.
 *  host NULL: the OCI form only, as a runtime reads it. Keys of the engines'
 *    form are errors (runtimes ignore them, which would change what the
 *    profile allows), and so are syscall names libseccomp does not know.
 *  host given: a bare profile may be in the engines' form, evaluated for host.
 *    Syscall names this libseccomp does not know are warnings and left out,
 *    as runc and crun leave them out. The linux.seccomp of a whole
 *    config.json is the OCI form still: the runtime reads it, so engine keys
 *    in it remain errors.
 * Every problem goes to problems; any error returns a negative errno
 * (dg_errmsg(): "FILE: N problems", or the one problem) and leaves *out NULL.
 */
int dg_profile_read_file(const char *path, const struct dg_profile_host *host,
			 struct dg_problems *problems, struct dg_profile **out);
int dg_profile_read_string(const char *text, const char *name, const struct dg_profile_host *host,
			   struct dg_problems *problems, struct dg_profile **out);

/*
 * An errno value from containers/common's "errno"/"defaultErrno" string: a
 * decimal number or one of the names of its errno_list.go ("EPERM", ...).
 */
int dg_errno_from_string(const char *s, uint32_t *out);

#endif /* __DG_PROFILE_LOAD_H */
