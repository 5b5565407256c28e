/* SPDX-License-Identifier: GPL-2.0-only */
/* Small language helpers every unit may use. */
#ifndef __DG_MACROS_H
#define __DG_MACROS_H

/*
 * 0, but a compile error when `a` is a pointer rather than an array (the
 * kernel's __must_be_array): a pointer's size divided by its element's is a
 * wrong count, silently.
 */
#define DG_MUST_BE_ARRAY(a)                                                                  \
	(sizeof(struct {                                                                     \
		int : (-!!__builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0]))); \
	}))

/* Number of elements of an array (of a pointer, it does not compile). */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]) + DG_MUST_BE_ARRAY(a))

#endif /* __DG_MACROS_H */
