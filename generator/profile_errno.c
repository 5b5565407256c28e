// SPDX-License-Identifier: GPL-2.0-only
/*
 * containers/common's "errno" and "defaultErrno" (pkg/seccomp/types.go): a
 * decimal number or a name of its table (pkg/seccomp/errno_list.go, the same
 * names in the same order), resolved as its getErrno() does. The values come
 * from this machine's <errno.h>, as Go's come from golang.org/x/sys/unix for
 * the architecture podman was built for.
 */
#include "generator/profile_load.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/errors.h"

/* One row of the table: the name and its value. */
// clang-format off
#define E(name) { #name, name }
// clang-format on

static const struct {
	const char *name;
	uint32_t value;
} errno_names[] = {
	E(EPERM),	    E(ENOENT),		E(ESRCH),	    E(EIO),
	E(ENXIO),	    E(E2BIG),		E(ENOEXEC),	    E(EBADF),
	E(ECHILD),	    E(EDEADLK),		E(ENOMEM),	    E(EACCES),
	E(EFAULT),	    E(ENOTBLK),		E(EBUSY),	    E(EEXIST),
	E(EXDEV),	    E(ENODEV),		E(ENOTDIR),	    E(EISDIR),
	E(EINVAL),	    E(ENFILE),		E(EMFILE),	    E(ENOTTY),
	E(ETXTBSY),	    E(EFBIG),		E(ENOSPC),	    E(ESPIPE),
	E(EROFS),	    E(EMLINK),		E(EPIPE),	    E(EDOM),
	E(ERANGE),	    E(EAGAIN),		E(EINPROGRESS),	    E(EALREADY),
	E(ENOTSOCK),	    E(EDESTADDRREQ),	E(EMSGSIZE),	    E(EPROTOTYPE),
	E(ENOPROTOOPT),	    E(EPROTONOSUPPORT), E(ESOCKTNOSUPPORT), E(EOPNOTSUPP),
	E(EPFNOSUPPORT),    E(EAFNOSUPPORT),	E(EADDRINUSE),	    E(EADDRNOTAVAIL),
	E(ENETDOWN),	    E(ENETUNREACH),	E(ENETRESET),	    E(ECONNABORTED),
	E(ECONNRESET),	    E(ENOBUFS),		E(EISCONN),	    E(ENOTCONN),
	E(ESHUTDOWN),	    E(ETOOMANYREFS),	E(ETIMEDOUT),	    E(ECONNREFUSED),
	E(ELOOP),	    E(ENAMETOOLONG),	E(EHOSTDOWN),	    E(EHOSTUNREACH),
	E(ENOTEMPTY),	    E(EUSERS),		E(EDQUOT),	    E(ESTALE),
	E(EREMOTE),	    E(ENOLCK),		E(ENOSYS),	    E(EILSEQ),
	E(ENOMEDIUM),	    E(EMEDIUMTYPE),	E(EOVERFLOW),	    E(ECANCELED),
	E(EIDRM),	    E(ENOMSG),		E(ENOTSUP),	    E(EBADMSG),
	E(ENOTRECOVERABLE), E(EOWNERDEAD),
};

/* strconv.ParseUint(s, 10, 32): decimal digits only, at most 2^32 - 1. */
static bool parse_decimal(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (!s[0])
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

int dg_errno_from_string(const char *s, uint32_t *out)
{
	if (parse_decimal(s, out))
		return 0;
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++) {
		if (strcmp(s, errno_names[i].name) == 0) {
			*out = errno_names[i].value;
			return 0;
		}
	}
	return dg_err(EINVAL,
		      "unknown errno \"%s\"; give a number or a name Podman knows, such as "
		      "\"EPERM\" or \"ENOSYS\"",
		      s);
}
