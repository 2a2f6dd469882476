/*
 * queue.c - the reference backend: the producer/consumer solution of The
 * Little Book of Semaphores, with close, timeouts, bulk calls and pollable
 * fds added.
 *
 * The book's solution, with its names:
 *
 *   mutex  = Semaphore(1)           the buffer is accessed by one at a time
 *   items  = Semaphore(0)           counts items in the buffer
 *   spaces = Semaphore(capacity)    counts free slots in the buffer
 *
 *   put:  spaces.wait()             get:  items.wait()
 *         mutex.wait()                    mutex.wait()
 *           buffer.add(item)                item = buffer.take()
 *         mutex.signal()                  mutex.signal()
 *         items.signal()                  spaces.signal()
 *
 * (A well-known hand-written version of this code named the counting
 * semaphores `empty`, for what counts items, and `full`, for what counts
 * free slots: names that say the opposite of what they count. `items` and
 * `spaces` say what they count.)
 *
 * The counting semaphore is waited on *before* the mutex. The other order
 * deadlocks: a putter holding the mutex while it sleeps on a full buffer
 * keeps out the getter that would make space. docs/design.md draws it.
 *
 * What the book does not have:
 *
 * try and timed calls: sem_trywait and sem_clockwait on the counting
 *   semaphore. A call that gives up has taken no token, so the counts are
 *   exactly as they were.
 *
 * close: a `closed` flag set under the mutex, plus one extra token posted on
 *   each counting semaphore - the baton. Invariants, at every moment the
 *   mutex is free and no call holds a token:
 *     items  == count + closed            spaces == free slots + closed
 *   A waiter that gets a token and finds nothing to do (put: closed; get:
 *   closed and empty) posts the token back before it returns EPIPE. So the
 *   baton passes from waiter to waiter, and all of them wake: close needs
 *   no list of waiters and no broadcast. For the same reason a put posts
 *   its `items` tokens before it releases the mutex (put_holding_spaces).
 *
 * bulk calls: the tokens of a batch are gathered with sem_trywait (waiting
 *   only for the first, and never holding the mutex while waiting), and
 *   the batch moves in one hold of the mutex. A get that holds more tokens
 *   than there are items holds the baton too, and posts it back.
 *
 * pollable fds: each side's eventfd is made readable or drained under the
 *   mutex, exactly when the buffer changes state (fds_follow), and only
 *   once the tokens exist: so a get posts its `spaces` tokens before it
 *   releases the mutex too.
 *
 * Signals and cancellation are dealt with in sem_wait_until() (sem_until.c).
 */
#include <errno.h>
#include <stdlib.h>

#include "backend.h"
#include "queue.h"

const char backend_name[] = "semaphore";

struct pcq *backend_create(size_t capacity, unsigned flags)
{
	(void)flags; /* one design serves every number of threads */
	struct pcq *q = calloc(1, sizeof(*q));
	void **slots = calloc(capacity, sizeof(*slots));
	if (q == NULL || slots == NULL) {
		free(q);
		free(slots);
		errno = ENOMEM;
		return NULL;
	}
	q->slots = slots;
	q->capacity = capacity;
	atomic_init(&q->get_fd, -1);
	atomic_init(&q->put_fd, -1);
	/* capacity <= PCQ_CAPACITY_MAX == SEM_VALUE_MAX: sem_init accepts it. */
	sem_init(&q->mutex, 0, 1);
	sem_init(&q->items, 0, 0);
	sem_init(&q->spaces, 0, (unsigned)capacity);
	return q;
}

void backend_destroy(struct pcq *q)
{
	fds_close(q);
	sem_destroy(&q->mutex);
	sem_destroy(&q->items);
	sem_destroy(&q->spaces);
	free(q->slots);
	free(q);
}

/* Takes up to n tokens of s without waiting; returns how many. */
static size_t take_tokens(sem_t *s, size_t n)
{
	size_t k = 0;
	while (k < n && sem_trywait(s) == 0)
		k++;
	return k;
}

static void post_tokens(sem_t *s, size_t k)
{
	while (k-- > 0)
		sem_post(s);
}

/* Called with k `spaces` tokens taken: puts items[0..k) in one hold of
 * the mutex. */
static int put_holding_spaces(struct pcq *q, void *const *items, size_t k)
{
	lock(q);
	if (is_closed(q)) {
		unlock(q);
		post_tokens(&q->spaces, k); /* pass the baton to the next putter */
		return EPIPE;
	}
	for (size_t j = 0; j < k; j++) {
		q->slots[q->put_at] = items[j];
		q->put_at = q->put_at + 1 == q->capacity ? 0 : q->put_at + 1;
	}
	size_t before = atomic_fetch_add_explicit(&q->count, k,
						  memory_order_relaxed);
	/* A change to the book's order: items is signalled before the mutex
	 * is released, not after. Close takes the mutex, so it can no longer
	 * fall between an item and its token - where a get would see
	 * "closed, no token" and return EPIPE with the item still held. */
	post_tokens(&q->items, k);
	/* After the tokens: a poller woken by the fd finds them. */
	fds_follow(q, before, before + k);
	unlock(q);
	return 0;
}

/* Called with k `items` tokens taken: takes up to k items into items[0..)
 * in one hold of the mutex; *got = how many. A token without an item is
 * the baton of a closed queue (items == count + closed): at most one. */
