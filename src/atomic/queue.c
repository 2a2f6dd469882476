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
	atomic_init(&q->items.fd, -1);
	atomic_init(&q->spaces.fd, -1);
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
	waitq_close_fd(&q->items);
	waitq_close_fd(&q->spaces);
	free(q->ring);
	free(q->slots);
	free(q);
}

/* One waiting call's work: n items to move, `done` of them moved so far. */
struct op {
	void **items; /* put: the items to put; get: where they go */
	size_t n, done;
};

/* The fast paths of fastpath.h, out of line, through one signature, for
 * wait_until. A put moves what fits of the rest; a get takes what is there,
 * and one item is enough. */
static int try_put_op(struct pcq *q, struct op *op)
{
	return backend_try_put_many(q, op->items + op->done, op->n - op->done,
				    &op->done);
}

static int try_get_op(struct pcq *q, struct op *op)
{
	return backend_try_get_many(q, op->items, op->n, &op->done);
}

typedef int attempt_fn(struct pcq *q, struct op *op);

/* The deadline has passed. One last look: the queue may have closed (EPIPE
 * beats ETIMEDOUT) or become ready meanwhile. */
static int timed_out(struct pcq *q, attempt_fn *attempt, struct op *op)
{
	int rc = attempt(q, op);
	return rc == EAGAIN ? ETIMEDOUT : rc;
}

/* Announces the caller on w, tries once more, and sleeps if that moved
 * nothing. Returns the try's result, or ETIMEDOUT if the sleep ran out. */
static int sleep_once(struct pcq *q, struct waitq *w, struct spin *s,
		      attempt_fn *attempt, struct op *op, uint64_t deadline_ns)
{
	unsigned seen = waitq_announce(w);
	size_t before = op->done;
	int rc = attempt(q, op); /* the re-check after F_s */
	if (rc == EAGAIN && op->done == before) {
		spin_sleeping(s);
		if (waitq_sleep(w, seen, deadline_ns) == ETIMEDOUT)
			rc = ETIMEDOUT;
	}
	waitq_retract(w);
	return rc;
}

/* The slow path: the call found the queue full/empty (or a slot still in
 * another thread's hands). Spin and yield as the waiting policy says
 * (policy.h), then sleep on w until woken, and retry - until the call is
 * done, the queue closes or the deadline passes. A bulk put that moves
 * some items and finds the queue full again begins a new wait. */
static int wait_until(struct pcq *q, struct waitq *w, struct wait_policy *p,
		      attempt_fn *attempt, struct op *op, uint64_t deadline_ns)
{
	struct spin s;
	spin_start(&s, p, deadline_ns);
	size_t before = op->done;
	int rc;
	for (;;) {
		rc = attempt(q, op);
		bool stuck = rc == EAGAIN && op->done == before;
		if (stuck && spin_on(&s))
			continue;
		if (stuck) {
			/* A timeout that ran out while spinning: no need to
			 * announce and sleep only to be told so. */
			if (deadline_ns != DEADLINE_NEVER &&
			    clock_now_ns() >= deadline_ns) {
				rc = timed_out(q, attempt, op);
				break;
			}
			rc = sleep_once(q, w, &s, attempt, op, deadline_ns);
			if (rc == ETIMEDOUT) {
				rc = timed_out(q, attempt, op);
				break;
			}
		}
		if (rc != EAGAIN)
			break; /* done, or EPIPE */
		if (op->done != before) {
			/* Some items moved, and the queue is full again. */
			spin_end(&s, w);
			spin_start(&s, p, deadline_ns);
			before = op->done;
		}
		/* Else woken, or spuriously: retry. */
	}
	spin_end(&s, w);
	return rc;
}

/* A call that must not wait found q full/empty: if its side has a pollable
 * fd, arm it (park.h) - the poller's sleep - and re-check, as a sleeper
 * re-checks after announcing itself. */
static int poll_arm(struct pcq *q, struct waitq *w, attempt_fn *attempt,
		    struct op *op)
{
	if (!waitq_arm_fd(w))
		return EAGAIN; /* no fd, or armed already */
	int rc = attempt(q, op); /* the re-check after F_s */
	if (rc != EAGAIN)
		waitq_disarm_fd(w);
	return rc;
}

int backend_put_poll(struct pcq *q, void *const *items, size_t n,
		     size_t *done)
{
	struct op op = { (void **)items, n, *done };
	int rc = poll_arm(q, &q->spaces, try_put_op, &op);
	*done = op.done;
	return rc;
}

int backend_get_poll(struct pcq *q, void **items, size_t n, size_t *got)
{
	struct op op = { items, n, 0 };
	int rc = poll_arm(q, &q->items, try_get_op, &op);
	*got = op.done;
	return rc;
}

int backend_fd(struct pcq *q, bool get_side)
{
	return waitq_fd(get_side ? &q->items : &q->spaces);
}

int backend_put(struct pcq *q, void *const *items, size_t n, size_t *done,
		uint64_t deadline_ns)
{
	struct op op = { (void **)items, n, *done };
	int rc = wait_until(q, &q->spaces, &q->putting, try_put_op, &op,
			    deadline_ns);
	*done = op.done;
	return rc;
}

int backend_get(struct pcq *q, void **items, size_t n, size_t *got,
		uint64_t deadline_ns)
{
	struct op op = { items, n, 0 };
	int rc = wait_until(q, &q->items, &q->getting, try_get_op, &op,
			    deadline_ns);
	*got = op.done;
	return rc;
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
