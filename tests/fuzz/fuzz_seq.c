/*
 * fuzz_seq.c - libFuzzer target: one thread, every result checked against
 * a sequential model of include/pcq.h (a ring of items + a closed flag).
 *
 * Input: byte 0 picks the capacity (1-64), byte 1 the flags (bit 2 set:
 * an unknown flag, which create must refuse with EINVAL); every further
 * byte is one call: try_put, put_timed(0), put_timed(1-512 ns), put (only
 * where the model says it will not block), the same four gets, put_many
 * and get_many of 1-8 items with timeout 0, tiny or for ever (only where
 * it will not block), close (bytes >= 0xf8), or size/capacity and the
 * EINVAL cases. The model says exactly which of 0, EAGAIN, ETIMEDOUT and
 * EPIPE each call returns, how many items a bulk call moves and which
 * items a get returns (items are 0, 1, 2, ...: NULL is an item too), and
 * that a failed get leaves *item untouched. Any difference traps.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>

#include "pcq.h"

#define MAX_CAP 64
#define UNTOUCHED ((void *)0x5eed)

struct model {
	uintptr_t ring[MAX_CAP];
	size_t cap, first, count;
	int closed;
	uintptr_t next; /* the next item to put */
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/* Timed calls of a few ns otherwise cost the 50 us timer slack. */
	prctl(PR_SET_TIMERSLACK, 1ul, 0ul, 0ul, 0ul);
	return 0;
}

static void expect(int got, int want, const char *call, size_t at)
{
	if (got != want) {
		fprintf(stderr, "fuzz_seq: byte %zu: %s returned %d, the model "
			"says %d\n", at, call, got, want);
		__builtin_trap();
	}
}

/* Kinds of call: 0 try, 1 timed(0), 2 timed(tiny), 3 blocking. */
static int expect_put(const struct model *m, int kind)
{
	if (m->closed)
		return EPIPE;
	if (m->count == m->cap)
		return kind == 0 ? EAGAIN : ETIMEDOUT;
	return 0;
}

static int expect_get(const struct model *m, int kind)
{
	if (m->count > 0)
		return 0;
	if (m->closed)
		return EPIPE;
	return kind == 0 ? EAGAIN : ETIMEDOUT;
}

static void put(pcq_t *q, struct model *m, int kind, uint64_t tiny, size_t at)
{
	int want = expect_put(m, kind);
	if (kind == 3 && want != 0 && want != EPIPE)
		kind = 0, want = EAGAIN; /* would block for ever: try instead */
	void *item = (void *)m->next;
	int rc = kind == 0 ? pcq_try_put(q, item) :
		 kind == 1 ? pcq_put_timed(q, item, 0) :
		 kind == 2 ? pcq_put_timed(q, item, tiny) : pcq_put(q, item);
	expect(rc, want, "put", at);
	if (rc == 0) {
		m->ring[(m->first + m->count) % m->cap] = m->next++;
		m->count++;
	}
}

static void get(pcq_t *q, struct model *m, int kind, uint64_t tiny, size_t at)
{
	int want = expect_get(m, kind);
	if (kind == 3 && want != 0 && want != EPIPE)
		kind = 0, want = EAGAIN;
	void *item = UNTOUCHED;
	int rc = kind == 0 ? pcq_try_get(q, &item) :
		 kind == 1 ? pcq_get_timed(q, &item, 0) :
		 kind == 2 ? pcq_get_timed(q, &item, tiny) : pcq_get(q, &item);
	expect(rc, want, "get", at);
	if (rc != 0) {
		if (item != UNTOUCHED) {
			fprintf(stderr, "fuzz_seq: byte %zu: failed get wrote "
				"*item\n", at);
			__builtin_trap();
		}
		return;
	}
	if ((uintptr_t)item != m->ring[m->first]) {
		fprintf(stderr, "fuzz_seq: byte %zu: got item %lu, the model "
			"says %lu\n", at, (unsigned long)(uintptr_t)item,
			(unsigned long)m->ring[m->first]);
		__builtin_trap();
	}
	m->first = (m->first + 1) % m->cap;
	m->count--;
}

/* put_many of n items; kind 0: timeout 0, 1: tiny, 2: for ever (only if
 * all fit: else timeout 0). */
