/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `driftguard hook`, an OCI prestart hook for podman's
 * io.containers.trace-syscall annotation (generator/hook_request.h): it arms
 * learning for the container in a detached learner and returns, so that the
 * container starts; the learner writes the profile when the container's init
 * exits, with the machinery of `learn --next` (cli/learn_run.c).
 */
#ifndef __DG_CLI_LEARN_HOOK_H
#define __DG_CLI_LEARN_HOOK_H

#include "generator/hook_request.h"

/* How long the hook waits for the learner to arm recording before it fails. */
#define DG_HOOK_ARM_TIMEOUT_MS 10000

/*
 * Check the request (root, the output path, the if: profile), start the
 * learner (double fork, a session of its own, stdio to `log` or /dev/null,
 * its outcome to syslog) and wait until it has armed recording. 0 once it
 * has; else a negative errno with the message the hook prints, and no
 * learner is left running: podman then fails to start the container
 * rather than run it unrecorded.
 */
int learn_hook_start(const struct dg_hook_request *req, const char *log);

#endif /* __DG_CLI_LEARN_HOOK_H */
