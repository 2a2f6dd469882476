/*
 * mpmc.h - the multi-producer multi-consumer ring: Dmitry Vyukov's bounded
 * queue with per-slot turns, for any capacity.
 *
 * Positions. put_pos and get_pos count up through positions; a position is
 * (lap << bits) | index with index < capacity, where bits is just enough to
 * hold capacity - 1 and index_mask = 2^bits - 1. Counting skips from index
 * capacity - 1 to index 0 of the next lap, so any capacity works with a
 * mask instead of a division, and every slot is used. POS_CLOSED, the top
 * bit of put_pos, is set by close: it freezes put_pos.
 *
 * Turns. Slot i says whose turn it is, as a lap base (position & ~mask):
 *   turn == base(p)        empty, waiting for the put at position p
 *   turn == base(p) + 1    full, waiting for the get at position p
 * and a get at p hands the slot to the put of the next lap: base(p) + 2^bits.
 * calloc's zeros are "empty, lap 0" for every slot: nothing to initialise.
 *
 * A put at position p: if slot p is empty for p, claim p with a CAS on
 * put_pos (p -> next(p)), store the item, then the turn. If slot p still
 * holds the item of the lap before, the ring is full (or a get is taking
 * that item right now): EAGAIN. A get mirrors it. A claim happens only
 * when the slot is ready, so a call that gives up has changed nothing;
 * the only waiting left is for a put that has claimed a slot but not yet
 * stored its turn, which the caller does by parking like any other wait.
 *
 * Edges (docs/design.md has the table):
 *   R1 put stores turn = base + 1 (release)  ->  A1 get loads turn
 *      (acquire): the getter that sees the slot full sees its item.
 *   R2 get stores turn = next base (release) ->  A2 put loads turn
 *      (acquire): the putter that sees the slot empty overwrites the item
 *      only after the getter has read it.
 * The CASes on put_pos and get_pos are relaxed: they only decide which
 * thread owns a slot; the slot's turn carries the data.
 */
#ifndef PCQ_MPMC_H
#define PCQ_MPMC_H

#include <errno.h>
#include <stdint.h>

#include "ring.h"

#define POS_CLOSED ((size_t)1 << (sizeof(size_t) * 8 - 1))

static inline size_t lap_base(const struct pcq *q, size_t pos)
{
	return pos & ~q->index_mask;
}

static inline size_t next_pos(const struct pcq *q, size_t pos)
{
	/* After index capacity - 1 comes index 0 of the next lap. */
	return (pos & q->index_mask) == q->capacity - 1
		       ? (pos | q->index_mask) + 1
		       : pos + 1;
}

/* Signed distance of a turn from what the caller waits for. */
static inline intptr_t turn_diff(size_t turn, size_t want)
{
	return (intptr_t)(turn - want);
}

/* Waking. Gets take positions in order, so the items of puts that
 * published out of order (a put claimed position p, a later one p + 1, and
 * p + 1 was filled first) become reachable only when p is filled - all at
 * once, and getters that found p unfilled may sleep meanwhile, each needing
 * a wake-up (the wake-ups p + 1's put sent may all have gone to getters
 * that found p unfilled and slept again). So the put that fills p wakes one
 * getter for its own item and one for each filled slot after it, up to the
 * first slot not yet filled. A slot already taken again (by a getter that
 * was awake: turn past "full") does not end the run: the filled slots after
 * it were made reachable by p too, and that getter owes them nothing. The
 * count is made only when someone sleeps; the mirror holds for gets and
 * putters. The turns are read relaxed: F_w (in waitq_wake) orders them
 * after this call's publish, and a count too high only wakes a getter that
 * goes back to sleep. */
