/*
 * backend.h - the internal interface between the front end (pcq.c) and a
 * backend directory (src/semaphore/ or src/atomic/).
 *
 * The front end implements the public contract once: it checks arguments,
 * turns relative timeouts into one absolute deadline and maps the six
 * put/get calls onto the two pairs below. A backend only moves items.
 *
 * Each backend defines `struct pcq` privately and implements every function
 * here. The Makefile decides which directory is linked; nothing else in the
 * tree knows which one it is.
 */
#ifndef PCQ_BACKEND_H
#define PCQ_BACKEND_H

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

/* The fast path: never waits. Returns 0, EAGAIN (full/empty) or EPIPE.
 *   int backend_try_put(struct pcq *q, void *item);
 *   int backend_try_get(struct pcq *q, void **item);
 * Each backend's fastpath.h declares or defines them: the atomic backend
 * defines them inline, so that they compile into the front end's calls
 * with no call between. The Makefile's -Isrc/<backend> picks the file. */
#include "fastpath.h"

/* The slow path, called after a try found the queue full/empty: waits until
 * the call can complete or deadline_ns passes. Returns 0, ETIMEDOUT or EPIPE;
 * never ETIMEDOUT before the deadline. */
int backend_put(struct pcq *q, void *item, uint64_t deadline_ns);
int backend_get(struct pcq *q, void **item, uint64_t deadline_ns);

void backend_close(struct pcq *q);
/* The counts of pcq_stats (include/pcq.h), each read once. */
void backend_stats(const struct pcq *q, struct pcq_stats *stats);
size_t backend_size(const struct pcq *q);
size_t backend_capacity(const struct pcq *q);

extern const char backend_name[];

#endif /* PCQ_BACKEND_H */
