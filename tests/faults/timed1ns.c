/*
 * timed1ns.c - many timed calls of 1 ns that all time out.
 *
 *   timed1ns [--calls N]
 *
 * Two threads make N/2 pcq_get_timed(1 ns) calls each on one empty queue,
 * then two threads N/20 pcq_put_timed(1 ns) each on a full one. Every call
 * must return ETIMEDOUT; afterwards the process may not have grown (heap in
 * use by mallinfo2, resident set by /proc/self/statm, within RSS_SLACK),
 * the queues must be back in their idle state (check_idle_state: waiter
 * counts 0, semaphore tokens as the invariants say) and still work: a
 * capacity's worth of try_puts fits, one more does not, and they come out.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "harness.h"
#include "waiters.h"

#define CAPACITY 4
#define RSS_SLACK_KB 256 /* page-granular noise: stacks, libc buffers */

static long calls_each;
static atomic_long wrong;

static void *hammer(void *arg)
{
	pcq_t *q = arg;
	/* A wait whose deadline has passed still costs the timer slack (50
	 * us by default) in the kernel: 10^7 calls would take 8 minutes. */
	prctl(PR_SET_TIMERSLACK, 1ul, 0ul, 0ul, 0ul);
	bool put = pcq_size(q) == CAPACITY;
	long n = put ? calls_each / 10 : calls_each;
	for (long i = 0; i < n; i++) {
		void *item = NULL;
		int rc = put ? pcq_put_timed(q, (void *)1, 1) :
			       pcq_get_timed(q, &item, 1);
		if (rc != ETIMEDOUT)
			atomic_fetch_add(&wrong, 1);
	}
	return NULL;
}

static void run(pcq_t *q)
{
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, hammer, q);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
}

static long rss_kb(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f == NULL || fscanf(f, "%ld %ld", &pages, &resident) != 2)
		abort();
	fclose(f);
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static size_t heap_in_use(void)
{
	struct mallinfo2 m = mallinfo2();
	return m.uordblks + m.hblkhd;
}

/* The queue still works: exactly `room` more items fit, then all come
 * out. Leaves q as it found it (held items are put back). */
static int still_works(pcq_t *q, size_t held)
{
	size_t room = CAPACITY - held, in = 0, out = 0;
	while (pcq_try_put(q, (void *)2) == 0 && in <= room)
		in++;
	void *item;
	while (pcq_try_get(q, &item) == 0 && out <= CAPACITY)
		out++;
	for (size_t i = 0; i < held; i++)
		pcq_try_put(q, (void *)1);
	printf("  %zu try_puts fitted (want %zu), %zu try_gets (want %d)\n",
	       in, room, out, CAPACITY);
	return in == room && out == CAPACITY ? 0 : 1;
}

int main(int argc, char **argv)
{
	long calls = 10000000;
	if (argc == 3 && !strcmp(argv[1], "--calls"))
		calls = atol(argv[2]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	pcq_t *empty = pcq_create(CAPACITY, 0);
	pcq_t *full = pcq_create(CAPACITY, 0);
	for (int i = 0; i < CAPACITY; i++)
		if (pcq_try_put(full, (void *)1) != 0)
			return 1;
	/* Warm up: thread stacks, TLS and the clock are set up once. */
	calls_each = 1000;
	run(empty);
	run(full);
	long rss0 = rss_kb();
	size_t heap0 = heap_in_use();
	uint64_t t0 = now_ns();
	calls_each = calls / 2;
	run(empty);
	uint64_t t1 = now_ns();
	run(full);
	uint64_t t2 = now_ns();
	long rss1 = rss_kb();
	size_t heap1 = heap_in_use();
	printf("timed1ns %s: %ld get_timed(1 ns) in %.1f s, %ld put_timed(1 "
	       "ns) in %.1f s, %ld not ETIMEDOUT\n", pcq_backend(), calls,
	       (double)(t1 - t0) / 1e9, calls / 10, (double)(t2 - t1) / 1e9,
	       atomic_load(&wrong));
	printf("timed1ns %s: heap in use %zu -> %zu bytes, RSS %ld -> %ld "
	       "KiB\n", pcq_backend(), heap0, heap1, rss0, rss1);
	int bad = atomic_load(&wrong) != 0 || heap1 > heap0 ||
		  rss1 > rss0 + RSS_SLACK_KB;
	bad |= check_idle_state(empty, 0);
	bad |= check_idle_state(full, CAPACITY);
	bad |= still_works(empty, 0);
	bad |= still_works(full, CAPACITY);
	pcq_destroy(empty);
	pcq_destroy(full);
	printf("timed1ns %s: %s\n", pcq_backend(), bad ? "FAILED" : "ok");
	return bad;
}