static int get_holding_items(struct pcq *q, void **items, size_t k,
			     size_t *got)
{
	lock(q);
	size_t held = atomic_load_explicit(&q->count, memory_order_relaxed);
	size_t m = k < held ? k : held;
	for (size_t j = 0; j < m; j++) {
		items[j] = q->slots[q->get_at];
		q->get_at = q->get_at + 1 == q->capacity ? 0 : q->get_at + 1;
	}
	atomic_fetch_sub_explicit(&q->count, m, memory_order_relaxed);
	/* Here too spaces is signalled before the mutex is released (the
	 * book signals after): the pollable put fd follows the buffer under
	 * the mutex, and must become readable only once the tokens exist. */
	post_tokens(&q->spaces, m);
	if (m > 0)
		fds_follow(q, held, held - m);
	unlock(q);
	if (m < k)
		post_tokens(&q->items, k - m); /* pass the baton on */
	*got = m;
	return m == 0 ? EPIPE : 0;
}

int backend_try_put_many(struct pcq *q, void *const *items, size_t n,
			 size_t *done)
{
	/* Closed beats full. The flag is read without the mutex, so a close
	 * racing with this call may or may not be seen here; either outcome
	 * is one the caller could have had by arriving a moment earlier or
	 * later. put_holding_spaces re-checks under the mutex. */
	if (is_closed(q))
		return EPIPE;
	size_t k = take_tokens(&q->spaces, n);
	if (k == 0)
		return is_closed(q) ? EPIPE : EAGAIN;
	int rc = put_holding_spaces(q, items, k);
	if (rc != 0)
		return rc;
	*done += k;
	return k == n ? 0 : EAGAIN;
}

/* Counts a wait that begins (the try found no token). */
static void count_wait(atomic_uint_least64_t *waits)
{
	atomic_fetch_add_explicit(waits, 1, memory_order_relaxed);
}

int backend_put(struct pcq *q, void *const *items, size_t n, size_t *done,
		uint64_t deadline_ns)
{
	while (*done < n) {
		size_t k = take_tokens(&q->spaces, n - *done);
		if (k == 0) {
			count_wait(&q->put_waits);
			if (sem_wait_until(&q->spaces, deadline_ns,
					   &q->put_sleeps) != 0)
				return is_closed(q) ? EPIPE : ETIMEDOUT;
			k = 1 + take_tokens(&q->spaces, n - *done - 1);
		}
		int rc = put_holding_spaces(q, items + *done, k);
		if (rc != 0)
			return rc;
		*done += k;
	}
	return 0;
}

int backend_try_get_many(struct pcq *q, void **items, size_t n, size_t *got)
{
	/* EPIPE must mean "closed, then found empty", in that order: an item
	 * put just before the close must still come out. So read the flag
	 * before looking for a token. Acquire: pairs with the release store
	 * in backend_close, so every token posted before the close (all of
	 * them, see put_holding_spaces) is visible to the sem_trywait below,
	 * which cannot move above this load. */
	for (;;) {
		bool was_closed = atomic_load_explicit(&q->closed,
						       memory_order_acquire);
		size_t k = take_tokens(&q->items, n);
		if (k > 0)
			return get_holding_items(q, items, k, got);
		/* No token: every item left (and the baton) is being taken by
		 * another getter right now. */
		if (was_closed)
			return EPIPE;
		if (!is_closed(q))
			return EAGAIN; /* open and empty throughout */
		/* closed while we looked: look once more */
	}
}

int backend_get(struct pcq *q, void **items, size_t n, size_t *got,
		uint64_t deadline_ns)
{
	count_wait(&q->get_waits);
	if (sem_wait_until(&q->items, deadline_ns, &q->get_sleeps) == 0)
		return get_holding_items(q, items,
					 1 + take_tokens(&q->items, n - 1), got);
	/* Timed out. Open: that is the answer. Closed: items put before the
	 * close may still be there, and backend_try_get_many settles it. */
	return is_closed(q) ? backend_try_get_many(q, items, n, got)
			    : ETIMEDOUT;
}

void backend_close(struct pcq *q)
{
	lock(q);
	bool was_closed = is_closed(q);
	/* Release: pairs with the acquire in backend_try_get_many. */
	atomic_store_explicit(&q->closed, true, memory_order_release);
	size_t held = atomic_load_explicit(&q->count, memory_order_relaxed);
	if (!was_closed)
		fds_follow(q, held, held);
	unlock(q);
	if (!was_closed) {
		/* The batons: wake one waiter of each kind; it wakes the next,
		 * and so on. A post fails (EOVERFLOW) only on a semaphore that
		 * is already SEM_VALUE_MAX: nobody can be waiting on it then,
		 * and every later caller finds a token without the baton. */
		sem_post(&q->items);
		sem_post(&q->spaces);
	}
}

size_t backend_size(const struct pcq *q)
{
	return atomic_load_explicit(&q->count, memory_order_relaxed);
}

size_t backend_capacity(const struct pcq *q)
{
	return q->capacity;
}

void backend_stats(const struct pcq *q, struct pcq_stats *stats)
{
	/* Relaxed: counts, each exact, ordered with nothing. */
	stats->put_waits = atomic_load_explicit(&q->put_waits,
						memory_order_relaxed);
	stats->get_waits = atomic_load_explicit(&q->get_waits,
						memory_order_relaxed);
	stats->put_sleeps = atomic_load_explicit(&q->put_sleeps,
						 memory_order_relaxed);
	stats->get_sleeps = atomic_load_explicit(&q->get_sleeps,
						 memory_order_relaxed);
}
