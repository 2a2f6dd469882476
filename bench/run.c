/*
 * run.c - one throughput run and its item check.
 *
 * Item = producer << SEQ_BITS | sequence. Each consumer owns a bitmap with
 * one bit per item that could be put (producer * quota + sequence) and the
 * last sequence it got from each producer; nothing is shared while items
 * flow, so the check costs every queue the same few instructions per item.
 * After the run the bitmaps are merged: a bit set in two bitmaps, or twice
 * in one, is a duplicate; a bit put but set in none is a loss.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "run.h"

#define SEQ_BITS 40
#define SEQ_MASK ((UINT64_C(1) << SEQ_BITS) - 1)
#define STOP_CHECK_EVERY 64 /* items a producer puts between looks at stop */

struct run;

struct producer {
	struct run *run;
	uint64_t id, produced;
	pthread_t thread;
};

struct consumer {
	struct run *run;
	uint64_t *seen;     /* bitmap, one bit per item that could be put */
	int64_t *last_seq;  /* per producer; -1 before the first */
	uint64_t got;
	char err[200];      /* the first violation this consumer saw */
	pthread_t thread;
};

struct run {
	const struct queue_ops *ops;
	void *q;
	int producers, consumers;
	uint64_t quota; /* items each producer may put */
	size_t batch;   /* items per bulk call; 0: single-item calls */
	atomic_bool stop;
	pthread_barrier_t start;
	/* The main thread waits on `done` until every producer has finished
	 * or the budget has run out, whichever comes first. */
	pthread_mutex_t lock;
	pthread_cond_t done;
	int producers_done; /* under lock */
};

double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

/* A bulk queue's producer: batches of `batch` items (the last one shorter). */
static uint64_t produce_batches(struct producer *p)
{
	struct run *r = p->run;
	uint64_t batch[MAX_BATCH], seq = 0;
	while (seq < r->quota &&
	       !atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		size_t n = r->batch;
		if (n > r->quota - seq)
			n = (size_t)(r->quota - seq);
		for (size_t i = 0; i < n; i++)
			batch[i] = p->id << SEQ_BITS | (seq + i);
		r->ops->put_many(r->q, batch, n);
		seq += n;
	}
	return seq;
}

