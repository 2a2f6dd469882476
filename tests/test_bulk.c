/*
 * test_bulk.c - one test per sentence of pcq_put_many and pcq_get_many in
 * include/pcq.h. The same file is compiled against every backend; each
 * test runs with every flag set (PCQ_SP and PCQ_SC cover the bulk calls).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>

#include "harness.h"

#define T(suite, name) Test(suite, name, .timeout = 60)

#define BLOCK_WINDOW (150 * MS)
#define RETURN_WINDOW (5000 * MS)

static const unsigned flag_sets[] = { 0, PCQ_SP, PCQ_SC, PCQ_SP | PCQ_SC };

static void *item_of(uintptr_t n)
{
	return (void *)n;
}

/* items[i] = item_of(first + i) */
static void numbered(void **items, size_t n, uintptr_t first)
{
	for (size_t i = 0; i < n; i++)
		items[i] = item_of(first + i);
}

/* Gets the next n items one by one and checks they are first, first+1... */
static void expect_items(pcq_t *q, uintptr_t first, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		void *got = NULL;
		cr_assert_eq(pcq_try_get(q, &got), 0, "item %zu of %zu", i, n);
		cr_assert_eq(got, item_of(first + i), "item %zu: got %p", i, got);
	}
}

/* ---- arguments ---------------------------------------------------------- */

T(bulk, put_many_bad_arguments_are_einval_and_do_nothing)
{
	pcq_t *q = pcq_create(4, 0);
	void *items[2] = { item_of(1), item_of(2) };
	size_t done = 77;
	cr_assert_eq(pcq_put_many(NULL, items, 2, &done, 0), EINVAL);
	cr_assert_eq(pcq_put_many(q, NULL, 2, &done, 0), EINVAL);
	cr_assert_eq(pcq_put_many(q, items, 2, NULL, 0), EINVAL);
	cr_assert_eq(pcq_put_many(q, items, 0, &done, 0), EINVAL);
	cr_assert_eq(pcq_put_many(q, items, 0, &done, UINT64_MAX), EINVAL);
	cr_assert_eq(done, 77, "*done untouched");
	cr_assert_eq(pcq_size(q), 0, "nothing put");
	pcq_destroy(q);
}

T(bulk, get_many_bad_arguments_are_einval_and_do_nothing)
{
	pcq_t *q = pcq_create(4, 0);
	cr_assert_eq(pcq_put(q, item_of(1)), 0);
	void *items[2] = { item_of(9), item_of(9) };
	size_t got = 77;
	cr_assert_eq(pcq_get_many(NULL, items, 2, &got, 0), EINVAL);
	cr_assert_eq(pcq_get_many(q, NULL, 2, &got, 0), EINVAL);
	cr_assert_eq(pcq_get_many(q, items, 2, NULL, 0), EINVAL);
	cr_assert_eq(pcq_get_many(q, items, 0, &got, UINT64_MAX), EINVAL);
	cr_assert_eq(got, 77, "*got untouched");
	cr_assert_eq(items[0], item_of(9), "items untouched");
	cr_assert_eq(pcq_size(q), 1, "nothing taken");
	pcq_destroy(q);
}

/* ---- put_many ------------------------------------------------------------ */

T(bulk, put_many_puts_all_in_order)
{
	for (int fi = 0; fi < 4; fi++) {
		unsigned f = flag_sets[fi];
		pcq_t *q = pcq_create(8, f);
		void *items[5];
		numbered(items, 5, 10);
		size_t done = 0;
		cr_assert_eq(pcq_put_many(q, items, 5, &done, UINT64_MAX), 0);
		cr_assert_eq(done, 5);
		cr_assert_eq(pcq_size(q), 5);
		expect_items(q, 10, 5);
		pcq_destroy(q);
	}
}

