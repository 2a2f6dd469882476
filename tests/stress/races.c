/*
 * races.c - the classic minimal wake-up races, repeated, with a watchdog.
 *
 *   races [--trials N] [--close-trials N]
 *
 * getters: two getters block on an empty queue; two putters put one item
 *          each, after a random delay (0 to 30 us: sometimes the getters
 *          are still spinning, sometimes asleep in the kernel). Both
 *          getters must return, with the two items.
 * putters: the mirror: two putters block on a full queue (capacity 2);
 *          two getters get one item each. Both putters must return, and
 *          the four items come out exactly once.
 * close:   each of four threads does 1-4 puts or gets (blocking or with a
 *          10 s timeout) on a queue of capacity 1-3, and the queue is
 *          closed after a random delay: every call returns, and the items
 *          got plus the items left equal the items accepted.
 * Blocking calls use pcq_put/pcq_get or the timed calls with a 10 s
 * timeout, at random. A trial not done within STUCK_NS is stuck: it is
 * printed and counted (then the queue is closed to free it); the run fails
 * unless stuck = 0 and every check held. Four threads live for the whole
 * run and meet at a barrier for each trial, so a trial costs no thread
 * creation.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define THREADS 4
#define STUCK_NS (2000 * MS)
#define LONG_NS (10000 * MS)

enum kind { GETTERS, PUTTERS, CLOSE };
static const char *const kind_name[] = { "getters", "putters", "close" };

struct role {
	bool put;
	int ops;
	bool timed;
	uint64_t delay_ns; /* spin before the first call */
	/* results */
	int rc[4];
	uintptr_t got[4];
	int accepted;
};

static struct {
	pthread_barrier_t start;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done;
	bool stop;
	pcq_t *q;
	struct role role[THREADS];
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;
	while (ns && now_ns() < end)
		;
}

static void run_role(int id)
{
	struct role *r = &pool.role[id];
	spin_ns(r->delay_ns);
	for (int i = 0; i < r->ops; i++) {
		if (r->put) {
			void *item = (void *)(uintptr_t)(id * 16 + i + 1);
			r->rc[i] = r->timed ? pcq_put_timed(pool.q, item,
							    LONG_NS) :
					      pcq_put(pool.q, item);
			if (r->rc[i] == 0)
				r->accepted++;
		} else {
			void *item = NULL;
			r->rc[i] = r->timed ? pcq_get_timed(pool.q, &item,
							    LONG_NS) :
					      pcq_get(pool.q, &item);
			r->got[i] = (uintptr_t)item;
		}
		if (r->rc[i] != 0)
			break;
	}
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	for (;;) {
		pthread_barrier_wait(&pool.start);
		if (pool.stop)
			return NULL;
		run_role(id);
		pthread_mutex_lock(&pool.lock);
		if (++pool.done == THREADS)
			pthread_cond_signal(&pool.cond);
		pthread_mutex_unlock(&pool.lock);
	}
}

/* Waits for the trial's threads; false if they did not all return within
 * timeout_ns. */
static bool wait_done(uint64_t timeout_ns)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t end = (uint64_t)ts.tv_sec * 1000000000ull +
		       (uint64_t)ts.tv_nsec + timeout_ns;
	ts.tv_sec = (time_t)(end / 1000000000ull);
	ts.tv_nsec = (long)(end % 1000000000ull);
	pthread_mutex_lock(&pool.lock);
	while (pool.done < THREADS &&
	       pthread_cond_timedwait(&pool.cond, &pool.lock, &ts) == 0)
		;
	bool all = pool.done == THREADS;
	pthread_mutex_unlock(&pool.lock);
	return all;
}

