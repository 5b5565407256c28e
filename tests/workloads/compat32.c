// SPDX-License-Identifier: GPL-2.0-only
/*
 * A 64-bit program that makes one i386 (compat) syscall through int 0x80:
 * getpid is 20 on i386 but 20 is writev on x86-64, so a recorder that names
 * compat syscalls with the native table reports "writev". No libc: the only
 * other syscalls are write and exit_group (x86-64), so a profile can be
 * checked exactly.
 */
#define I386_GETPID 20
#define X64_WRITE 1
#define X64_EXIT_GROUP 231

static long compat_syscall0(long nr)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr) : "memory");
	return ret;
}

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
	static const char ok[] = "compat getpid ok\n", bad[] = "compat getpid failed\n";
	long pid = compat_syscall0(I386_GETPID);

	if (pid > 0)
		syscall3(X64_WRITE, 1, (long)ok, sizeof(ok) - 1);
	else
		syscall3(X64_WRITE, 1, (long)bad, sizeof(bad) - 1);
	syscall3(X64_EXIT_GROUP, pid > 0 ? 0 : 1, 0, 0);
	for (;;)
		;
}
