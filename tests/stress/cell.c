/*
 * cell.c - see cell.h.
 *
 * Producers put bursts of 1-8 items until they have put their share (or
 * the queue is closed); the producer whose put makes the accepted total
 * reach close_at closes the queue itself, in the middle of everyone's
 * calls. Consumers get until EPIPE. Once every producer is done the queue
 * is closed (if it is not already), so the consumers drain it and stop.
 * pcq_stats is checked at the end against the calls the cell made.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "cell.h"
#include "harness.h"

bool cell_sabotage;

struct run {
	const struct cell *c;
	pcq_t *q;
	struct ledger ledger;
	uint64_t per_producer;
	uint64_t close_at;             /* 0: no early close */
	atomic_uint_fast64_t accepted; /* over all producers */
	atomic_int failures;           /* an impossible return code */
	/* The most waits pcq_stats may count: one per single-item call that
	 * may wait (a timeout other than 0), one per item of such a
	 * put_many, one per such get_many. */
	atomic_uint_fast64_t put_may_wait, get_may_wait;
};

struct worker {
	struct run *r;
	int id;
	pthread_t thread;
};

const char *mix_name(enum mix m)
{
	static const char *const names[] = { "blocking", "try", "timed",
					     "bulk", "any" };
	return names[m];
}

/* A tiny timeout: 0 (try once) a quarter of the time, else 1-20000 ns. */
static uint64_t tiny_timeout(uint64_t *rng)
{
	uint64_t x = rng_next(rng);
	return x % 4 == 0 ? 0 : 1 + (x >> 8) % 20000;
}

/* A bulk call's timeout: for ever half the time, else a tiny one. */
static uint64_t bulk_timeout(uint64_t *rng)
{
	return rng_next(rng) % 2 ? UINT64_MAX : tiny_timeout(rng);
}

static enum mix pick(enum mix m, uint64_t *rng)
{
	return m == MIX_ANY ? (enum mix)(rng_next(rng) % MIX_ANY) : m;
}

/* Puts items[0..n) with calls of the chosen kinds, retried until all are
 * in or one says EPIPE; returns how many were put. */
static size_t put_some(struct run *r, void *const *items, size_t n,
		       uint64_t *rng)
{
	size_t done = 0;
	for (int spins = 0; done < n; spins++) {
		int rc;
		size_t k = 0;
		uint64_t t = 0;
		switch (pick(r->c->mix, rng)) {
		case MIX_BLOCKING:
			rc = pcq_put(r->q, items[done]);
			t = UINT64_MAX;
			break;
		case MIX_TRY: rc = pcq_try_put(r->q, items[done]); break;
		case MIX_TIMED:
			t = tiny_timeout(rng);
			rc = pcq_put_timed(r->q, items[done], t);
			break;
		default:
			t = bulk_timeout(rng);
			rc = pcq_put_many(r->q, items + done, n - done, &k, t);
			if (t != 0)
				atomic_fetch_add(&r->put_may_wait, n - done);
			done += k;
			if (rc == 0 || rc == EPIPE)
				return done;
			if (rc != EAGAIN && rc != ETIMEDOUT) {
				atomic_fetch_add(&r->failures, 1);
				return done;
			}
			continue;
		}
		if (t != 0)
			atomic_fetch_add(&r->put_may_wait, 1);
		if (rc == 0)
			done++;
		else if (rc == EPIPE)
			return done;
		else if (rc != EAGAIN && rc != ETIMEDOUT) {
			atomic_fetch_add(&r->failures, 1);
			return done;
		}
		if (spins % 8 == 7)
			sched_yield(); /* let a consumer run on a busy core */
	}
	return done;
}

/* Gets at least one item into items[0..8) with calls of the chosen kinds,
 * retried until it has some or EPIPE; returns how many (0: EPIPE). */
static size_t get_some(struct run *r, void **items, uint64_t *rng)
{
	for (int spins = 0;; spins++) {
		int rc;
		size_t k = 1;
		uint64_t t = 0;
		switch (pick(r->c->mix, rng)) {
		case MIX_BLOCKING:
			rc = pcq_get(r->q, items);
			t = UINT64_MAX;
			break;
		case MIX_TRY: rc = pcq_try_get(r->q, items); break;
		case MIX_TIMED:
			t = tiny_timeout(rng);
			rc = pcq_get_timed(r->q, items, t);
			break;
		default:
			t = bulk_timeout(rng);
			rc = pcq_get_many(r->q, items, 1 + rng_next(rng) % 8,
					  &k, t);
		}
		if (t != 0)
			atomic_fetch_add(&r->get_may_wait, 1);
		if (rc == 0)
			return k;
		if (rc == EPIPE)
			return 0;
		if (rc != EAGAIN && rc != ETIMEDOUT) {
			atomic_fetch_add(&r->failures, 1);
			return 0;
		}
		if (spins % 8 == 7)
			sched_yield();
	}
}

static int put_one(struct run *r, void *item, uint64_t *rng)
{
	return put_some(r, &item, 1, rng) == 1 ? 0 : EPIPE;
}

/* --self-test: producer 0 drops item 100, puts item 200 twice and swaps
 * items 300 and 301, all while reporting each put as accepted once. */
static int sabotaged_put(struct run *r, uint64_t seq, uint64_t *rng)
{
	if (seq == 100)
		return 0;
	if (seq == 200 && put_one(r, ledger_item(0, seq), rng) != 0)
		return EPIPE;
	if (seq == 300)
		return 0; /* put after 301 */
	int rc = put_one(r, ledger_item(0, seq), rng);
	if (rc == 0 && seq == 301)
		rc = put_one(r, ledger_item(0, 300), rng);
	return rc;
}

