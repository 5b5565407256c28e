// SPDX-License-Identifier: GPL-2.0-only
/*
 * The user side of our mimics of Inspektor Gadget's and the Security Profiles
 * Operator's per-mount-namespace recorders (peer_mntns.bpf.c says what is
 * mimicked, and that it is their design, not their code). It loads one of
 * the two sys_enter programs, with only that design's maps, and sets it up as
 * the tool would be on a host:
 *  IG   nothing to set: advise_seccomp records every mount namespace;
 *  SPO  recording on, the host's mount namespace excluded, as the operator
 *       does in Kubernetes (the caller names it: /proc/1/ns is not always
 *       readable, even by root); the caller's namespace must differ from it
 *       (syscall_cost runs in its own, as a container's task does);
 *  SPO, excluded: the caller's own mount namespace in exclude_mntns too, so
 *       that its syscalls take the path of the host's tasks.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench/peers.h"
#include "bench/peer_mntns.skel.h"
#include "common/cleanup.h"
#include "common/errors.h"

struct peer_mntns {
	struct peer_mntns_bpf *skel;
	struct bpf_link *link;
	struct bpf_program *prog;
};

DG_DEFINE_CLEANUP(struct peer_mntns *, peer_mntns_stop);

int peer_mntns_self(uint32_t *inum)
{
	struct stat st;

	if (stat("/proc/self/ns/mnt", &st))
		return dg_err(errno, "cannot read /proc/self/ns/mnt: %s", strerror(errno));
	*inum = (uint32_t)st.st_ino;
	return 0;
}

static int spo_exclude(struct peer_mntns *p, uint32_t inum)
{
	uint8_t one = 1;

	if (bpf_map__update_elem(p->skel->maps.spo_exclude_mntns, &inum, sizeof(inum), &one,
				 sizeof(one), BPF_ANY))
		return dg_err(errno, "cannot exclude mount namespace %u: %s", inum,
			      strerror(errno));
	return 0;
}

static int spo_setup(struct peer_mntns *p, enum peer_mntns_design design, uint32_t host)
{
	uint32_t self;
	int rc;

	rc = peer_mntns_self(&self);
	if (rc)
		return rc;
	if (design == PEER_SPO && host == self)
		return dg_err(EINVAL,
			      "the SPO mimic records only tasks outside the host's mount "
			      "namespace, and this one is in it (unshare(CLONE_NEWNS) first)");
	rc = spo_exclude(p, host);
	if (!rc && design == PEER_SPO_EXCLUDED)
		rc = spo_exclude(p, self);
	if (rc)
		return rc;
	p->skel->bss->spo_recording = true;
	return 0;
}

int peer_mntns_start(enum peer_mntns_design design, uint32_t host_mntns, struct peer_mntns **out)
{
	_cleanup_(peer_mntns_stopp) struct peer_mntns *p = calloc(1, sizeof(*p));
	bool ig = design == PEER_IG;
	int rc;

	if (!p)
		return dg_err(ENOMEM, "out of memory");
	p->skel = peer_mntns_bpf__open();
	if (!p->skel)
		return dg_err(errno, "cannot open the peers' mimic (peer_mntns.bpf.c): %s",
			      strerror(errno));
	/* One design at a time: the other's program and maps are not created. */
	bpf_program__set_autoload(p->skel->progs.ig_sys_enter, ig);
	bpf_program__set_autoload(p->skel->progs.spo_sys_enter, !ig);
	bpf_map__set_autocreate(p->skel->maps.ig_syscalls_per_mntns, ig);
	bpf_map__set_autocreate(p->skel->maps.spo_exclude_mntns, !ig);
	bpf_map__set_autocreate(p->skel->maps.spo_mntns_syscalls, !ig);
	bpf_map__set_autocreate(p->skel->maps.spo_active_pids, !ig);
	bpf_map__set_autocreate(p->skel->maps.spo_events, !ig);
	rc = peer_mntns_bpf__load(p->skel);
	if (rc)
		return dg_err(-rc, "cannot load the %s mimic: %s", ig ? "IG" : "SPO",
			      strerror(-rc));
	if (!ig) {
		rc = spo_setup(p, design, host_mntns);
		if (rc)
			return rc;
	}
	p->prog = ig ? p->skel->progs.ig_sys_enter : p->skel->progs.spo_sys_enter;
	p->link = bpf_program__attach(p->prog);
	if (!p->link)
		return dg_err(errno, "cannot attach the %s mimic: %s", ig ? "IG" : "SPO",
			      strerror(errno));
	*out = TAKE_PTR(p);
	return 0;
}

int peer_mntns_prog_fd(const struct peer_mntns *p)
{
	return bpf_program__fd(p->prog);
}

void peer_mntns_stop(struct peer_mntns *p)
{
	if (!p)
		return;
	bpf_link__destroy(p->link);
	peer_mntns_bpf__destroy(p->skel);
	free(p);
}
