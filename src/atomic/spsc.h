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
 *      put:  put_claimed = pos + 1; F_w; read closed
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

__attribute__((always_inline)) static inline int
spsc_try_put(struct pcq *q, void *item)
{
	/* Relaxed: only this thread writes put_pos. */
	size_t pos = atomic_load_explicit(&q->put_pos, memory_order_relaxed);
	if (pos - q->get_pos_seen == q->capacity) {
		/* A2: pairs with R2 in spsc_try_get. */
		q->get_pos_seen = atomic_load_explicit(&q->get_pos,
						       memory_order_acquire);
		if (pos - q->get_pos_seen == q->capacity)
			return atomic_load_explicit(&q->closed,
						    memory_order_relaxed)
				       ? EPIPE
				       : EAGAIN;
	}
	/* C1: "a put is running". Relaxed: F_w orders it before the load of
	 * closed; pairs with F_s in spsc_closed_empty. */
	atomic_store_explicit(&q->put_claimed, pos + 1, memory_order_relaxed);
	fence_fast(q->asymmetric); /* F_w */
	if (atomic_load_explicit(&q->closed, memory_order_relaxed)) {
		atomic_store_explicit(&q->put_claimed, pos,
				      memory_order_relaxed);
		/* A get may be waiting to see this put end. */
		waitq_wake(&q->items, 1, q->asymmetric);
		return EPIPE;
	}
	q->ring[q->put_index] = item;
	q->put_index = spsc_next_index(q, q->put_index);
	/* R1: publish item pos. Pairs with A1 in spsc_try_get. */
	atomic_store_explicit(&q->put_pos, pos + 1, memory_order_release);
	waitq_wake(&q->items, 1, q->asymmetric);
	return 0;
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
	fence_slow(); /* F_s: pairs with F_w in spsc_try_put */
	/* Relaxed: F_s made a running put's C1 visible, if there is one. */
	if (atomic_load_explicit(&q->put_claimed, memory_order_relaxed) != pos)
		return EAGAIN; /* it will publish or back out, and wake us */
	/* No put is running, and every later one will see closed. */
	q->drained = true;
	return EPIPE;
}

__attribute__((always_inline)) static inline int
spsc_try_get(struct pcq *q, void **item)
{
	/* Relaxed: only this thread writes get_pos. */
	size_t pos = atomic_load_explicit(&q->get_pos, memory_order_relaxed);
	if (pos == q->put_pos_seen) {
		/* A1: pairs with R1 in spsc_try_put. */
		q->put_pos_seen = atomic_load_explicit(&q->put_pos,
						       memory_order_acquire);
		if (pos == q->put_pos_seen)
			return spsc_closed_empty(q, pos);
	}
	*item = q->ring[q->get_index];
	q->get_index = spsc_next_index(q, q->get_index);
	/* R2: free slot pos. Pairs with A2 in spsc_try_put. */
	atomic_store_explicit(&q->get_pos, pos + 1, memory_order_release);
	waitq_wake(&q->spaces, 1, q->asymmetric);
	return 0;
}

#endif /* PCQ_SPSC_H */
