/*
 * test_stress.c - several producers and consumers; every item is counted.
 *
 * Each item encodes (producer, sequence). Consumers record what they get in
 * a seen-set: the test fails on any item lost or delivered twice, and on
 * any producer's items coming out of order at one consumer. (A sum-only
 * check would miss a duplicate that cancels a loss.)
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>

#include "harness.h"

#define SEQ_BITS 32

struct stress {
	pcq_t *q;
	int producers, consumers;
	uint64_t per_producer;
	uint64_t seed;
	bool close_early;        /* close at a random moment instead */
	atomic_uint_fast64_t accepted;
	atomic_uint_fast64_t delivered;
	atomic_uchar *seen;      /* producers * per_producer flags */
	atomic_int order_errors;
	atomic_int producers_left;
};

struct worker {
	struct stress *s;
	int id;
};

static void *producer(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	uint64_t rng = s->seed + (uint64_t)w->id * 7919u;
	for (uint64_t seq = 0; seq < s->per_producer; seq++) {
		void *item = (void *)(((uintptr_t)w->id << SEQ_BITS) | seq);
		int rc;
		switch (rng_next(&rng) % 4) {
		case 0:
			while ((rc = pcq_try_put(s->q, item)) == EAGAIN)
				sched_yield();
			break;
		case 1:
			while ((rc = pcq_put_timed(s->q, item, 20000)) ==
			       ETIMEDOUT)
				;
			break;
		default:
			rc = pcq_put(s->q, item);
		}
		if (rc == EPIPE)
			break;
		cr_assert_eq(rc, 0);
		atomic_fetch_add(&s->accepted, 1);
	}
	if (atomic_fetch_sub(&s->producers_left, 1) == 1 && !s->close_early)
		pcq_close(s->q); /* the last producer closes: getters drain */
	return NULL;
}

static void *consumer(void *arg)
{
	struct worker *w = arg;
	struct stress *s = w->s;
	uint64_t rng = s->seed ^ ((uint64_t)w->id * 104729u);
	int64_t *last = malloc(sizeof(int64_t) * (size_t)s->producers);
	for (int p = 0; p < s->producers; p++)
		last[p] = -1;
	for (;;) {
		void *item;
		int rc;
		switch (rng_next(&rng) % 4) {
		case 0:
			while ((rc = pcq_try_get(s->q, &item)) == EAGAIN)
				sched_yield();
			break;
		case 1:
			while ((rc = pcq_get_timed(s->q, &item, 20000)) ==
			       ETIMEDOUT)
				;
			break;
		default:
			rc = pcq_get(s->q, &item);
		}
		if (rc == EPIPE)
			break;
		cr_assert_eq(rc, 0);
		size_t sz = pcq_size(s->q);
		cr_assert_leq(sz, pcq_capacity(s->q));
		uintptr_t v = (uintptr_t)item;
		int p = (int)(v >> SEQ_BITS);
		int64_t seq = (int64_t)(v & 0xffffffffu);
		cr_assert_lt(p, s->producers, "garbage item %#lx", (unsigned long)v);
		cr_assert_lt((uint64_t)seq, s->per_producer);
		if (seq <= last[p])
			atomic_fetch_add(&s->order_errors, 1);
		last[p] = seq;
		size_t slot = (size_t)p * s->per_producer + (size_t)seq;
		cr_assert_eq(atomic_fetch_add(&s->seen[slot], 1), 0,
			     "item (%d, %lld) delivered twice", p,
			     (long long)seq);
		atomic_fetch_add(&s->delivered, 1);
	}
	free(last);
	return NULL;
}

static void run(int producers, int consumers, size_t capacity,
		unsigned flags, uint64_t per_producer, bool close_early)
{
	struct stress s = {
		.q = pcq_create(capacity, flags),
		.producers = producers,
		.consumers = consumers,
		.per_producer = per_producer,
		.seed = seed_from_env("stress"),
		.close_early = close_early,
	};
	cr_assert_not_null(s.q);
	atomic_init(&s.producers_left, producers);
	s.seen = calloc((size_t)producers * per_producer, 1);
	pthread_t threads[64];
	struct worker workers[64];
	int n = 0;
	for (int i = 0; i < consumers; i++, n++) {
		workers[n] = (struct worker){ &s, i };
		pthread_create(&threads[n], NULL, consumer, &workers[n]);
	}
	for (int i = 0; i < producers; i++, n++) {
		workers[n] = (struct worker){ &s, i };
		pthread_create(&threads[n], NULL, producer, &workers[n]);
	}
	if (close_early) {
		uint64_t rng = s.seed;
		struct timespec nap = { 0, (long)(rng_next(&rng) % 20000000) };
		nanosleep(&nap, NULL);
		pcq_close(s.q);
	}
	for (int i = 0; i < n; i++)
		pthread_join(threads[i], NULL);

	uint64_t accepted = atomic_load(&s.accepted);
	uint64_t delivered = atomic_load(&s.delivered);
	cr_assert_eq(delivered, accepted, "accepted %llu, delivered %llu",
		     (unsigned long long)accepted,
		     (unsigned long long)delivered);
	if (!close_early)
		cr_assert_eq(accepted, (uint64_t)producers * per_producer);
	cr_assert_eq(atomic_load(&s.order_errors), 0);
	cr_assert_eq(pcq_size(s.q), 0);
	/* With a single consumer, each producer's items must also be a
	 * prefix: everything accepted, nothing skipped. The seen-set proves
	 * it for all: each accepted item was seen exactly once. */
	uint64_t seen = 0;
	for (size_t i = 0; i < (size_t)producers * per_producer; i++)
		seen += s.seen[i];
	cr_assert_eq(seen, accepted);
	free(s.seen);
	pcq_destroy(s.q);
}

#define S(name) Test(stress, name, .timeout = 120)

S(spsc_cap_1) { run(1, 1, 1, PCQ_SP | PCQ_SC, 100000, false); }
S(spsc_cap_1024) { run(1, 1, 1024, PCQ_SP | PCQ_SC, 500000, false); }
S(spsc_cap_3) { run(1, 1, 3, PCQ_SP | PCQ_SC, 200000, false); }
S(one_to_one_no_flags) { run(1, 1, 16, 0, 200000, false); }
S(sp_to_many) { run(1, 4, 7, PCQ_SP, 100000, false); }
S(many_to_sc) { run(4, 1, 7, PCQ_SC, 50000, false); }
S(two_to_two_cap_1) { run(2, 2, 1, 0, 50000, false); }
S(four_to_four_cap_3) { run(4, 4, 3, 0, 50000, false); }
S(eight_to_eight_cap_64) { run(8, 8, 64, 0, 25000, false); }
S(sixteen_to_sixteen_cap_5) { run(16, 16, 5, 0, 5000, false); }
S(close_at_random_moment) { run(4, 4, 8, 0, 1000000, true); }
S(close_at_random_moment_spsc) { run(1, 1, 8, PCQ_SP | PCQ_SC, 1000000, true); }
