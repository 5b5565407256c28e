// SPDX-License-Identifier: GPL-2.0-only
#include "common/errors.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool dg_verbose;
bool dg_quiet;

static _Thread_local char errmsg[2048];

int dg_err(int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
	va_end(ap);
	return errnum > 0 ? -errnum : (errnum < 0 ? errnum : -EINVAL);
}

int dg_err_wrap(int rc, const char *fmt, ...)
{
	char ctx[1024], old[sizeof(errmsg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(old, errmsg, sizeof(old));
	if (old[0])
		snprintf(errmsg, sizeof(errmsg), "%.1000s: %.1000s", ctx, old);
	else
		snprintf(errmsg, sizeof(errmsg), "%s: %s", ctx, strerror(rc < 0 ? -rc : rc));
	return rc;
}

const char *dg_errmsg(void)
{
	return errmsg;
}

void dg_err_clear(void)
{
	errmsg[0] = '\0';
}

static void vprint(const char *level, const char *fmt, va_list ap)
{
	fprintf(stderr, "driftguard: %s", level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void dg_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint("warning: ", fmt, ap);
	va_end(ap);
}

void dg_info(const char *fmt, ...)
{
	va_list ap;

	if (dg_quiet)
		return;
	va_start(ap, fmt);
	vprint("", fmt, ap);
	va_end(ap);
}

void dg_debug(const char *fmt, ...)
{
	va_list ap;

	if (!dg_verbose)
		return;
	va_start(ap, fmt);
	vprint("debug: ", fmt, ap);
	va_end(ap);
}
