/*
 * backend.h - the internal interface between the front end (pcq.c) and a
 * backend directory (src/semaphore/ or src/atomic/).
 *
 * The front end implements the public contract once: it checks arguments,
 * turns relative timeouts into one absolute deadline and maps the eight
 * put/get calls onto the two pairs below. A backend only moves items.
 *
 * Each backend defines `struct pcq` privately and implements every function
 * here. The Makefile decides which directory is linked; nothing else in the
 * tree knows which one it is.
 */
#ifndef PCQ_BACKEND_H
#define PCQ_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pcq.h"

struct pcq;

/* Deadlines are absolute CLOCK_MONOTONIC times in nanoseconds. */
#define DEADLINE_NEVER UINT64_MAX

/* Returns a queue, or NULL with errno ENOMEM. The front end has checked
 * that 1 <= capacity <= PCQ_CAPACITY_MAX and that flags are known. */
struct pcq *backend_create(size_t capacity, unsigned flags);
void backend_destroy(struct pcq *q);

/* The fast path: never waits.
 *   int backend_try_put_many(struct pcq *q, void *const *items, size_t n,
 *                            size_t *done);
 *     puts items[0..n) in order while there is room and adds how many it
 *     put to *done. Returns 0 (all n), EAGAIN (full before all n) or
 *     EPIPE (closed: a closed queue takes none).
 *   int backend_try_get_many(struct pcq *q, void **items, size_t n,
 *                            size_t *got);
 *     takes up to n items into items[0..) and sets *got to how many.
 *     Returns 0 (at least one), EAGAIN (empty) or EPIPE (closed, empty).
 * Each backend's fastpath.h declares or defines them: the atomic backend
 * defines them inline, so that they compile into the front end's calls
 * with no call between. The Makefile's -Isrc/<backend> picks the file. */
#include "fastpath.h"

/* The single-item fast paths: the bulk ones with n = 1, which the compiler
 * folds to straight-line code where they are inline. */
__attribute__((always_inline)) static inline int
backend_try_put(struct pcq *q, void *item)
{
	size_t done = 0;
	return backend_try_put_many(q, &item, 1, &done);
}

__attribute__((always_inline)) static inline int
backend_try_get(struct pcq *q, void **item)
{
	size_t got;
	return backend_try_get_many(q, item, 1, &got);
}

/* The slow path, called after a try found the queue full/empty: waits
 * until the call can complete or deadline_ns passes. backend_put goes on
 * from items[*done], putting each item as soon as there is room; backend_get
 * waits for one item, then takes up to n without waiting again. Each
 * returns 0 (put all n / got at least one), ETIMEDOUT or EPIPE, never
 * ETIMEDOUT before the deadline, with *done / *got updated. */
int backend_put(struct pcq *q, void *const *items, size_t n, size_t *done,
		uint64_t deadline_ns);
int backend_get(struct pcq *q, void **items, size_t n, size_t *got,
		uint64_t deadline_ns);

/* A call that must not wait (a try, or timeout 0) found q full/empty:
 * gives the side's pollable fd, if it has one, its chance to become
 * unreadable, and tries once more. Returns 0, EAGAIN or EPIPE, with *done
 * / *got updated, as the fast path. */
int backend_put_poll(struct pcq *q, void *const *items, size_t n,
		     size_t *done);
int backend_get_poll(struct pcq *q, void **items, size_t n, size_t *got);

/* The side's pollable fd (get side: readable while an item is held or q
 * is closed; put side: while a slot is free or q is closed), made on the
 * first call. Returns it, or -1 with errno set. */
int backend_fd(struct pcq *q, bool get_side);

void backend_close(struct pcq *q);
/* The counts of pcq_stats (include/pcq.h), each read once. */
void backend_stats(const struct pcq *q, struct pcq_stats *stats);
size_t backend_size(const struct pcq *q);
size_t backend_capacity(const struct pcq *q);

extern const char backend_name[];

#endif /* PCQ_BACKEND_H */