T(bulk, put_many_timeout_zero_puts_exactly_what_fits)
{
	for (int fi = 0; fi < 4; fi++) {
		unsigned f = flag_sets[fi];
		pcq_t *q = pcq_create(4, f);
		cr_assert_eq(pcq_put(q, item_of(1)), 0);
		void *items[6];
		numbered(items, 6, 2);
		size_t done = 99;
		cr_assert_eq(pcq_put_many(q, items, 6, &done, 0), EAGAIN);
		cr_assert_eq(done, 3, "min(n, free slots): got %zu", done);
		cr_assert_eq(pcq_size(q), 4);
		expect_items(q, 1, 4); /* 1, then the first three */
		/* Full: nothing fits. */
		for (uintptr_t i = 0; i < 4; i++)
			cr_assert_eq(pcq_put(q, item_of(i)), 0);
		cr_assert_eq(pcq_put_many(q, items, 6, &done, 0), EAGAIN);
		cr_assert_eq(done, 0);
		/* What fits exactly: 0. */
		void *got;
		cr_assert_eq(pcq_get(q, &got), 0);
		cr_assert_eq(pcq_get(q, &got), 0);
		cr_assert_eq(pcq_put_many(q, items, 2, &done, 0), 0);
		cr_assert_eq(done, 2);
		pcq_destroy(q);
	}
}

/* A blocked put_many puts each item as soon as there is room: every get
 * lets exactly one more in. */
/* Waits until q holds n items, or RETURN_WINDOW passes (a busy machine
 * may run another thread's put late): returns what it holds then. */
static size_t size_reaches(const pcq_t *q, size_t n)
{
	uint64_t end = now_ns() + RETURN_WINDOW;
	while (pcq_size(q) != n && now_ns() < end)
		;
	return pcq_size(q);
}

T(bulk, put_many_waits_and_puts_each_item_as_room_frees)
{
	for (int fi = 0; fi < 4; fi++) {
		unsigned f = flag_sets[fi];
		pcq_t *q = pcq_create(2, f);
		void *items[6];
		numbered(items, 6, 1);
		struct call put;
		call_start_many(&put, q, OP_PUT_MANY, items, 6, UINT64_MAX);
		cr_assert_not(call_returns_within(&put, BLOCK_WINDOW));
		cr_assert_eq(size_reaches(q, 2), 2, "the first two are in");
		for (uintptr_t i = 1; i <= 4; i++) {
			void *got;
			cr_assert_eq(pcq_get_timed(q, &got, RETURN_WINDOW), 0);
			cr_assert_eq(got, item_of(i));
			/* The put refills the slot: the queue is full again. */
			cr_assert_eq(size_reaches(q, 2), 2, "item %lu not put",
				     (unsigned long)i + 2);
		}
		cr_assert(call_returns_within(&put, RETURN_WINDOW));
		call_join(&put);
		cr_assert_eq(put.rc, 0);
		cr_assert_eq(put.moved, 6);
		expect_items(q, 5, 2);
		pcq_destroy(q);
	}
}

T(bulk, put_many_times_out_with_what_it_put)
{
	for (int fi = 0; fi < 4; fi++) {
		unsigned f = flag_sets[fi];
		pcq_t *q = pcq_create(2, f);
		void *items[5];
		numbered(items, 5, 1);
		size_t done = 99;
		uint64_t t0 = now_ns();
		cr_assert_eq(pcq_put_many(q, items, 5, &done, 50 * MS),
			     ETIMEDOUT);
		cr_assert_geq(now_ns() - t0, 50 * MS, "not before the timeout");
		cr_assert_eq(done, 2, "the first *done were put: %zu", done);
		expect_items(q, 1, 2);
		pcq_destroy(q);
	}
}

T(bulk, put_many_on_a_closed_queue_puts_none)
{
	for (int fi = 0; fi < 4; fi++) {
		unsigned f = flag_sets[fi];
		pcq_t *q = pcq_create(4, f);
		cr_assert_eq(pcq_put(q, item_of(1)), 0);
		pcq_close(q);
		void *items[3];
		numbered(items, 3, 5);
		uint64_t timeouts[] = { 0, 50 * MS, UINT64_MAX };
		for (int t = 0; t < 3; t++) {
			size_t done = 99;
			cr_assert_eq(pcq_put_many(q, items, 3, &done,
						  timeouts[t]), EPIPE);
			cr_assert_eq(done, 0);
		}
		cr_assert_eq(pcq_size(q), 1);
		pcq_destroy(q);
	}
}

