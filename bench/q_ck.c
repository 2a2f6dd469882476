/*
 * q_ck.c - ConcurrencyKit's ck_ring, made blocking by spin-then-yield
 * (spin.h): the _spsc functions when the use is SPSC, _mpmc otherwise.
 *
 * A ck_ring's size must be a power of two, and it holds size - 1 items. The
 * adapter picks the smallest power of two >= max(capacity, 2): at capacity
 * 1024 the ring holds 1023 items, at 8 it holds 7, at 1 it holds 1.
 */
#include <ck_ring.h>
#include <stdlib.h>

#include "queue.h"
#include "spin.h"

struct ck_queue {
	struct ck_ring ring;
	bool spsc;
	ck_ring_buffer_t *buffer;
};

static void *ck_create(const struct use *use)
{
	unsigned size = 2;
	while (size < use->capacity)
		size *= 2;
	struct ck_queue *q = calloc(1, sizeof *q);
	if (q == NULL)
		return NULL;
	q->buffer = calloc(size, sizeof *q->buffer);
	if (q->buffer == NULL) {
		free(q);
		return NULL;
	}
	ck_ring_init(&q->ring, size);
	q->spsc = use->spsc;
	return q;
}

static void ck_destroy(void *arg)
{
	struct ck_queue *q = arg;
	free(q->buffer);
	free(q);
}

static bool try_put(struct ck_queue *q, uint64_t item)
{
	void *p = (void *)(uintptr_t)item;
	return q->spsc ? ck_ring_enqueue_spsc(&q->ring, q->buffer, p)
		       : ck_ring_enqueue_mpmc(&q->ring, q->buffer, p);
}

static bool try_get(struct ck_queue *q, uint64_t *item)
{
	void *p;
	bool ok = q->spsc ? ck_ring_dequeue_spsc(&q->ring, q->buffer, &p)
			  : ck_ring_dequeue_mpmc(&q->ring, q->buffer, &p);
	if (ok)
		*item = (uintptr_t)p;
	return ok;
}

static void ck_put(void *q, uint64_t item)
{
	for (unsigned tries = 1; !try_put(q, item); tries++)
		spin_wait(tries);
}

static uint64_t ck_get(void *q)
{
	uint64_t item;
	for (unsigned tries = 1; !try_get(q, &item); tries++)
		spin_wait(tries);
	return item;
}

static const char *ck_variant(const struct use *use)
{
	return use->spsc ? "spsc" : "mpmc";
}

static void pairs_ck(void *q, long n)
{
	for (long i = 0; i < n; i++) {
		ck_put(q, (uint64_t)i);
		(void)ck_get(q);
	}
}

const struct queue_ops queue_ck_ring = {
	.name = "ck_ring", .waits = "spin+yield", .bound = "bounded",
	.create = ck_create, .destroy = ck_destroy, .put = ck_put,
	.get = ck_get, .variant = ck_variant, .pairs = pairs_ck,
};
