/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Scope-based cleanup (as systemd and crun do): a variable declared with one
 * of these is released when it leaves scope, so error paths need no ladders.
 * TAKE_PTR/TAKE_FD hand ownership out of the scope.
 */
#ifndef __DG_CLEANUP_H
#define __DG_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void dg_freep(void *p)
{
	free(*(void **)p);
}

static inline void dg_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

static inline void dg_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(dg_freep)
#define _cleanup_close_ _cleanup_(dg_closep)
#define _cleanup_fclose_ _cleanup_(dg_fclosep)

/* Defines name##p(type *) that calls func(*p) when *p is non-NULL. */
#define DG_DEFINE_CLEANUP(type, func)       \
	static inline void func##p(type *p) \
	{                                   \
		if (*p)                     \
			func(*p);           \
	}

#define TAKE_PTR(p)                     \
	({                              \
		__typeof__(p) _p = (p); \
		(p) = NULL;             \
		_p;                     \
	})

#define TAKE_FD(fd)             \
	({                      \
		int _fd = (fd); \
		(fd) = -1;      \
		_fd;            \
	})

#endif /* __DG_CLEANUP_H */
