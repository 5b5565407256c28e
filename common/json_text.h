/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Bytes from the kernel or the filesystem (file names, a 15-byte comm cut
 * inside a character, cgroup names) as JSON text. jansson only takes valid
 * UTF-8: such bytes are carried, never dropped, in this scheme:
 *
 *   valid UTF-8:  "key": the text itself, nothing else.
 *   otherwise:    "key": the text with each byte that is not part of a
 *                        valid UTF-8 character written as \xNN (two
 *                        lowercase hex digits) and each backslash doubled,
 *                        so the text alone can be decoded back;
 *                 "key_base64": the raw bytes (RFC 4648 base64), present
 *                        only then.
 *
 * Valid UTF-8 is RFC 3629's, as jansson checks it: no overlong forms, no
 * surrogates, nothing above U+10FFFF.
 */
#ifndef __DG_JSON_TEXT_H
#define __DG_JSON_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* The suffix of the key that holds the raw bytes of text that is not UTF-8. */
#define DG_JSON_RAW_SUFFIX "_base64"

/* Are the `len` bytes at `s` valid UTF-8 (a NUL byte is not)? */
bool dg_utf8_valid(const char *s, size_t len);

/* The first `len` bytes of `s` (up to a NUL) as JSON text, escaped as above when not UTF-8. NULL
 * when out of memory. */
json_t *dg_json_text(const char *s, size_t len);

/*
 * obj[key] = dg_json_text(s, up to its NUL or `max` bytes), and, when those
 * bytes are not UTF-8, obj[key "_base64"] = their base64. 0, or -ENOMEM.
 */
int dg_json_set_text(json_t *obj, const char *key, const char *s, size_t max);

/*
 * The raw bytes of obj[key] as dg_json_set_text() wrote them, into buf
 * (NUL-terminated): key_base64 decoded when present, else the text. The
 * length, or -EINVAL when they do not fit or do not decode.
 */
long dg_json_get_text(const json_t *obj, const char *key, char *buf, size_t len);

#endif /* __DG_JSON_TEXT_H */
