/*
 * queue.c - the atomic backend: lock-free rings that sleep on futexes.
 *
 * Two rings share one struct (ring.h): the SPSC ring (spsc.h) when the
 * caller promised PCQ_SP | PCQ_SC, the MPMC ring (mpmc.h) otherwise. Each
 * has a fast path that never waits and never makes a system call:
 * try_put/try_get, returning 0, EAGAIN or EPIPE.
 *
 * The slow path is one loop for every wait (wait_until, below): retry a
 * bounded number of times, then sleep on a waitq (park.h) - getters on
 * `items`, putters on `spaces`. Every successful put wakes one sleeping
 * getter, every get one sleeping putter (and only if one sleeps: wakers
 * read a counter, nothing more); close wakes them all. A woken thread
 * retries; if another thread took its item or slot meanwhile, it sleeps
 * again. A thread waiting for a put that has claimed a slot but not yet
 * filled it (preempted, perhaps) waits the same way: that put's wake-up is
 * what ends the wait, so nobody spins on a thread that is not running. (It
 * wakes as many getters as its publish made items reachable: see
 * mpmc_wake_getters.)
 */
#include <errno.h>
#include <stdlib.h>

#include "backend.h"
#include "clock.h"
#include "mpmc.h"
#include "pcq.h"

const char backend_name[] = "atomic";

struct pcq *backend_create(size_t capacity, unsigned flags)
{
	park_init();
	struct pcq *q = aligned_alloc(CACHE_LINE, sizeof(*q));
	if (q == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	*q = (struct pcq){ .capacity = capacity,
			   .asymmetric = park_asymmetric };
	policy_init(&q->getting);
	policy_init(&q->putting);
	q->spsc = (flags & (PCQ_SP | PCQ_SC)) == (PCQ_SP | PCQ_SC);
	/* calloc: untouched slots cost no memory until used, and zero is
	 * the right start for both rings. */
	if (q->spsc) {
		q->ring = calloc(capacity, sizeof(*q->ring));
	} else {
		/* At least one index bit even for capacity 1: a lap must be
		 * at least 2 positions long, or "full for lap L" (base + 1)
		 * would read as "empty for lap L + 1". */
		size_t mask = 1;
		while (mask < capacity - 1)
			mask = mask << 1 | 1;
		q->index_mask = mask;
		q->slots = calloc(capacity, sizeof(*q->slots));
	}
	if (q->ring == NULL && q->slots == NULL) {
		free(q);
		errno = ENOMEM;
		return NULL;
	}
	return q;
}

void backend_destroy(struct pcq *q)
{
	free(q->ring);
	free(q->slots);
	free(q);
}

/* The fast paths of fastpath.h, out of line, through one signature, for
 * wait_until. */
static int try_put_boxed(struct pcq *q, void **item)
{
	return backend_try_put(q, *item);
}

static int try_get(struct pcq *q, void **item)
{
	return backend_try_get(q, item);
}

/* The deadline has passed. One last look: the queue may have closed (EPIPE
 * beats ETIMEDOUT) or become ready meanwhile. */
static int timed_out(struct pcq *q, int (*attempt)(struct pcq *, void **),
		     void **item)
{
	int rc = attempt(q, item);
	return rc == EAGAIN ? ETIMEDOUT : rc;
}

/* The slow path: the call found the queue full/empty (or a slot still in
 * another thread's hands). Spin and yield as the waiting policy says
 * (policy.h), then sleep on w until woken, and retry - until the call
 * completes, the queue closes or the deadline passes. */
static int wait_until(struct pcq *q, struct waitq *w, struct wait_policy *p,
		      int (*attempt)(struct pcq *, void **), void **item,
		      uint64_t deadline_ns)
{
	struct spin s;
	spin_start(&s, p, deadline_ns);
	int rc;
	for (;;) {
		while ((rc = attempt(q, item)) == EAGAIN && spin_on(&s))
			;
		if (rc != EAGAIN)
			break; /* done, or EPIPE */
		/* A timeout that ran out while spinning: no need to announce
		 * and sleep only to be told so by the kernel. */
		if (deadline_ns != DEADLINE_NEVER &&
		    clock_now_ns() >= deadline_ns) {
			rc = timed_out(q, attempt, item);
			break;
		}
		unsigned seen = waitq_announce(w);
		rc = attempt(q, item); /* the re-check after F_s */
		int slept = 0;
		if (rc == EAGAIN) {
			spin_sleeping(&s);
			slept = waitq_sleep(w, seen, deadline_ns);
		}
		waitq_retract(w);
		if (rc != EAGAIN)
			break;
		if (slept == ETIMEDOUT) {
			rc = timed_out(q, attempt, item);
			break;
		}
		/* Woken, or spuriously: go round and retry. */
	}
	spin_end(&s, w);
	return rc;
}

int backend_put(struct pcq *q, void *item, uint64_t deadline_ns)
{
	return wait_until(q, &q->spaces, &q->putting, try_put_boxed, &item,
			  deadline_ns);
}

int backend_get(struct pcq *q, void **item, uint64_t deadline_ns)
{
	return wait_until(q, &q->items, &q->getting, try_get, item,
			  deadline_ns);
}

void backend_close(struct pcq *q)
{
	if (q->spsc)
		atomic_store_explicit(&q->closed, true, memory_order_relaxed);
	else
		atomic_fetch_or_explicit(&q->put_pos, POS_CLOSED,
					 memory_order_relaxed);
	/* Every sleeper re-checks after F_s and sees closed, or is woken. */
	waitq_wake(&q->items, INT32_MAX, q->asymmetric);
	waitq_wake(&q->spaces, INT32_MAX, q->asymmetric);
}

size_t backend_size(const struct pcq *q)
{
	size_t got = atomic_load_explicit(&q->get_pos, memory_order_relaxed);
	size_t put = atomic_load_explicit(&q->put_pos, memory_order_relaxed);
	size_t n;
	if (q->spsc) {
		n = put - got;
	} else {
		put &= ~POS_CLOSED;
		size_t bits = (size_t)__builtin_popcountll(q->index_mask);
		intptr_t laps = (intptr_t)((put >> bits) - (got >> bits));
		n = (size_t)(laps * (intptr_t)q->capacity +
			     (intptr_t)(put & q->index_mask) -
			     (intptr_t)(got & q->index_mask));
	}
	/* get_pos was read first, so a get and put racing with this call
	 * can make n look too large (or, wrapped, negative): clamp. */
	if ((intptr_t)n < 0)
		return 0;
	return n > q->capacity ? q->capacity : n;
}

size_t backend_capacity(const struct pcq *q)
{
	return q->capacity;
}

void backend_stats(const struct pcq *q, struct pcq_stats *stats)
{
	/* Relaxed: counts, each exact, ordered with nothing. */
	stats->put_waits = atomic_load_explicit(&q->putting.waits,
						memory_order_relaxed);
	stats->get_waits = atomic_load_explicit(&q->getting.waits,
						memory_order_relaxed);
	stats->put_sleeps = atomic_load_explicit(&q->putting.sleeps,
						 memory_order_relaxed);
	stats->get_sleeps = atomic_load_explicit(&q->getting.sleeps,
						 memory_order_relaxed);
}