__attribute__((noinline)) static uint32_t
mpmc_reachable(const struct pcq *q, size_t pos, size_t turn_ahead)
{
	uint32_t n = 1;
	size_t p = pos;
	for (size_t i = 1; i < q->capacity; i++) {
		p = next_pos(q, p);
		const struct slot *s = &q->slots[p & q->index_mask];
		size_t turn = atomic_load_explicit(&s->turn,
						   memory_order_relaxed);
		intptr_t d = turn_diff(turn, lap_base(q, p) + turn_ahead);
		if (d < 0)
			break; /* not yet filled (handed on): the run ends */
		n += d == 0; /* ready; d > 0: taken already, go on */
	}
	return n;
}

static inline void mpmc_wake_getters(struct pcq *q, size_t pos)
{
	fence_fast(q->asymmetric); /* F_w */
	/* Relaxed: see waitq_wake. */
	uint64_t s = atomic_load_explicit(&q->items.sleepers,
					  memory_order_relaxed);
	if (!waitq_owed(s))
		return;
	/* Closed while this put was filling its slot: close's wake-all may
	 * have come before some getter slept waiting for this slot, and for
	 * every sleeper "closed and empty" is news now. Wake them all. */
	if (atomic_load_explicit(&q->put_pos, memory_order_relaxed) &
	    POS_CLOSED)
		waitq_wake_slow(&q->items, INT32_MAX);
	else /* full for its lap: turn == base + 1 */
		waitq_wake_slow(&q->items, mpmc_reachable(q, pos, 1));
}

static inline void mpmc_wake_putters(struct pcq *q, size_t pos)
{
	fence_fast(q->asymmetric); /* F_w */
	uint64_t s = atomic_load_explicit(&q->spaces.sleepers,
					  memory_order_relaxed);
	if (waitq_owed(s)) /* handed to the next lap */
		waitq_wake_slow(&q->spaces,
				mpmc_reachable(q, pos, q->index_mask + 1));
}

/* Puts items[0..n) while there is room, in order: claims the run of empty
 * slots from put_pos with one CAS, fills them, publishes each, then checks
 * once for sleeping getters. Adds how many it put to *done. Returns 0 (all
 * n), EAGAIN (full before all n) or EPIPE (closed). */
__attribute__((always_inline)) static inline int
mpmc_try_put_many(struct pcq *q, void *const *items, size_t n, size_t *done)
{
	/* Relaxed: a starting guess; the CAS below decides. */
	size_t pos = atomic_load_explicit(&q->put_pos, memory_order_relaxed);
	for (;;) {
		if (pos & POS_CLOSED)
			return EPIPE;
		struct slot *s = &q->slots[pos & q->index_mask];
		size_t base = lap_base(q, pos);
		/* The run of slots empty for their lap from pos on, up to n;
		 * d: the first slot's turn against its lap base. */
		size_t k = 0, end = pos;
		intptr_t d;
		do {
			const struct slot *r = &q->slots[end & q->index_mask];
			/* A2: pairs with R2 in mpmc_try_get_many. */
			size_t turn = atomic_load_explicit(&r->turn,
							   memory_order_acquire);
			d = turn_diff(turn, lap_base(q, end));
			if (d != 0)
				break;
			end = next_pos(q, end);
		} while (++k < n);
		if (k > 0) {
			/* Claim positions pos .. end - 1. A slot's turn moves
			 * from "empty for its lap" only by the put that owns
			 * its position, so the run stays ready. On failure the
			 * CAS reloads pos (maybe with POS_CLOSED). */
			if (!atomic_compare_exchange_weak_explicit(
				    &q->put_pos, &pos, end,
				    memory_order_relaxed, memory_order_relaxed))
				continue;
			for (size_t j = 0, p = pos;;) {
				s->item = items[j];
				/* R1: publish. Pairs with A1 in
				 * mpmc_try_get_many. */
				atomic_store_explicit(&s->turn, base + 1,
						      memory_order_release);
				if (++j == k)
					break;
				p = next_pos(q, p);
				s = &q->slots[p & q->index_mask];
				base = lap_base(q, p);
			}
			mpmc_wake_getters(q, pos);
			*done += k;
			return k == n ? 0 : EAGAIN;
		} else if (d < 0) {
			/* The item of the lap before is still there: full,
			 * unless put_pos moved on (or was closed) meanwhile.
			 * Relaxed, like every load of a position: it only
			 * picks the next slot to try; the turn decides. */
			size_t now = atomic_load_explicit(&q->put_pos,
							  memory_order_relaxed);
			if (now == pos)
				return EAGAIN;
			pos = now;
		} else {
			/* Another putter took pos: start from the new one
			 * (relaxed: a guess, as above). */
			pos = atomic_load_explicit(&q->put_pos,
						   memory_order_relaxed);
		}
	}
}

