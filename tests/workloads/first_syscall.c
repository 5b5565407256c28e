// SPDX-License-Identifier: GPL-2.0-only
/*
 * A workload whose very first action is an unusual syscall (getcpu), with no
 * libc start-up before it: a recorder that registers the process late (after
 * exec, or after the first syscalls) misses it.
 */
#define X64_GETCPU 309
#define X64_EXIT_GROUP 231

static long syscall3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

void _start(void);
void _start(void)
{
	unsigned int cpu;

	syscall3(X64_GETCPU, (long)&cpu, 0, 0);
	syscall3(X64_EXIT_GROUP, 0, 0, 0);
	for (;;)
		;
}
