/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Writing a generated file (a profile, capability sets) so that no reader
 * sees half of it, and so that an output path never replaces something that
 * is not a file. What a path names decides how it is written:
 *
 *   "-", /dev/stdout, /dev/stderr,   that descriptor of driftguard, written
 *   /dev/fd/N, /proc/self/fd/N       as is (a `-o >(jq .)` works; a
 *                                    redirected stdout is appended to, not
 *                                    replaced)
 *   nothing yet, or a regular file   a temporary file beside it (mode 0644,
 *                                    whatever the umask: runtimes read
 *                                    profiles as any config), fsync, rename
 *                                    over path, fsync of the directory. A
 *                                    replaced file's mode and owner are not
 *                                    kept.
 *   a character device (/dev/null,   opened and written through, never
 *   a terminal) or a FIFO            replaced; a FIFO waits for its reader
 *   a directory, a symbolic link,    refused, saying what it is and what to
 *   a socket, a block device         give instead. A link is not followed:
 *                                    run as root, a link planted where the
 *                                    output goes could redirect the write
 *                                    onto any file; give the target's path.
 *
 * Errors are a negative errno and a message starting with the path:
 * -EISDIR (directory), -ELOOP (link), -ENXIO (socket), -EINVAL (block
 * device), -EBADF (a descriptor not open for writing), or the failing call's.
 */
#ifndef __DG_TEXT_FILE_H
#define __DG_TEXT_FILE_H

/*
 * Checks, without writing, that path can be written as above: what it names
 * is writable, a descriptor is open for writing, a new or regular file's
 * directory exists and may be written. Run it before the work whose result
 * goes to path, so a wrong -o fails at once; the write checks again.
 */
int dg_output_check(const char *path);

/*
 * Writes text to path as above. On failure a regular file at path is left as
 * it was and the temporary file is removed.
 */
int dg_write_text_file(const char *text, const char *path);

#define DG_PARTIAL_SUFFIX ".partial"

/*
 * For a result that is not complete (a workload that failed or was killed):
 * writes text beside path, to PATH.partial, whether or not path exists, so
 * that a profile at path is never replaced by a partial one and a partial
 * one never carries the final name. An output that is not a file (a
 * descriptor, a device, a FIFO) holds nothing to protect: text goes there.
 * *written receives the path written (free() it) for "... written to X";
 * NULL on error.
 */
int dg_write_text_file_beside(const char *text, const char *path, char **written);

#endif /* __DG_TEXT_FILE_H */
