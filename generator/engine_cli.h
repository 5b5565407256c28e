/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What kind of container command `driftguard learn -- CMD` is given, beyond
 * an OCI runtime's `run|create --bundle` (learn_bundle.h):
 *  - podman: it runs its container under itself (podman -> conmon -> runc),
 *    with the engine's seccomp profile, so the seccomp gate finds where the
 *    container starts;
 *  - a client of a container daemon (the docker CLI, nerdctl, ctr,
 *    podman-remote, docker-compose): the container runs under the daemon
 *    (dockerd -> containerd -> shim -> runc), not under the CLI, so learning
 *    the command would only learn the CLI.
 *
 * A binary is told by what it is, not only by what it is called: Go programs
 * carry their main package in their build info ("path\tgithub.com/docker/
 * cli/cmd/docker"), which a renamed or copied binary keeps (this machine has
 * a static docker 28 CLI in /usr/local/bin beside Debian's 20.10 one). The
 * name of the command and of the file it resolves to (PATH, symlinks) is
 * the fallback for a binary without Go build info.
 */
#ifndef __DG_ENGINE_CLI_H
#define __DG_ENGINE_CLI_H

#include <stdbool.h>
#include <stddef.h>

enum dg_engine_cli {
	DG_CLI_OTHER,
	DG_CLI_PODMAN,
	DG_CLI_DAEMON_CLIENT,
};

/*
 * Which kind cmd (argv, cmd[0] looked up in PATH as execvp would) is;
 * name (NULL: not wanted) receives the engine's name ("docker", "podman",
 * "nerdctl", ...), "" for DG_CLI_OTHER.
 */
enum dg_engine_cli dg_engine_cli_of(char *const *cmd, char *name, size_t len);

/*
 * Whether the command line starts or enters a container: one of its words is
 * run, create, start, restart, exec or up (docker compose).
 */
bool dg_engine_cli_starts_container(char *const *cmd);

#endif /* __DG_ENGINE_CLI_H */