T(bulk, put_many_closed_beats_full)
{
	for (int fi = 0; fi < 4; fi++) {
		unsigned f = flag_sets[fi];
		pcq_t *q = pcq_create(1, f);
		cr_assert_eq(pcq_put(q, item_of(1)), 0);
		pcq_close(q);
		void *items[2] = { item_of(2), item_of(3) };
		size_t done = 99;
		cr_assert_eq(pcq_put_many(q, items, 2, &done, 0), EPIPE);
		cr_assert_eq(done, 0);
		pcq_destroy(q);
	}
}

/* Closed while it waits: EPIPE, and *done says what went in before. */
T(bulk, put_many_cut_short_by_close_says_what_it_put)
{
	for (int fi = 0; fi < 4; fi++) {
		unsigned f = flag_sets[fi];
		pcq_t *q = pcq_create(2, f);
		void *items[5];
		numbered(items, 5, 1);
		struct call put;
		call_start_many(&put, q, OP_PUT_MANY, items, 5, UINT64_MAX);
		cr_assert_not(call_returns_within(&put, BLOCK_WINDOW));
		pcq_close(q);
		cr_assert(call_returns_within(&put, RETURN_WINDOW));
		call_join(&put);
		cr_assert_eq(put.rc, EPIPE);
		cr_assert_eq(put.moved, 2);
		expect_items(q, 1, 2);
		void *got;
		cr_assert_eq(pcq_get(q, &got), EPIPE);
		pcq_destroy(q);
	}
}

/* In order with the same thread's other puts. */
T(bulk, put_many_keeps_order_with_single_puts)
{
	for (int fi = 0; fi < 4; fi++) {
		unsigned f = flag_sets[fi];
		pcq_t *q = pcq_create(16, f);
		void *items[4];
		size_t done;
		cr_assert_eq(pcq_put(q, item_of(1)), 0);
		numbered(items, 3, 2);
		cr_assert_eq(pcq_put_many(q, items, 3, &done, 0), 0);
		cr_assert_eq(pcq_try_put(q, item_of(5)), 0);
		numbered(items, 4, 6);
		cr_assert_eq(pcq_put_many(q, items, 4, &done, UINT64_MAX), 0);
		cr_assert_eq(pcq_put_timed(q, item_of(10), MS), 0);
		expect_items(q, 1, 10);
		pcq_destroy(q);
	}
}

/* ---- get_many ------------------------------------------------------------ */

T(bulk, get_many_takes_exactly_what_is_held_up_to_n)
{
	for (int fi = 0; fi < 4; fi++) {
		unsigned f = flag_sets[fi];
		pcq_t *q = pcq_create(8, f);
		for (uintptr_t i = 1; i <= 5; i++)
			cr_assert_eq(pcq_put(q, item_of(i)), 0);
		void *items[10];
		size_t got = 99;
		cr_assert_eq(pcq_get_many(q, items, 3, &got, 0), 0);
		cr_assert_eq(got, 3);
		for (uintptr_t i = 0; i < 3; i++)
			cr_assert_eq(items[i], item_of(i + 1), "oldest first");
		cr_assert_eq(pcq_get_many(q, items, 10, &got, UINT64_MAX), 0);
		cr_assert_eq(got, 2, "min(n, items held): %zu", got);
		cr_assert_eq(items[0], item_of(4));
		cr_assert_eq(items[1], item_of(5));
		cr_assert_eq(pcq_size(q), 0);
		pcq_destroy(q);
	}
}

