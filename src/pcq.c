/*
 * pcq.c - the public contract of include/pcq.h, implemented once.
 *
 * Checks arguments, then maps the three flavours of put (blocking, try,
 * timed) onto one helper that first tries the backend's fast path and only
 * then computes a deadline and calls its slow path (likewise get); the
 * bulk calls take the same two steps. So an uncontended call never reads
 * the clock, and EINTR, timeouts and the EAGAIN/ETIMEDOUT distinction live
 * here, not in each backend.
 */
#include <errno.h>

#include "pcq.h"
#include "backend.h"
#include "clock.h"

#define PCQ_PUBLIC __attribute__((visibility("default")))
#define PCQ_FLAGS_KNOWN (PCQ_SP | PCQ_SC)

/* The slow paths: the queue was full/empty and the caller will wait. Out
 * of line, so the fast paths need no stack frame. */
__attribute__((noinline)) static int put_slow(pcq_t *q, void *const *items,
					      size_t n, size_t *done,
					      uint64_t timeout_ns)
{
	return backend_put(q, items, n, done,
			   clock_deadline_after(timeout_ns));
}

__attribute__((noinline)) static int get_slow(pcq_t *q, void **items,
					      size_t n, size_t *got,
					      uint64_t timeout_ns)
{
	return backend_get(q, items, n, got, clock_deadline_after(timeout_ns));
}

/* The single-item calls' slow paths take the item by value, so that the
 * fast path keeps it in a register. */
__attribute__((noinline)) static int put_one_slow(pcq_t *q, void *item,
						  uint64_t timeout_ns)
{
	size_t done = 0;
	return put_slow(q, &item, 1, &done, timeout_ns);
}

__attribute__((noinline)) static int get_one_slow(pcq_t *q, void **item,
						  uint64_t timeout_ns)
{
	size_t got;
	return get_slow(q, item, 1, &got, timeout_ns);
}

/* A call that must not wait found q full/empty: the backend may arm the
 * side's pollable fd (and looks once more). Out of line, as the slow
 * paths. */
__attribute__((noinline)) static int put_one_poll(pcq_t *q, void *item)
{
	size_t done = 0;
	return backend_put_poll(q, &item, 1, &done);
}

__attribute__((noinline)) static int get_one_poll(pcq_t *q, void **item)
{
	size_t got;
	return backend_get_poll(q, item, 1, &got);
}

/* timeout_ns: 0 = try once, UINT64_MAX = wait for ever.
 * Returns 0, EAGAIN (tried once, full), ETIMEDOUT, EPIPE or EINVAL. */
__attribute__((always_inline)) static inline int
put_within(pcq_t *q, void *item, uint64_t timeout_ns)
{
	if (q == NULL)
		return EINVAL;
	int rc = backend_try_put(q, item);
	if (__builtin_expect(rc != EAGAIN, 1))
		return rc;
	return timeout_ns == 0 ? put_one_poll(q, item)
			       : put_one_slow(q, item, timeout_ns);
}

__attribute__((always_inline)) static inline int
get_within(pcq_t *q, void **item, uint64_t timeout_ns)
{
	if (q == NULL || item == NULL)
		return EINVAL;
	int rc = backend_try_get(q, item);
	if (__builtin_expect(rc != EAGAIN, 1))
		return rc;
	return timeout_ns == 0 ? get_one_poll(q, item)
			       : get_one_slow(q, item, timeout_ns);
}

/* A timed call that ran out reports ETIMEDOUT, also when it only tried. */
static int timed_result(int rc)
{
	return rc == EAGAIN ? ETIMEDOUT : rc;
}

PCQ_PUBLIC pcq_t *pcq_create(size_t capacity, unsigned flags)
{
	if (capacity == 0 || capacity > PCQ_CAPACITY_MAX ||
	    (flags & ~PCQ_FLAGS_KNOWN) != 0) {
		errno = EINVAL;
		return NULL;
	}
	return backend_create(capacity, flags);
}

PCQ_PUBLIC void pcq_destroy(pcq_t *q)
{
	if (q != NULL)
		backend_destroy(q);
}

PCQ_PUBLIC int pcq_put(pcq_t *q, void *item)
{
	return put_within(q, item, UINT64_MAX);
}

PCQ_PUBLIC int pcq_get(pcq_t *q, void **item)
{
	return get_within(q, item, UINT64_MAX);
}

PCQ_PUBLIC int pcq_try_put(pcq_t *q, void *item)
{
	return put_within(q, item, 0);
}

PCQ_PUBLIC int pcq_try_get(pcq_t *q, void **item)
{
	return get_within(q, item, 0);
}

PCQ_PUBLIC int pcq_put_timed(pcq_t *q, void *item, uint64_t timeout_ns)
{
	return timed_result(put_within(q, item, timeout_ns));
}

PCQ_PUBLIC int pcq_get_timed(pcq_t *q, void **item, uint64_t timeout_ns)
{
	return timed_result(get_within(q, item, timeout_ns));
}

/* The bulk calls: the try form is the fast path; timeout 0 answers EAGAIN,
 * as try_put/try_get do. */
PCQ_PUBLIC int pcq_put_many(pcq_t *q, void *const *items, size_t n,
			    size_t *done, uint64_t timeout_ns)
{
	if (q == NULL || items == NULL || done == NULL || n == 0)
		return EINVAL;
	size_t k = 0;
	int rc = backend_try_put_many(q, items, n, &k);
	if (rc == EAGAIN)
		rc = timeout_ns == 0 ? backend_put_poll(q, items, n, &k)
				     : put_slow(q, items, n, &k, timeout_ns);
	*done = k;
	return rc;
}

PCQ_PUBLIC int pcq_get_many(pcq_t *q, void **items, size_t n, size_t *got,
			    uint64_t timeout_ns)
{
	if (q == NULL || items == NULL || got == NULL || n == 0)
		return EINVAL;
	size_t k = 0;
	int rc = backend_try_get_many(q, items, n, &k);
	if (rc == EAGAIN)
		rc = timeout_ns == 0 ? backend_get_poll(q, items, n, &k)
				     : get_slow(q, items, n, &k, timeout_ns);
	*got = k;
	return rc;
}

PCQ_PUBLIC int pcq_get_fd(pcq_t *q)
{
	if (q == NULL) {
		errno = EINVAL;
		return -1;
	}
	return backend_fd(q, true);
}

PCQ_PUBLIC int pcq_put_fd(pcq_t *q)
{
	if (q == NULL) {
		errno = EINVAL;
		return -1;
	}
	return backend_fd(q, false);
}

PCQ_PUBLIC void pcq_close(pcq_t *q)
{
	if (q != NULL)
		backend_close(q);
}

PCQ_PUBLIC size_t pcq_capacity(const pcq_t *q)
{
	return q == NULL ? 0 : backend_capacity(q);
}

PCQ_PUBLIC size_t pcq_size(const pcq_t *q)
{
	return q == NULL ? 0 : backend_size(q);
}

PCQ_PUBLIC int pcq_stats(const pcq_t *q, struct pcq_stats *stats)
{
	if (q == NULL || stats == NULL)
		return EINVAL;
	backend_stats(q, stats);
	return 0;
}

PCQ_PUBLIC const char *pcq_backend(void)
{
	return backend_name;
}