static void *produce(void *arg)
{
	struct producer *p = arg;
	struct run *r = p->run;
	pthread_barrier_wait(&r->start);
	uint64_t seq = 0;
	if (r->batch > 0 && r->ops->put_many != NULL) {
		seq = produce_batches(p);
	} else {
		for (; seq < r->quota; seq++) {
			if (seq % STOP_CHECK_EVERY == 0 &&
			    atomic_load_explicit(&r->stop,
						 memory_order_relaxed))
				break;
			r->ops->put(r->q, p->id << SEQ_BITS | seq);
		}
	}
	p->produced = seq;
	pthread_mutex_lock(&r->lock);
	if (++r->producers_done == r->producers)
		pthread_cond_signal(&r->done);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* Checks one item got by c; false at the stop item. */
static bool check_one(struct consumer *c, uint64_t item)
{
	struct run *r = c->run;
	if (item == ITEM_STOP)
		return false;
	uint64_t p = item >> SEQ_BITS, seq = item & SEQ_MASK;
	c->got++;
	if (c->err[0] != '\0')
		return true;
	if (p >= (uint64_t)r->producers || seq >= r->quota) {
		snprintf(c->err, sizeof c->err,
			 "invented: got item %#llx, never put",
			 (unsigned long long)item);
		return true;
	}
	if ((int64_t)seq <= c->last_seq[p])
		snprintf(c->err, sizeof c->err,
			 "out of order: a consumer got producer %llu's item "
			 "%llu after its item %lld", (unsigned long long)p,
			 (unsigned long long)seq, (long long)c->last_seq[p]);
	c->last_seq[p] = (int64_t)seq;
	uint64_t bit = p * r->quota + seq;
	uint64_t mask = UINT64_C(1) << (bit % 64);
	if (c->seen[bit / 64] & mask)
		snprintf(c->err, sizeof c->err,
			 "duplicated: producer %llu's item %llu was got twice",
			 (unsigned long long)p, (unsigned long long)seq);
	c->seen[bit / 64] |= mask;
	return true;
}

static void *consume(void *arg)
{
	struct consumer *c = arg;
	struct run *r = c->run;
	pthread_barrier_wait(&r->start);
	if (r->batch == 0 || r->ops->get_many == NULL) {
		while (check_one(c, r->ops->get(r->q)))
			;
		return NULL;
	}
	uint64_t batch[MAX_BATCH];
	for (;;) {
		size_t n = r->ops->get_many(r->q, batch, r->batch);
		for (size_t i = 0; i < n; i++) {
			if (check_one(c, batch[i]))
				continue;
			/* Stop. Any later stop items were another
			 * consumer's: give them back. */
			for (size_t j = i + 1; j < n; j++) {
				if (batch[j] != ITEM_STOP &&
				    c->err[0] == '\0')
					snprintf(c->err, sizeof c->err,
						 "an item came after the "
						 "stop items");
				r->ops->put(r->q, batch[j]);
			}
			return NULL;
		}
	}
}

/* The bits of word w that lie in [from, to). */
static uint64_t range_mask(uint64_t w, uint64_t from, uint64_t to)
{
	uint64_t lo = w * 64, hi = lo + 64;
	if (from < lo)
		from = lo;
	if (to > hi)
		to = hi;
	if (from >= to)
		return 0;
	uint64_t n = to - from;
	return (n == 64 ? ~UINT64_C(0) : (UINT64_C(1) << n) - 1) << (from - lo);
}

/* Merges the bitmaps over each producer's items; false and a message on a
 * loss or a duplicate. Items got beyond those put show in the totals. */
static bool check_items(struct run *r, struct producer *ps,
			struct consumer *cs, char *err, size_t errlen)
{
	uint64_t put = 0, got = 0;
	for (int c = 0; c < r->consumers; c++)
		got += cs[c].got;
	for (int p = 0; p < r->producers; p++) {
		uint64_t from = (uint64_t)p * r->quota;
		uint64_t to = from + ps[p].produced;
		put += ps[p].produced;
		for (uint64_t w = from / 64; w * 64 < to; w++) {
			uint64_t all = 0, twice = 0;
			for (int c = 0; c < r->consumers; c++) {
				twice |= all & cs[c].seen[w];
				all |= cs[c].seen[w];
			}
			uint64_t want = range_mask(w, from, to);
			const char *what = (twice & want) ? "duplicated" :
					   (want & ~all) ? "lost" : NULL;
			if (what == NULL)
				continue;
			uint64_t bad = (twice & want) ? twice & want : want & ~all;
			uint64_t seq = w * 64 + (uint64_t)__builtin_ctzll(bad) - from;
			snprintf(err, errlen, "%s: producer %d's item %llu was %s",
				 what, p, (unsigned long long)seq,
				 (twice & want) ? "got by two consumers" :
						  "put but never got");
			return false;
		}
	}
	if (got != put) {
		snprintf(err, errlen, "invented: %llu items got, %llu put",
			 (unsigned long long)got, (unsigned long long)put);
		return false;
	}
	return true;
}

/* Waits until every producer is done, or until budget_s after t0 (on
 * CLOCK_MONOTONIC) and then tells them to stop. */
static void wait_producers(struct run *r, double t0, double budget_s)
{
	double end = t0 + budget_s;
	struct timespec deadline = { .tv_sec = (time_t)end,
		.tv_nsec = (long)((end - (double)(time_t)end) * 1e9) };
	pthread_mutex_lock(&r->lock);
	while (r->producers_done < r->producers)
		if (pthread_cond_timedwait(&r->done, &r->lock, &deadline) ==
		    ETIMEDOUT) {
			atomic_store_explicit(&r->stop, true,
					      memory_order_relaxed);
			break;
		}
	pthread_mutex_unlock(&r->lock);
}

bool run_throughput(const struct queue_ops *ops, const struct use *use,
		    uint64_t max_items, double budget_s, struct throughput *out,
		    char *err, size_t errlen)
{
	struct run r = { .ops = ops, .producers = use->producers,
			 .consumers = use->consumers,
			 .batch = ops->get_many ? use->batch : 0 };
	r.quota = max_items / (uint64_t)use->producers;
	if (r.quota == 0)
		r.quota = 1;
	size_t words = (size_t)((r.quota * (uint64_t)r.producers + 63) / 64);
	struct producer *ps = calloc((size_t)r.producers, sizeof *ps);
	struct consumer *cs = calloc((size_t)r.consumers, sizeof *cs);
	r.q = ops->create(use);
	bool ok = ps && cs && r.q;
	for (int c = 0; ok && c < r.consumers; c++) {
		cs[c].seen = calloc(words, sizeof *cs[c].seen);
		cs[c].last_seq = malloc((size_t)r.producers * sizeof(int64_t));
		ok = cs[c].seen && cs[c].last_seq;
		for (int p = 0; ok && p < r.producers; p++)
			cs[c].last_seq[p] = -1;
	}
	if (!ok) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}

	pthread_barrier_init(&r.start, NULL,
			     (unsigned)(r.producers + r.consumers + 1));
	pthread_mutex_init(&r.lock, NULL);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&r.done, &attr);
	pthread_condattr_destroy(&attr);
	for (int c = 0; c < r.consumers; c++) {
		cs[c].run = &r;
		pthread_create(&cs[c].thread, NULL, consume, &cs[c]);
	}
	for (int p = 0; p < r.producers; p++) {
		ps[p].run = &r;
		ps[p].id = (uint64_t)p;
		pthread_create(&ps[p].thread, NULL, produce, &ps[p]);
	}
	pthread_barrier_wait(&r.start);
	double t0 = now_s(), cpu0 = cpu_s();
	wait_producers(&r, t0, budget_s);
	for (int p = 0; p < r.producers; p++)
		pthread_join(ps[p].thread, NULL);
	for (int c = 0; c < r.consumers; c++)
		ops->put(r.q, ITEM_STOP);
	for (int c = 0; c < r.consumers; c++)
		pthread_join(cs[c].thread, NULL);
	out->seconds = now_s() - t0;
	out->cpu_seconds = cpu_s() - cpu0;
	uint64_t sleeps = ops->sleeps ? ops->sleeps(r.q) : SLEEPS_UNKNOWN;
	out->sleeps = sleeps == SLEEPS_UNKNOWN ? -1 : (double)sleeps;
	pthread_barrier_destroy(&r.start);
	pthread_cond_destroy(&r.done);
	pthread_mutex_destroy(&r.lock);

	out->items = 0;
	for (int c = 0; c < r.consumers; c++) {
		out->items += cs[c].got;
		if (ok && cs[c].err[0] != '\0') {
			snprintf(err, errlen, "%s", cs[c].err);
			ok = false;
		}
	}
	if (ok)
		ok = check_items(&r, ps, cs, err, errlen);
out:
	for (int c = 0; cs && c < r.consumers; c++) {
		free(cs[c].seen);
		free(cs[c].last_seq);
	}
	free(cs);
	free(ps);
	if (r.q)
		ops->destroy(r.q);
	return ok;
}
