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
 * cannot write.
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

#endif /* __DG_ENGINE_NAMES_H */