T(bulk, get_many_takes_across_the_ring_end)
{
	for (int fi = 0; fi < 4; fi++) {
		unsigned f = flag_sets[fi];
		pcq_t *q = pcq_create(5, f);
		void *items[5];
		size_t got, done;
		for (uintptr_t lap = 0; lap < 7; lap++) {
			/* 3 in, 3 out: the run wraps at a different place
			 * each lap. */
			numbered(items, 3, lap * 3);
			cr_assert_eq(pcq_put_many(q, items, 3, &done, 0), 0);
			cr_assert_eq(pcq_get_many(q, items, 5, &got, 0), 0);
			cr_assert_eq(got, 3);
			for (uintptr_t i = 0; i < 3; i++)
				cr_assert_eq(items[i], item_of(lap * 3 + i));
		}
		pcq_destroy(q);
	}
}

T(bulk, get_many_timeout_zero_on_empty_is_eagain)
{
	for (int fi = 0; fi < 4; fi++) {
		unsigned f = flag_sets[fi];
		pcq_t *q = pcq_create(2, f);
		void *items[2];
		size_t got = 99;
		cr_assert_eq(pcq_get_many(q, items, 2, &got, 0), EAGAIN);
		cr_assert_eq(got, 0);
		pcq_destroy(q);
	}
}

/* Waits for one item, then takes what is there without waiting again. */
T(bulk, get_many_waits_for_one_then_takes_without_waiting)
{
	for (int fi = 0; fi < 4; fi++) {
		unsigned f = flag_sets[fi];
		pcq_t *q = pcq_create(4, f);
		struct call get;
		call_start_many(&get, q, OP_GET_MANY, NULL, 4, UINT64_MAX);
		cr_assert_not(call_returns_within(&get, BLOCK_WINDOW));
		cr_assert_eq(pcq_put(q, item_of(7)), 0);
		cr_assert(call_returns_within(&get, RETURN_WINDOW),
			  "it waited for more than one item");
		call_join(&get);
		cr_assert_eq(get.rc, 0);
		cr_assert_geq(get.moved, 1);
		cr_assert_eq(get.moved, 1, "only one item was put");
		cr_assert_eq(get.items[0], item_of(7));
		pcq_destroy(q);
	}
}

T(bulk, get_many_times_out_with_nothing)
{
	for (int fi = 0; fi < 4; fi++) {
		unsigned f = flag_sets[fi];
		pcq_t *q = pcq_create(2, f);
		void *items[2];
		size_t got = 99;
		uint64_t t0 = now_ns();
		cr_assert_eq(pcq_get_many(q, items, 2, &got, 50 * MS),
			     ETIMEDOUT);
		cr_assert_geq(now_ns() - t0, 50 * MS, "not before the timeout");
		cr_assert_eq(got, 0);
		pcq_destroy(q);
	}
}

T(bulk, get_many_drains_a_closed_queue_then_epipe)
{
	for (int fi = 0; fi < 4; fi++) {
		unsigned f = flag_sets[fi];
		pcq_t *q = pcq_create(4, f);
		for (uintptr_t i = 1; i <= 3; i++)
			cr_assert_eq(pcq_put(q, item_of(i)), 0);
		pcq_close(q);
		void *items[2];
		size_t got = 99;
		cr_assert_eq(pcq_get_many(q, items, 2, &got, 0), 0);
		cr_assert_eq(got, 2);
		cr_assert_eq(pcq_get_many(q, items, 2, &got, UINT64_MAX), 0);
		cr_assert_eq(got, 1);
		cr_assert_eq(items[0], item_of(3));
		uint64_t timeouts[] = { 0, 50 * MS, UINT64_MAX };
		for (int t = 0; t < 3; t++) {
			got = 99;
			uint64_t t0 = now_ns();
			cr_assert_eq(pcq_get_many(q, items, 2, &got,
						  timeouts[t]), EPIPE);
			cr_assert_eq(got, 0);
			cr_assert_lt(now_ns() - t0, 40 * MS, "EPIPE at once");
		}
		pcq_destroy(q);
	}
}

