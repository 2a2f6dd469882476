/*
 * signals.c - a signal storm on blocked and timed calls.
 *
 * A handler installed without SA_RESTART, so every interrupted futex or
 * semaphore wait in the kernel returns EINTR to pcq. A storm thread sends
 * it to a random one of five threads every 100 us to 1 ms (random):
 *   get      pcq_get on an empty queue             (must return 0 later)
 *   put      pcq_put on a full queue               (must return 0 later)
 *   forever  pcq_get_timed(UINT64_MAX), empty      (must return 0 later)
 *   tget     TIMED_CALLS x pcq_get_timed(100 ms), empty: ETIMEDOUT each
 *   tput     TIMED_CALLS x pcq_put_timed(100 ms), full:  ETIMEDOUT each
 * No call may return EINTR (or anything but the expected code); each
 * 100 ms call must take [100, LATE_MS] ms. The figures are printed.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define TIMED_CALLS 15
#define TIMEOUT_NS (100 * MS)
#define LATE_MS 250 /* generous: shared CI machines are noisy */

static atomic_long signals;
static atomic_bool storming = true;
static pcq_t *empty, *full, *empty2, *tempty, *tfull;
static pthread_t targets[5];

static void handler(int sig)
{
	(void)sig;
	atomic_fetch_add_explicit(&signals, 1, memory_order_relaxed);
}

static int rc_get, rc_put, rc_forever;
static void *item_get, *item_forever;
static uint64_t took[2][TIMED_CALLS];
static int bad_rc[2];

/* Threads are joined only once the storm is over (a joined thread's id
 * must not be signalled): until then, they count themselves out here. */
static atomic_int finished;

static void *do_get(void *a)
{
	(void)a;
	rc_get = pcq_get(empty, &item_get);
	atomic_fetch_add(&finished, 1);
	return NULL;
}

static void *do_put(void *a)
{
	(void)a;
	rc_put = pcq_put(full, (void *)2);
	atomic_fetch_add(&finished, 1);
	return NULL;
}

static void *do_forever(void *a)
{
	(void)a;
	rc_forever = pcq_get_timed(empty2, &item_forever, UINT64_MAX);
	atomic_fetch_add(&finished, 1);
	return NULL;
}

static void *do_timed(void *a)
{
	int put = (int)(intptr_t)a;
	for (int i = 0; i < TIMED_CALLS; i++) {
		void *item = NULL;
		uint64_t t0 = now_ns();
		int rc = put ? pcq_put_timed(tfull, (void *)3, TIMEOUT_NS) :
			       pcq_get_timed(tempty, &item, TIMEOUT_NS);
		took[put][i] = now_ns() - t0;
		if (rc != ETIMEDOUT) {
			bad_rc[put]++;
			printf("timed %s returned %d (%s)\n", put ? "put" : "get",
			       rc, strerror(rc));
		}
	}
	atomic_fetch_add(&finished, 1);
	return NULL;
}

static void *storm(void *a)
{
	uint64_t rng = (uint64_t)(uintptr_t)a;
	while (atomic_load(&storming)) {
		uint64_t x = rng_next(&rng);
		struct timespec gap = { 0, (long)(100000 + x % 900000) };
		nanosleep(&gap, NULL);
		pthread_kill(targets[(x >> 32) % 5], SIGUSR1);
	}
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	uint64_t seed = seed_from_env("signals");
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = 0; /* no SA_RESTART: waits return EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);

	empty = pcq_create(1, 0);
	full = pcq_create(1, 0);
	empty2 = pcq_create(4, PCQ_SP | PCQ_SC);
	tempty = pcq_create(3, 0);
	tfull = pcq_create(1, PCQ_SP | PCQ_SC);
	if (!empty || !full || !empty2 || !tempty || !tfull ||
	    pcq_try_put(full, (void *)1) || pcq_try_put(tfull, (void *)1))
		return 1;
	pthread_create(&targets[0], NULL, do_get, NULL);
	pthread_create(&targets[1], NULL, do_put, NULL);
	pthread_create(&targets[2], NULL, do_forever, NULL);
	pthread_create(&targets[3], NULL, do_timed, (void *)0);
	pthread_create(&targets[4], NULL, do_timed, (void *)1);
	pthread_t st;
	pthread_create(&st, NULL, storm, (void *)(uintptr_t)seed);

	while (atomic_load(&finished) < 2) { /* the timed calls, ~1.5 s */
		struct timespec nap = { 0, 10 * MS };
		nanosleep(&nap, NULL);
	}
	long during = atomic_load(&signals);
	/* Now let the three blocked calls complete, storm still raging. */
	void *got = NULL;
	int rc_main_put = pcq_put(empty, (void *)7);
	int rc_main_put2 = pcq_put(empty2, (void *)8);
	int rc_main_get = pcq_get(full, &got);
	while (atomic_load(&finished) < 5) {
		struct timespec nap = { 0, 1 * MS };
		nanosleep(&nap, NULL);
	}
	atomic_store(&storming, false);
	pthread_join(st, NULL);
	for (int i = 0; i < 5; i++)
		pthread_join(targets[i], NULL);

	int ok = rc_main_put == 0 && rc_main_put2 == 0 && rc_main_get == 0 &&
		 got == (void *)1 && rc_get == 0 && item_get == (void *)7 &&
		 rc_put == 0 && rc_forever == 0 && item_forever == (void *)8 &&
		 bad_rc[0] == 0 && bad_rc[1] == 0;
	printf("signals %s: %ld signals during the timed calls; blocked get "
	       "rc=%d, blocked put rc=%d, UINT64_MAX get rc=%d\n",
	       pcq_backend(), during, rc_get, rc_put, rc_forever);
	for (int p = 0; p < 2; p++) {
		qsort(took[p], TIMED_CALLS, sizeof(took[p][0]), cmp);
		double lo = (double)took[p][0] / 1e6,
		       med = (double)took[p][TIMED_CALLS / 2] / 1e6,
		       hi = (double)took[p][TIMED_CALLS - 1] / 1e6;
		bool in = took[p][0] >= TIMEOUT_NS &&
			  took[p][TIMED_CALLS - 1] <= LATE_MS * MS;
		printf("signals %s: %d x %s_timed(100 ms): min %.2f median "
		       "%.2f max %.2f ms, bad rc %d%s\n", pcq_backend(),
		       TIMED_CALLS, p ? "put" : "get", lo, med, hi, bad_rc[p],
		       in ? "" : "  OUT OF [100, 250] ms");
		ok = ok && in;
	}
	printf("signals %s: %s\n", pcq_backend(), ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}
