// SPDX-License-Identifier: GPL-2.0-only
/*
 * A threaded workload: N threads each sum a range and hand the result back
 * through a pipe. Its syscalls (clone/clone3, futex, pipe I/O, ...) come from
 * several threads, which the recorder must all follow.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NTHREADS 4

static int pipefd[2];

static void *work(void *arg)
{
	long id = (long)arg, sum = 0;

	for (long i = id * 1000; i < (id + 1) * 1000; i++)
		sum += i;
	if (write(pipefd[1], &sum, sizeof(sum)) != sizeof(sum))
		abort();
	return NULL;
}

int main(void)
{
	pthread_t t[NTHREADS];
	long total = 0, part;

	if (pipe(pipefd))
		return 1;
	for (long i = 0; i < NTHREADS; i++)
		if (pthread_create(&t[i], NULL, work, (void *)i))
			return 1;
	for (int i = 0; i < NTHREADS; i++) {
		if (read(pipefd[0], &part, sizeof(part)) != sizeof(part))
			return 1;
		total += part;
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	printf("threads: %d, total %ld\n", NTHREADS, total);
	return 0;
}
