/*
 * fuzz_mt.c - libFuzzer target: a producer thread puts while the fuzz
 * thread gets, both driven by the input; only what holds concurrently is
 * checked: every accepted item comes out exactly once and in order (one
 * producer, so the consumer must see 0, 1, 2, ... with no gap), and
 * pcq_size is always within [0, capacity].
 *
 * Input: byte 0 capacity (1-16), byte 1 flags (any: one producer, one
 * consumer); then even bytes are the producer's calls (try, timed 0,
 * timed tiny, blocking, put_many of 1-8 items with timeout 0, tiny or for
 * ever), odd bytes the consumer's (the same gets, get_many, size, or close
 * for bytes >= 0xfc). The producer closes the queue when its calls are
 * done; the consumer then drains it with pcq_get until EPIPE.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/prctl.h>

#include "pcq.h"

struct run {
	pcq_t *q;
	const uint8_t *data;
	size_t size;
	uintptr_t accepted;
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	prctl(PR_SET_TIMERSLACK, 1ul, 0ul, 0ul, 0ul);
	return 0;
}

static void fail(const char *what, unsigned long a, unsigned long b)
{
	fprintf(stderr, "fuzz_mt: %s (%lu, %lu)\n", what, a, b);
	__builtin_trap();
}

static void *producer(void *arg)
{
	struct run *r = arg;
	prctl(PR_SET_TIMERSLACK, 1ul, 0ul, 0ul, 0ul);
	for (size_t i = 2; i < r->size; i += 2) {
		uint8_t b = r->data[i];
		void *item = (void *)r->accepted;
		int rc;
		size_t done = 0, n = 1 + (b >> 5);
		switch (b % 5) {
		case 0: rc = pcq_try_put(r->q, item); break;
		case 1: rc = pcq_put_timed(r->q, item, 0); break;
		case 2: rc = pcq_put_timed(r->q, item, 1 + b * 8u); break;
		case 3: rc = pcq_put(r->q, item); break;
		default: {
			void *items[8];
			for (size_t k = 0; k < n; k++)
				items[k] = (void *)(r->accepted + k);
			uint64_t t = b % 3 == 0 ? 0 : b % 3 == 1 ? 1 + b * 8u
								  : UINT64_MAX;
			rc = pcq_put_many(r->q, items, n, &done, t);
			if (done > n || (rc == 0) != (done == n))
				fail("put_many's *done", done, n);
			r->accepted += done;
			if (rc != 0 && rc != EAGAIN && rc != ETIMEDOUT &&
			    rc != EPIPE)
				fail("put_many returned", (unsigned long)rc, 0);
			continue;
		}
		}
		if (rc == 0)
			r->accepted++;
		else if (rc != EAGAIN && rc != ETIMEDOUT && rc != EPIPE)
			fail("put returned", (unsigned long)rc, 0);
	}
	pcq_close(r->q);
	return NULL;
}

static void got_one(const struct run *r, uintptr_t *next, void *item)
{
	if ((uintptr_t)item != *next)
		fail("got item, expected item", (unsigned long)(uintptr_t)item,
		     (unsigned long)*next);
	(*next)++;
	(void)r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t cap = 1 + data[0] % 16;
	struct run r = { .q = pcq_create(cap, data[1] & 3), .data = data,
			 .size = size };
	if (r.q == NULL)
		__builtin_trap();
	pthread_t t;
	if (pthread_create(&t, NULL, producer, &r) != 0)
		__builtin_trap();
	uintptr_t next = 0;
	for (size_t i = 3; i < size; i += 2) {
		uint8_t b = data[i];
		void *item = NULL;
		int rc;
		if (b >= 0xfc) {
			pcq_close(r.q);
			continue;
		}
		switch (b % 6) {
		case 0: rc = pcq_try_get(r.q, &item); break;
		case 1: rc = pcq_get_timed(r.q, &item, 0); break;
		case 2: rc = pcq_get_timed(r.q, &item, 1 + b * 8u); break;
		case 3: rc = pcq_get(r.q, &item); break;
		case 4: {
			void *items[8];
			size_t got = 99, n = 1 + (b >> 5);
			rc = pcq_get_many(r.q, items, n,
					  &got, b % 3 == 0 ? 0 : 1 + b * 8u);
			if (got > n || (rc == 0) != (got > 0))
				fail("get_many's *got", got, n);
			for (size_t k = 0; k < got; k++)
				got_one(&r, &next, items[k]);
			if (rc != 0 && rc != EAGAIN && rc != ETIMEDOUT &&
			    rc != EPIPE)
				fail("get_many returned", (unsigned long)rc, 0);
			continue;
		}
		default:
			if (pcq_size(r.q) > cap)
				fail("size above capacity", pcq_size(r.q), cap);
			continue;
		}
		if (rc == 0)
			got_one(&r, &next, item);
		else if (rc != EAGAIN && rc != ETIMEDOUT && rc != EPIPE)
			fail("get returned", (unsigned long)rc, 0);
	}
	void *item;
	while (pcq_get(r.q, &item) == 0)
		got_one(&r, &next, item);
	pthread_join(t, NULL);
	if (next != r.accepted)
		fail("delivered != accepted", next, r.accepted);
	if (pcq_size(r.q) != 0)
		fail("size after drain", pcq_size(r.q), 0);
	pcq_destroy(r.q);
	return 0;
}
