// SPDX-License-Identifier: GPL-2.0-only
/* sd_notify(3) states of enforce (service_notify.h). */
#include "cli/service_notify.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/errors.h"
#include "config.h"

#if DG_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>

static void notify(const char *state)
{
	int rc = sd_notify(0, state);

	/* Not fatal: systemd would time the start out, and say so itself. */
	if (rc < 0)
		dg_warn("cannot tell systemd %s: %s", state, strerror(-rc));
}
#else
static void notify(const char *state)
{
	dg_debug("built without libsystemd: not telling a service manager %s", state);
}
#endif

void dg_notify_ready(void)
{
	notify("READY=1\nSTATUS=enforcing");
}

void dg_notify_reloading(void)
{
	struct timespec now;
	char state[96];

	/* MONOTONIC_USEC: what systemd >= 253 wants with RELOADING=1 (older ones ignore it). */
	clock_gettime(CLOCK_MONOTONIC, &now);
	snprintf(state, sizeof(state), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)now.tv_sec * 1000000ULL +
			 (unsigned long long)now.tv_nsec / 1000ULL);
	notify(state);
}

void dg_notify_stopping(void)
{
	notify("STOPPING=1");
}