static void put_many(pcq_t *q, struct model *m, int kind, size_t n,
		     uint64_t tiny, size_t at)
{
	size_t room = m->cap - m->count, fit = n < room ? n : room;
	if (kind == 2 && fit < n && !m->closed)
		kind = 0;
	int want = m->closed ? EPIPE : fit == n ? 0 : kind == 0 ? EAGAIN
								: ETIMEDOUT;
	if (m->closed)
		fit = 0;
	void *items[8];
	for (size_t i = 0; i < n; i++)
		items[i] = (void *)(m->next + i);
	size_t done = 99;
	int rc = pcq_put_many(q, items, n, &done, kind == 0 ? 0 :
				  kind == 1 ? tiny : UINT64_MAX);
	expect(rc, want, "put_many", at);
	expect((int)done, (int)fit, "put_many's *done", at);
	for (size_t i = 0; i < fit; i++) {
		m->ring[(m->first + m->count) % m->cap] = m->next++;
		m->count++;
	}
}

/* get_many of up to n items; kinds as for put_many. */
static void get_many(pcq_t *q, struct model *m, int kind, size_t n,
		     uint64_t tiny, size_t at)
{
	if (kind == 2 && m->count == 0 && !m->closed)
		kind = 0;
	size_t take = n < m->count ? n : m->count;
	int want = take > 0 ? 0 : m->closed ? EPIPE : kind == 0 ? EAGAIN
							       : ETIMEDOUT;
	void *items[8];
	size_t got = 99;
	int rc = pcq_get_many(q, items, n, &got, kind == 0 ? 0 :
				  kind == 1 ? tiny : UINT64_MAX);
	expect(rc, want, "get_many", at);
	expect((int)got, (int)take, "get_many's *got", at);
	for (size_t i = 0; i < take; i++) {
		if ((uintptr_t)items[i] != m->ring[m->first]) {
			fprintf(stderr, "fuzz_seq: byte %zu: get_many's item %zu"
				" is %lu, the model says %lu\n", at, i,
				(unsigned long)(uintptr_t)items[i],
				(unsigned long)m->ring[m->first]);
			__builtin_trap();
		}
		m->first = (m->first + 1) % m->cap;
		m->count--;
	}
}

static void misc(pcq_t *q, const struct model *m, size_t at)
{
	void *item = UNTOUCHED;
	void *items[2] = { item, item };
	size_t moved = 77;
	expect(pcq_put_many(q, items, 0, &moved, 0), EINVAL, "put_many(0)", at);
	expect(pcq_put_many(q, NULL, 1, &moved, 0), EINVAL, "put_many(NULL)",
	       at);
	expect(pcq_put_many(q, items, 1, NULL, 0), EINVAL,
	       "put_many(done NULL)", at);
	expect(pcq_get_many(NULL, items, 1, &moved, 0), EINVAL,
	       "get_many(NULL)", at);
	expect(pcq_get_many(q, items, 0, &moved, 1), EINVAL, "get_many(0)", at);
	expect((int)moved, 77, "*done/*got after EINVAL", at);
	expect((int)pcq_size(q), (int)m->count, "size", at);
	expect((int)pcq_capacity(q), (int)m->cap, "capacity", at);
	expect(pcq_try_put(NULL, item), EINVAL, "try_put(NULL)", at);
	expect(pcq_get_timed(NULL, &item, 1), EINVAL, "get_timed(NULL)", at);
	expect(pcq_try_get(q, NULL), EINVAL, "try_get(q, NULL)", at);
	expect(pcq_get(q, NULL), EINVAL, "get(q, NULL)", at);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	struct model m = { .cap = 1 + data[0] % MAX_CAP };
	unsigned flags = data[1] & 7;
	pcq_t *q = pcq_create(m.cap, flags);
	if (flags & 4) {
		if (q != NULL || errno != EINVAL)
			__builtin_trap();
		return 0;
	}
	if (q == NULL)
		__builtin_trap();
	for (size_t i = 2; i < size; i++) {
		uint8_t b = data[i];
		uint64_t tiny = 1 + (b >> 4) * 32;
		if (b >= 0xf8) {
			pcq_close(q);
			m.closed = 1;
		} else if (b % 11 == 8) {
			misc(q, &m, i);
		} else if (b % 11 == 9) {
			put_many(q, &m, (b >> 4) % 3, 1 + (b >> 5), tiny, i);
		} else if (b % 11 == 10) {
			get_many(q, &m, (b >> 4) % 3, 1 + (b >> 5), tiny, i);
		} else if (b % 11 < 4) {
			put(q, &m, b % 11, tiny, i);
		} else {
			get(q, &m, b % 11 - 4, tiny, i);
		}
	}
	expect((int)pcq_size(q), (int)m.count, "size at the end", size);
	pcq_destroy(q);
	return 0;
}
