/*
 * ring.h - the atomic backend's queue: its state, grouped by who writes it.
 *
 * One struct serves both rings (spsc.h, mpmc.h); each ring uses the fields
 * its comment names. Each group sits on its own cache line, so putters and
 * getters do not invalidate each other's lines except where they must.
 */
#ifndef PCQ_RING_H
#define PCQ_RING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "park.h"
#include "policy.h"

#define CACHE_LINE 64

/* An MPMC slot: the item and whose turn it is (see mpmc.h). */
struct slot {
	atomic_size_t turn;
	void *item;
};

struct pcq {
	/* Read-only after create (but `closed`, written once by close). */
	_Alignas(CACHE_LINE) size_t capacity; /* as given to create */
	bool spsc;          /* PCQ_SP|PCQ_SC: the SPSC ring, else MPMC */
	bool asymmetric;    /* park_asymmetric, where the fast path reads */
	size_t index_mask;  /* MPMC: position -> slot index bits */
	void **ring;        /* SPSC: capacity item pointers */
	struct slot *slots; /* MPMC: capacity slots */
	atomic_bool closed; /* SPSC: set by close (MPMC: POS_CLOSED) */

	/* Written by putters, read by getters. Alone on its line: a getter
	 * polling it is disturbed only by the store that publishes. */
	_Alignas(CACHE_LINE) atomic_size_t put_pos; /* items put, ever */

	/* Written and read by the SPSC putter (put_claimed: read by the
	 * getter only when it finds the ring closed). */
	_Alignas(CACHE_LINE) atomic_size_t put_claimed; /* put_pos + k while
							 * a put of k runs */
	size_t put_index;    /* put_pos % capacity */
	size_t get_pos_seen; /* a recent get_pos */

	/* Written by getters, read by putters. */
	_Alignas(CACHE_LINE) atomic_size_t get_pos; /* items got, ever */

	/* Written and read by the SPSC getter only. */
	_Alignas(CACHE_LINE) size_t get_index; /* get_pos % capacity */
	size_t put_pos_seen; /* a recent put_pos */
	bool drained;        /* closed, empty, and no put running */

	/* Written by sleepers and the wakers of sleepers. */
	_Alignas(CACHE_LINE) struct waitq items;  /* getters wait here */
	_Alignas(CACHE_LINE) struct waitq spaces; /* putters wait here */

	/* Written by waiting getters (putters) only: what the waiting policy
	 * learned, and the counts of pcq_stats. */
	_Alignas(CACHE_LINE) struct wait_policy getting;
	_Alignas(CACHE_LINE) struct wait_policy putting;
};

_Static_assert(offsetof(struct pcq, put_pos) % CACHE_LINE == 0 &&
		       offsetof(struct pcq, get_pos) % CACHE_LINE == 0 &&
		       offsetof(struct pcq, get_pos) - offsetof(struct pcq,
								put_pos) >=
			       CACHE_LINE,
	       "putters' and getters' fields share no cache line");

#endif /* PCQ_RING_H */
