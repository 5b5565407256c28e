/* SPDX-License-Identifier: GPL-2.0-only */
/* Writing a generated file (a profile, capability sets) so that no reader sees half of it. */
#ifndef __DG_TEXT_FILE_H
#define __DG_TEXT_FILE_H

/*
 * Write `text` to `path` atomically: a temporary file beside it (mode 0644:
 * runtimes read profiles as any config), fsync, rename over path, fsync of
 * the directory. "-" writes to standard output. On failure path is left as
 * it was and the temporary file is removed. Negative errno and a message.
 */
int dg_write_text_file(const char *text, const char *path);

#endif /* __DG_TEXT_FILE_H */
