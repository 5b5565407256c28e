/* SPDX-License-Identifier: GPL-2.0-only */
/* Choosing the enforcing backend and loading its programs (enforce_load.c). */
#ifndef __DG_ENFORCE_LOAD_H
#define __DG_ENFORCE_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/enforce.h"
#include "enforcer/enforcer.h"

struct enforce_bpf;

/*
 * The backend `choice` allows that works here, its programs opened with
 * `host_pidns`, loaded and attached (*out); *backend is what enforces and
 * `why` says which flavour and why, for the start line. A fentry flavour
 * that fails to load falls back to tracepoints; a tracepoint flavour whose
 * ELF loader check the kernel refuses runs without it and says so.
 */
int dg_enforce_load(enum dg_backend_choice choice, uint32_t host_pidns, struct enforce_bpf **out,
		    enum dg_backend *backend, char *why, size_t why_len);

#endif /* __DG_ENFORCE_LOAD_H */