/* Sets up one trial of `kind` in pool.role and pool.q. */
static void setup(enum kind kind, uint64_t *rng)
{
	memset(pool.role, 0, sizeof(pool.role));
	pool.done = 0;
	for (int i = 0; i < THREADS; i++) {
		struct role *r = &pool.role[i];
		uint64_t x = rng_next(rng);
		r->timed = x & 1;
		if (kind == CLOSE) {
			r->put = x >> 1 & 1;
			r->ops = 1 + (int)(x >> 2 & 3);
			r->delay_ns = (x >> 8) % 3 == 0 ? 0 : (x >> 16) % 20000;
		} else {
			/* threads 0,1 block; 2,3 make them proceed */
			r->put = (kind == PUTTERS) == (i < 2);
			r->ops = 1;
			r->delay_ns = i < 2 || (x >> 8) % 4 == 0 ?
					      0 : (x >> 16) % 30000;
		}
	}
	size_t cap = kind == GETTERS ? 1 + rng_next(rng) % 2 :
		     kind == PUTTERS ? 2 : 1 + rng_next(rng) % 3;
	pool.q = pcq_create(cap, 0);
	if (pool.q == NULL)
		abort();
	if (kind == PUTTERS) /* full: the putters must block */
		for (uintptr_t i = 0; i < 2; i++)
			if (pcq_try_put(pool.q, (void *)(100 + i)) != 0)
				abort();
}

/* Checks a finished trial; true if exactly once held and no call failed
 * in a way the trial does not allow. */
static bool check(enum kind kind)
{
	uint64_t put_mask = 0, got_mask = 0;
	bool ok = true;
	if (kind == PUTTERS)
		put_mask = 3ull << 62; /* items 100, 101 */
	for (int i = 0; i < THREADS; i++) {
		struct role *r = &pool.role[i];
		for (int k = 0; k < r->ops; k++) {
			int rc = r->rc[k];
			if (rc != 0 && !(kind == CLOSE && rc == EPIPE))
				ok = false; /* only close may refuse */
			if (rc != 0)
				break;
			if (r->put) {
				put_mask |= 1ull << (i * 16 + k + 1);
				continue;
			}
			uintptr_t v = r->got[k];
			int bit = v >= 100 ? (int)(62 + v - 100) : (int)v;
			if (got_mask >> bit & 1)
				ok = false; /* duplicated */
			got_mask |= 1ull << bit;
		}
	}
	/* What nobody got must still be in the queue: drain it. */
	void *item;
	while (pcq_try_get(pool.q, &item) == 0) {
		uintptr_t v = (uintptr_t)item;
		int bit = v >= 100 ? (int)(62 + v - 100) : (int)v;
		if (got_mask >> bit & 1)
			ok = false;
		got_mask |= 1ull << bit;
	}
	return ok && got_mask == put_mask;
}

static int run(enum kind kind, long trials, uint64_t *rng)
{
	long stuck = 0, failed = 0;
	uint64_t start = now_ns();
	for (long t = 0; t < trials; t++) {
		setup(kind, rng);
		pthread_barrier_wait(&pool.start);
		if (kind == CLOSE) {
			spin_ns(rng_next(rng) % 40000);
			pcq_close(pool.q);
		}
		if (!wait_done(STUCK_NS)) {
			stuck++;
			printf("STUCK: %s trial %ld: %d of %d calls returned "
			       "within 2 s\n", kind_name[kind], t, pool.done,
			       THREADS);
			pcq_close(pool.q); /* try to free them */
			if (!wait_done(STUCK_NS)) {
				printf("STUCK even after close: giving up\n");
				exit(1);
			}
		}
		if (!check(kind)) {
			failed++;
			if (failed <= 10)
				printf("FAILED: %s trial %ld\n",
				       kind_name[kind], t);
		}
		pcq_destroy(pool.q);
	}
	printf("races %s %s: trials=%ld stuck=%ld failed=%ld %.1f s\n",
	       pcq_backend(), kind_name[kind], trials, stuck, failed,
	       (double)(now_ns() - start) / 1e9);
	return stuck == 0 && failed == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	long trials = 100000, close_trials = 10000;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--trials") && i + 1 < argc)
			trials = atol(argv[++i]);
		else if (!strcmp(argv[i], "--close-trials") && i + 1 < argc)
			close_trials = atol(argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--trials N] "
				"[--close-trials N]\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	uint64_t rng = seed_from_env("races");
	printf("races %s: seed %llu\n", pcq_backend(),
	       (unsigned long long)rng);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&pool.cond, &ca);
	pthread_barrier_init(&pool.start, NULL, THREADS + 1);
	pthread_t th[THREADS];
	for (int i = 0; i < THREADS; i++)
		pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
	int bad = run(GETTERS, trials, &rng);
	bad |= run(PUTTERS, trials, &rng);
	bad |= run(CLOSE, close_trials, &rng);
	pool.stop = true;
	pthread_barrier_wait(&pool.start);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	return bad;
}
