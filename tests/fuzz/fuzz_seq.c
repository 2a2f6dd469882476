/*
 * fuzz_seq.c - libFuzzer target: one thread, every result checked against
 * a sequential model of include/pcq.h (a ring of items + a closed flag).
 *
 * Input: byte 0 picks the capacity (1-64), byte 1 the flags (bit 2 set:
 * an unknown flag, which create must refuse with EINVAL); every further
 * byte is one call: try_put, put_timed(0), put_timed(1-512 ns), put (only
 * where the model says it will not block), the same four gets, close
 * (bytes >= 0xf8), or size/capacity and the EINVAL cases. The model says
 * exactly which of 0, EAGAIN, ETIMEDOUT and EPIPE each call returns, which
 * item a get returns (items are 0, 1, 2, ...: NULL is an item too), and
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

static void misc(pcq_t *q, const struct model *m, size_t at)
{
	void *item = UNTOUCHED;
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
		} else if (b % 9 == 8) {
			misc(q, &m, i);
		} else if (b % 9 < 4) {
			put(q, &m, b % 9, tiny, i);
		} else {
			get(q, &m, b % 9 - 4, tiny, i);
		}
	}
	expect((int)pcq_size(q), (int)m.count, "size at the end", size);
	pcq_destroy(q);
	return 0;
}