T(bulk, close_wakes_blocked_get_many_and_put_many)
{
	for (int fi = 0; fi < 4; fi++) {
		unsigned f = flag_sets[fi];
		pcq_t *empty = pcq_create(2, f), *full = pcq_create(1, f);
		cr_assert_eq(pcq_put(full, item_of(1)), 0);
		void *items[3];
		numbered(items, 3, 2);
		struct call get, put;
		call_start_many(&get, empty, OP_GET_MANY, NULL, 3, UINT64_MAX);
		call_start_many(&put, full, OP_PUT_MANY, items, 3, 60000 * MS);
		cr_assert_not(call_returns_within(&get, BLOCK_WINDOW));
		cr_assert_not(call_returns_within(&put, 0));
		pcq_close(empty);
		pcq_close(full);
		cr_assert(call_returns_within(&get, RETURN_WINDOW));
		cr_assert(call_returns_within(&put, RETURN_WINDOW));
		call_join(&get);
		call_join(&put);
		cr_assert_eq(get.rc, EPIPE);
		cr_assert_eq(get.moved, 0);
		cr_assert_eq(put.rc, EPIPE);
		cr_assert_eq(put.moved, 0);
		pcq_destroy(empty);
		pcq_destroy(full);
	}
}

/* ---- pcq_stats ------------------------------------------------------------ */

/* A bulk call that waits counts like any other: put_many counts a wait
 * each time it finds q full and begins to wait. */
T(bulk, put_many_counts_a_wait_each_time_it_finds_q_full)
{
	for (int fi = 0; fi < 4; fi++) {
		unsigned f = flag_sets[fi];
		pcq_t *q = pcq_create(1, f);
		cr_assert_eq(pcq_put(q, item_of(1)), 0);
		void *items[3];
		numbered(items, 3, 2);
		size_t done;
		cr_assert_eq(pcq_put_many(q, items, 3, &done, 0), EAGAIN);
		struct pcq_stats s;
		cr_assert_eq(pcq_stats(q, &s), 0);
		cr_assert_eq(s.put_waits, 0, "timeout 0 never waits");
		struct call put;
		call_start_many(&put, q, OP_PUT_MANY, items, 3, UINT64_MAX);
		for (uintptr_t i = 1; i <= 3; i++) {
			/* Wait (bounded) until it has begun wait number i. */
			uint64_t end = now_ns() + RETURN_WINDOW;
			do
				cr_assert_eq(pcq_stats(q, &s), 0);
			while (s.put_waits < i && now_ns() < end);
			cr_assert_eq(s.put_waits, i, "flags %u: %llu waits, want "
				     "%lu; size %zu, sleeps %llu", f,
				     (unsigned long long)s.put_waits,
				     (unsigned long)i, pcq_size(q),
				     (unsigned long long)s.put_sleeps);
			void *got;
			cr_assert_eq(pcq_get_timed(q, &got, RETURN_WINDOW), 0);
			cr_assert_eq(got, item_of(i));
		}
		cr_assert(call_returns_within(&put, RETURN_WINDOW));
		call_join(&put);
		cr_assert_eq(put.rc, 0);
		cr_assert_eq(pcq_stats(q, &s), 0);
		cr_assert_eq(s.put_waits, 3, "the last item fitted: no wait");
		cr_assert_eq(s.get_waits, 0);
		pcq_destroy(q);
	}
}

T(bulk, get_many_counts_one_wait)
{
	for (int fi = 0; fi < 4; fi++) {
		unsigned f = flag_sets[fi];
		pcq_t *q = pcq_create(2, f);
		void *items[2];
		size_t got;
		cr_assert_eq(pcq_get_many(q, items, 2, &got, 0), EAGAIN);
		cr_assert_eq(pcq_get_many(q, items, 2, &got, 20 * MS),
			     ETIMEDOUT);
		struct pcq_stats s;
		cr_assert_eq(pcq_stats(q, &s), 0);
		cr_assert_eq(s.get_waits, 1);
		cr_assert_geq(s.get_sleeps, 1, "20 ms outlasts any spin");
		cr_assert_eq(s.put_waits, 0);
		pcq_destroy(q);
	}
}

/* ---- exactly once, single and bulk calls mixed ---------------------------- */

#define MIX_PRODUCERS 2
#define MIX_CONSUMERS 2
#define MIX_ITEMS 20000 /* per producer */

