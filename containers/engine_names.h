/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The names engines keep outside the OCI state. runc's state and the
 * bundle's annotations name Kubernetes containers, but neither docker nor
 * podman writes a container's name there:
 *  - docker keeps it in <data-root>/containers/<id>/config.v2.json ("Name":
 *    "/web"); the bundle's config.json bind-mounts that directory's
 *    hostname file onto /etc/hostname, which is how the data root is found
 *    whatever --data-root says;
 *  - podman's storage (containers/storage) keeps it in the "names" of the
 *    container's entry in <graphroot>/<driver>-containers/containers.json;
 *    the bundle is <graphroot>/<driver>-containers/<id>/userdata.
 * Both files are written by the engine, as root, in directories a container
 * cannot write, and both before the engine calls the OCI runtime: docker
 * writes config.v2.json at `docker create` (the bundle's config.json is
 * written before `runc create`), containers/storage adds the entry to
 * containers.json at `podman create`. So the name is there when the
 * runtime's state first appears (tested: learn_docker.sh, learn_podman.sh).
 */
#ifndef __DG_ENGINE_NAMES_H
#define __DG_ENGINE_NAMES_H

#include "containers/identity.h"

/*
 * Fills in ident->name from the engine's own records when it is empty and
 * ident->runtime is docker or podman (ident->id and ident->bundle are used).
 * A name that cannot be found is left empty: the container is still named
 * by its id.
 */
void dg_engine_name_fill(struct dg_identity *ident);

/*
 * dg_engine_name_fill(), and while the name is still missing and the
 * container's process is held at its exec fifo (dg_runtime_state_held() of
 * state_root; NULL: not known, no retry), looked for again every 10 ms, for
 * max_ms at most: a name written late is still found before the process
 * runs. The engines write it first (above); this covers a record replaced
 * or written out of the usual order. Sleeps: for callers that may wait.
 */
void dg_engine_name_fill_held(struct dg_identity *ident, const char *state_root,
			      unsigned int max_ms);

#endif /* __DG_ENGINE_NAMES_H */
