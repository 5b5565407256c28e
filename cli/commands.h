/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One entry point per CLI verb (one file each: cmd_<verb>.c). Each parses its
 * own options with argp, returns the process exit status, and prints errors
 * as one line "driftguard <verb>: what is wrong; what to do".
 */
#ifndef __DG_COMMANDS_H
#define __DG_COMMANDS_H

int cmd_learn(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_enforce(int argc, char **argv);
int cmd_reload(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_hook(int argc, char **argv);

#endif /* __DG_COMMANDS_H */
