/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one error convention of driftguard (docs/error-handling.md):
 * a function that can fail returns a negative errno and, through dg_err(),
 * leaves a message saying what went wrong. A caller that adds context wraps
 * the message with dg_err_wrap() and passes the same code up. main() prints
 * the final message once, as one line.
 */
#ifndef __DG_ERROR_H
#define __DG_ERROR_H

#include <stdbool.h>

/* Sets the message of the current error and returns -errnum (errnum > 0). */
int dg_err(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prefixes the current message with "context: " and returns rc unchanged. */
int dg_err_wrap(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The current error message ("" when none was set). */
const char *dg_errmsg(void);

/* Clears the current message, for code that handles an error and goes on. */
void dg_err_clear(void);

/* Diagnostics printed to stderr with the program prefix. */
void dg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void dg_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

extern bool dg_verbose;
extern bool dg_quiet;

#endif /* __DG_ERROR_H */
