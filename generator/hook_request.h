/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What `driftguard hook` is asked to do, read from what an OCI runtime hands
 * a hook on stdin (the runtime-spec "state": ociVersion, id, pid, bundle,
 * annotations) and from podman's io.containers.trace-syscall annotation, in
 * the syntax of oci-seccomp-bpf-hook: "[if:INPUT;]of:OUTPUT" - at most one
 * ';', each part "if:" or "of:" followed by an absolute path (blanks around
 * it are dropped), of: mandatory. No libbpf here: unit-tested (test_hook).
 */
#ifndef __DG_HOOK_REQUEST_H
#define __DG_HOOK_REQUEST_H

#include <limits.h>
#include <sys/types.h>

#define DG_TRACE_SYSCALL_ANNOTATION "io.containers.trace-syscall"

struct dg_hook_request {
	pid_t pid;    /* the container's init, in the runtime's pid namespace */
	char id[256]; /* the container's id */
	char bundle[PATH_MAX];
	char output[PATH_MAX]; /* of: */
	char input[PATH_MAX];  /* if:, "" when not given */
};

/*
 * Parse the annotation's value into out->output and out->input. -EINVAL with
 * a message that quotes the value and says what the syntax is.
 */
int dg_hook_parse_annotation(const char *value, struct dg_hook_request *out);

/*
 * Parse the state JSON (text, NUL-terminated) and its annotation. -EINVAL
 * with a message when it is not a state a runtime would send (no pid, a pid
 * <= 0, no id) or lacks the annotation; the annotation's errors as above.
 */
int dg_hook_request_parse(const char *text, struct dg_hook_request *out);

#endif /* __DG_HOOK_REQUEST_H */