static void *producer(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->r;
	uint64_t rng = r->c->seed * 2654435761u + (uint64_t)w->id + 1;
	uint64_t seq = 0;
	while (seq < r->per_producer) {
		size_t n = 1, k;
		if (cell_sabotage && w->id == 0) {
			k = sabotaged_put(r, seq, &rng) == 0;
		} else {
			/* A burst of 1-8 items (bulk calls put it at once). */
			void *items[8];
			n = 1 + rng_next(&rng) % 8;
			if (n > r->per_producer - seq)
				n = (size_t)(r->per_producer - seq);
			for (size_t i = 0; i < n; i++)
				items[i] = ledger_item(w->id, seq + i);
			k = put_some(r, items, n, &rng);
		}
		seq += k;
		uint64_t before = atomic_fetch_add(&r->accepted, k);
		if (before < r->close_at && before + k >= r->close_at)
			pcq_close(r->q);
		if (k < n)
			break; /* EPIPE: closed */
	}
	r->ledger.accepted[w->id] = seq;
	return NULL;
}

static void *consumer(void *arg)
{
	struct worker *w = arg;
	struct run *r = w->r;
	uint64_t rng = r->c->seed * 40503u + (uint64_t)w->id + 7;
	struct ledger_view v;
	if (ledger_view_init(&v, &r->ledger) != 0)
		abort();
	void *items[8];
	size_t k;
	while ((k = get_some(r, items, &rng)) > 0)
		for (size_t i = 0; i < k; i++)
			ledger_deliver(&r->ledger, &v, items[i]);
	ledger_view_done(&r->ledger, &v);
	return NULL;
}

/* pcq_stats against what the cell's calls allow: no more waits than calls
 * (or items) that could wait, none at all in a cell of try calls; and for
 * the semaphore backend, which sleeps on every wait, sleeps >= waits. */
static uint64_t miscounted(struct run *r)
{
	struct pcq_stats s;
	if (pcq_stats(r->q, &s) != 0)
		return 1;
	bool sem = pcq_backend()[0] == 's';
	uint64_t bad = 0;
	bad += s.put_waits > atomic_load(&r->put_may_wait);
	bad += s.get_waits > atomic_load(&r->get_may_wait);
	bad += sem && (s.put_sleeps < s.put_waits || s.get_sleeps < s.get_waits);
	bad += (s.put_waits == 0 && s.put_sleeps != 0) ||
	       (s.get_waits == 0 && s.get_sleeps != 0);
	if (bad)
		printf("  stats: put waits %llu (may %llu) sleeps %llu, get "
		       "waits %llu (may %llu) sleeps %llu\n",
		       (unsigned long long)s.put_waits,
		       (unsigned long long)atomic_load(&r->put_may_wait),
		       (unsigned long long)s.put_sleeps,
		       (unsigned long long)s.get_waits,
		       (unsigned long long)atomic_load(&r->get_may_wait),
		       (unsigned long long)s.get_sleeps);
	return bad;
}

static void pin(bool one_core, cpu_set_t *saved)
{
	if (one_core) {
		cpu_set_t cpu0;
		CPU_ZERO(&cpu0);
		CPU_SET(0, &cpu0);
		sched_getaffinity(0, sizeof(*saved), saved);
		sched_setaffinity(0, sizeof(cpu0), &cpu0);
	}
}

int cell_run(const struct cell *c, struct tally *t)
{
	struct run r = { .c = c };
	r.per_producer = c->items / (uint64_t)c->producers;
	if (r.per_producer == 0)
		r.per_producer = 1;
	uint64_t rng = c->seed;
	if (c->close_early)
		r.close_at = 1 + rng_next(&rng) % (r.per_producer *
						   (uint64_t)c->producers);
	/* Sabotage adds one extra item per duplicate: room for it. */
	if (ledger_init(&r.ledger, c->producers, r.per_producer + 1) != 0)
		return -1;
	r.q = pcq_create(c->capacity, c->flags);
	if (r.q == NULL) {
		ledger_free(&r.ledger);
		return -1;
	}
	int n = c->producers + c->consumers;
	struct worker *w = calloc((size_t)n, sizeof(*w));
	if (w == NULL)
		abort();
	cpu_set_t saved;
	pin(c->pinned, &saved); /* threads inherit the affinity */
	for (int i = 0; i < n; i++) {
		w[i].r = &r;
		w[i].id = i < c->producers ? i : i - c->producers;
		if (pthread_create(&w[i].thread, NULL,
				   i < c->producers ? producer : consumer,
				   &w[i]) != 0)
			abort();
	}
	if (c->pinned)
		sched_setaffinity(0, sizeof(saved), &saved);
	for (int i = 0; i < c->producers; i++)
		pthread_join(w[i].thread, NULL);
	pcq_close(r.q);
	for (int i = c->producers; i < n; i++)
		pthread_join(w[i].thread, NULL);
	*t = ledger_tally(&r.ledger);
	/* Closed and drained: nothing may be left in the queue. */
	t->lost += pcq_size(r.q);
	t->bogus += (uint64_t)atomic_load(&r.failures);
	t->miscounted = miscounted(&r);
	pcq_destroy(r.q);
	ledger_free(&r.ledger);
	free(w);
	return 0;
}

void cell_print(const struct cell *c, const char *prefix)
{
	printf("%s P=%d C=%d cap=%zu flags=%s%s mix=%s close=%s pinned=%s "
	       "items=%llu seed=%llu\n",
	       prefix, c->producers, c->consumers, c->capacity,
	       c->flags & PCQ_SP ? "SP" : "", c->flags & PCQ_SC ? "SC" :
	       c->flags ? "" : "0",
	       mix_name(c->mix), c->close_early ? "random" : "end",
	       c->pinned ? "cpu0" : "no", (unsigned long long)c->items,
	       (unsigned long long)c->seed);
}