struct mix {
	pcq_t *q;
	int id;
	uint64_t seed;
	unsigned char *seen; /* consumers: one counter per item */
	uintptr_t last[MIX_PRODUCERS]; /* consumers: last sequence + 1 */
	bool order_ok;
};

static void *mix_producer(void *arg)
{
	struct mix *m = arg;
	uintptr_t seq = 0;
	while (seq < MIX_ITEMS) {
		size_t n = 1 + rng_next(&m->seed) % 8, done = 0;
		if (n > MIX_ITEMS - seq)
			n = MIX_ITEMS - seq;
		void *items[8];
		for (size_t i = 0; i < n; i++)
			items[i] = item_of((uintptr_t)m->id << 24 | (seq + i));
		if (n == 1 && rng_next(&m->seed) % 2)
			cr_assert_eq(pcq_put(m->q, items[0]), 0);
		else
			cr_assert_eq(pcq_put_many(m->q, items, n, &done,
						  UINT64_MAX), 0);
		seq += n;
	}
	return NULL;
}

static void *mix_consumer(void *arg)
{
	struct mix *m = arg;
	m->order_ok = true;
	for (;;) {
		void *items[8];
		size_t got = 0;
		int rc;
		if (rng_next(&m->seed) % 2) {
			rc = pcq_get(m->q, &items[0]);
			got = rc == 0;
		} else {
			rc = pcq_get_many(m->q, items,
					  1 + rng_next(&m->seed) % 8, &got,
					  UINT64_MAX);
		}
		if (rc == EPIPE)
			return NULL;
		cr_assert_eq(rc, 0);
		for (size_t i = 0; i < got; i++) {
			uintptr_t v = (uintptr_t)items[i];
			uintptr_t p = v >> 24, seq = v & 0xffffff;
			cr_assert_lt(p, MIX_PRODUCERS);
			cr_assert_lt(seq, MIX_ITEMS);
			if (seq + 1 <= m->last[p])
				m->order_ok = false;
			m->last[p] = seq + 1;
			m->seen[p * MIX_ITEMS + seq]++;
		}
	}
}

T(bulk, single_and_bulk_calls_mixed_give_each_item_once_in_order)
{
	uint64_t seed = seed_from_env("bulk mix");
	unsigned fl[] = { 0, PCQ_SP | PCQ_SC };
	for (int k = 0; k < 2; k++) {
		int np = fl[k] ? 1 : MIX_PRODUCERS, nc = fl[k] ? 1 : MIX_CONSUMERS;
		pcq_t *q = pcq_create(7, fl[k]);
		struct mix ps[MIX_PRODUCERS], cs[MIX_CONSUMERS];
		pthread_t pt[MIX_PRODUCERS], ct[MIX_CONSUMERS];
		for (int i = 0; i < nc; i++) {
			cs[i] = (struct mix){ .q = q, .seed = seed + 100 + i };
			cs[i].seen = calloc(MIX_PRODUCERS * MIX_ITEMS, 1);
			pthread_create(&ct[i], NULL, mix_consumer, &cs[i]);
		}
		for (int i = 0; i < np; i++) {
			ps[i] = (struct mix){ .q = q, .id = i, .seed = seed + i };
			pthread_create(&pt[i], NULL, mix_producer, &ps[i]);
		}
		for (int i = 0; i < np; i++)
			pthread_join(pt[i], NULL);
		pcq_close(q);
		for (int i = 0; i < nc; i++) {
			pthread_join(ct[i], NULL);
			cr_assert(cs[i].order_ok, "a producer's items reordered");
		}
		for (int p = 0; p < np; p++)
			for (int s = 0; s < MIX_ITEMS; s++) {
				int n = 0;
				for (int i = 0; i < nc; i++)
					n += cs[i].seen[p * MIX_ITEMS + s];
				cr_assert_eq(n, 1, "producer %d item %d got %d "
					     "times", p, s, n);
			}
		for (int i = 0; i < nc; i++)
			free(cs[i].seen);
		pcq_destroy(q);
	}
}
