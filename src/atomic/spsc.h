/*
 * spsc.h - the single-producer single-consumer ring (PCQ_SP | PCQ_SC).
 *
 * put_pos and get_pos count the items ever put and got; the ring holds
 * put_pos - get_pos items, 0 <= that <= capacity, and slot i % capacity
 * holds item i. Only the producer writes put_pos, only the consumer writes
 * get_pos, so plain loads and stores suffice: no read-modify-write. Each
 * side keeps a copy of the other's position (`..._seen`) and reads the real
 * one only when its copy says full (producer) or empty (consumer): most
 * calls touch no cache line the other side writes.
 *
 * Edges (docs/design.md has the table):
 *   R1 put stores put_pos (release)  ->  A1 get loads put_pos (acquire):
 *      the consumer that sees put_pos > i sees item i in its slot.
 *   R2 get stores get_pos (release)  ->  A2 put loads get_pos (acquire):
 *      the producer that sees get_pos > i overwrites slot i only after the
 *      consumer has read it.
 *
 * Close. A put that read closed == false may still be running when close
 * runs; its item must not be lost by a get that sees "closed and empty" and
 * returns EPIPE. So a put announces itself in put_claimed before it reads
 * `closed`, and a get that finds the ring closed and empty returns EPIPE
 * only when no put is running - with the F_w/F_s barrier pair of park.h
 * between the two stores and the two loads:
 *      put:  put_claimed = pos + k; F_w; read closed
 *      get:  read closed; F_s; read put_claimed
 * Either the put sees closed (and backs out), or the get sees the put.
 */
#ifndef PCQ_SPSC_H
#define PCQ_SPSC_H

#include <errno.h>

#include "ring.h"

static inline size_t spsc_next_index(const struct pcq *q, size_t i)
{
	return i + 1 == q->capacity ? 0 : i + 1;
}

/* Copies k items into the ring from slot i on, wrapping at its end (at
 * most two runs of slots); returns the slot after the last. One item, as
 * every single-item call has (k is then known at compile time), is one
 * store and one step. */
__attribute__((always_inline)) static inline size_t
spsc_copy_in(struct pcq *q, size_t i, void *const *items, size_t k)
{
	if (k == 1) {
		q->ring[i] = items[0];
		return spsc_next_index(q, i);
	}
	size_t first = q->capacity - i < k ? q->capacity - i : k;
	for (size_t j = 0; j < first; j++)
		q->ring[i + j] = items[j];
	for (size_t j = first; j < k; j++)
		q->ring[j - first] = items[j];
	i += k;
	return i >= q->capacity ? i - q->capacity : i;
}

/* The mirror: copies k items out of the ring from slot i on. */
__attribute__((always_inline)) static inline size_t
spsc_copy_out(const struct pcq *q, size_t i, void **items, size_t k)
{
	if (k == 1) {
		items[0] = q->ring[i];
		return spsc_next_index(q, i);
	}
	size_t first = q->capacity - i < k ? q->capacity - i : k;
	for (size_t j = 0; j < first; j++)
		items[j] = q->ring[i + j];
	for (size_t j = first; j < k; j++)
		items[j] = q->ring[j - first];
	i += k;
	return i >= q->capacity ? i - q->capacity : i;
}

/* Puts items[0..n) while there is room, in order: one position store and
 * one wake-up check for the whole batch. Adds how many it put to *done.
 * Returns 0 (all n), EAGAIN (full before all n) or EPIPE (closed). */
__attribute__((always_inline)) static inline int
spsc_try_put_many(struct pcq *q, void *const *items, size_t n, size_t *done)
{
	/* Relaxed: only this thread writes put_pos. */
	size_t pos = atomic_load_explicit(&q->put_pos, memory_order_relaxed);
	size_t room = q->capacity - (pos - q->get_pos_seen);
	if (room < n) {
		/* A2: pairs with R2 in spsc_try_get_many. */
		q->get_pos_seen = atomic_load_explicit(&q->get_pos,
						       memory_order_acquire);
		room = q->capacity - (pos - q->get_pos_seen);
		if (room == 0)
			return atomic_load_explicit(&q->closed,
						    memory_order_relaxed)
				       ? EPIPE
				       : EAGAIN;
	}
	size_t k = n < room ? n : room;
	/* C1: "a put is running" (put_claimed != put_pos), and where it will
	 * end. Relaxed: F_w orders it before the load of closed; pairs with
	 * F_s in spsc_closed_empty. */
	atomic_store_explicit(&q->put_claimed, pos + k, memory_order_relaxed);
	fence_fast(q->asymmetric); /* F_w */
	if (atomic_load_explicit(&q->closed, memory_order_relaxed)) {
		atomic_store_explicit(&q->put_claimed, pos,
				      memory_order_relaxed);
		/* A get may be waiting to see this put end. */
		waitq_wake(&q->items, 1, q->asymmetric);
		return EPIPE;
	}
	q->put_index = spsc_copy_in(q, q->put_index, items, k);
	/* R1: publish items pos .. pos + k - 1. Pairs with A1 in
	 * spsc_try_get_many. */
	atomic_store_explicit(&q->put_pos, pos + k, memory_order_release);
	waitq_wake(&q->items, 1, q->asymmetric);
	*done += k;
	return k == n ? 0 : EAGAIN;
}

/* The get found the ring empty: EPIPE if closed and no put is running,
 * else EAGAIN (wait: an item or the end is coming). */
__attribute__((noinline, cold)) static int spsc_closed_empty(struct pcq *q,
							     size_t pos)
{
	if (q->drained)
		return EPIPE;
	if (!atomic_load_explicit(&q->closed, memory_order_relaxed))
		return EAGAIN;
	fence_slow(); /* F_s: pairs with F_w in spsc_try_put_many */
	/* Relaxed: F_s made a running put's C1 visible, if there is one. */
	if (atomic_load_explicit(&q->put_claimed, memory_order_relaxed) != pos)
		return EAGAIN; /* it will publish or back out, and wake us */
	/* No put is running, and every later one will see closed. */
	q->drained = true;
	return EPIPE;
}

/* Takes up to n items into items[0..), oldest first: one position store
 * and one wake-up check for the whole batch. Sets *got to how many.
 * Returns 0 (at least one), EAGAIN (empty) or EPIPE (closed and empty). */
__attribute__((always_inline)) static inline int
spsc_try_get_many(struct pcq *q, void **items, size_t n, size_t *got)
{
	/* Relaxed: only this thread writes get_pos. */
	size_t pos = atomic_load_explicit(&q->get_pos, memory_order_relaxed);
	size_t held = q->put_pos_seen - pos;
	if (held < n) {
		/* A1: pairs with R1 in spsc_try_put_many. */
		q->put_pos_seen = atomic_load_explicit(&q->put_pos,
						       memory_order_acquire);
		held = q->put_pos_seen - pos;
		if (held == 0)
			return spsc_closed_empty(q, pos);
	}
	size_t k = n < held ? n : held;
	q->get_index = spsc_copy_out(q, q->get_index, items, k);
	/* R2: free slots pos .. pos + k - 1. Pairs with A2 in
	 * spsc_try_put_many. */
	atomic_store_explicit(&q->get_pos, pos + k, memory_order_release);
	waitq_wake(&q->spaces, 1, q->asymmetric);
	*got = k;
	return 0;
}

#endif /* PCQ_SPSC_H */