/* Takes up to n items into items[0..), oldest first: claims the run of
 * full slots from get_pos with one CAS, reads them, hands each to the next
 * lap's put, then checks once for sleeping putters. Sets *got to how many.
 * Returns 0 (at least one), EAGAIN (empty, or the next item's put is still
 * storing it) or EPIPE (closed and empty). */
__attribute__((always_inline)) static inline int
mpmc_try_get_many(struct pcq *q, void **items, size_t n, size_t *got)
{
	/* Relaxed: a starting guess; the CAS below decides. */
	size_t pos = atomic_load_explicit(&q->get_pos, memory_order_relaxed);
	for (;;) {
		struct slot *s = &q->slots[pos & q->index_mask];
		size_t base = lap_base(q, pos);
		/* The run of slots full for their lap from pos on, up to n;
		 * d: the first slot's turn against "full". */
		size_t k = 0, end = pos;
		intptr_t d;
		do {
			const struct slot *r = &q->slots[end & q->index_mask];
			/* A1: pairs with R1 in mpmc_try_put_many. */
			size_t turn = atomic_load_explicit(&r->turn,
							   memory_order_acquire);
			d = turn_diff(turn, lap_base(q, end) + 1);
			if (d != 0)
				break;
			end = next_pos(q, end);
		} while (++k < n);
		if (k > 0) {
			/* Claim positions pos .. end - 1: a full slot's turn
			 * moves only by the get that owns its position. */
			if (!atomic_compare_exchange_weak_explicit(
				    &q->get_pos, &pos, end,
				    memory_order_relaxed, memory_order_relaxed))
				continue;
			size_t lap = q->index_mask + 1;
			for (size_t j = 0, p = pos;;) {
				items[j] = s->item;
				/* R2: hand the slot to the next lap's put.
				 * Pairs with A2 in mpmc_try_put_many. */
				atomic_store_explicit(&s->turn, base + lap,
						      memory_order_release);
				if (++j == k)
					break;
				p = next_pos(q, p);
				s = &q->slots[p & q->index_mask];
				base = lap_base(q, p);
			}
			mpmc_wake_putters(q, pos);
			*got = k;
			return 0;
		} else if (d < 0) {
			/* Slot not yet filled for this lap. Empty if no put
			 * has claimed pos; else a put is storing its item.
			 * Relaxed: a stale put_pos can only make this look
			 * empty a moment too long (EAGAIN: the caller waits,
			 * and the put's wake-up ends the wait); POS_CLOSED,
			 * once seen, is final, as put_pos never moves again. */
			size_t put = atomic_load_explicit(&q->put_pos,
							  memory_order_relaxed);
			if ((put & ~POS_CLOSED) == pos)
				return put & POS_CLOSED ? EPIPE : EAGAIN;
			size_t now = atomic_load_explicit(&q->get_pos,
							  memory_order_relaxed);
			if (now == pos)
				return EAGAIN; /* wait for that put */
			pos = now;
		} else {
			/* Another getter took pos (relaxed: a guess). */
			pos = atomic_load_explicit(&q->get_pos,
						   memory_order_relaxed);
		}
	}
}

#endif /* PCQ_MPMC_H */
