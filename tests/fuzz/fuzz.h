/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every libFuzzer harness of tests/fuzz shares: the entry point's
 * prototype, the input as a C string (the parsers take NUL-ended text),
 * splitting one input into several documents, and a check that turns a
 * broken invariant into a crash the fuzzer records.
 */
#ifndef __DG_FUZZ_H
#define __DG_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Between the documents of one input (profiles to merge, crun's two files). */
#define FUZZ_SEPARATOR "\n%%\n"

/* A broken invariant is a bug like a crash: abort, and libFuzzer saves the input. */
#define FUZZ_CHECK(cond, ...)                                                               \
	do {                                                                                \
		if (!(cond)) {                                                              \
			fprintf(stderr, "fuzz: %s:%d: invariant \"%s\" broken: ", __FILE__, \
				__LINE__, #cond);                                           \
			fprintf(stderr, __VA_ARGS__);                                       \
			fputc('\n', stderr);                                                \
			abort();                                                            \
		}                                                                           \
	} while (0)

/* The input as a string the caller free()s; a NUL byte in it ends the string. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * Cuts s in place at each FUZZ_SEPARATOR into at most max parts; the last
 * part keeps any further separators. Returns the number of parts (>= 1).
 */
static inline size_t fuzz_split(char *s, char **parts, size_t max)
{
	size_t n = 0;

	while (n + 1 < max) {
		char *sep = strstr(s, FUZZ_SEPARATOR);

		if (!sep)
			break;
		*sep = '\0';
		parts[n++] = s;
		s = sep + strlen(FUZZ_SEPARATOR);
	}
	parts[n++] = s;
	return n;
}

#endif /* __DG_FUZZ_H */
