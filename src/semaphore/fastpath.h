/*
 * fastpath.h - the semaphore backend's fast path (see src/backend.h):
 * ordinary functions, in queue.c.
 */
#ifndef PCQ_FASTPATH_H
#define PCQ_FASTPATH_H

#include <stddef.h>

struct pcq;
int backend_try_put_many(struct pcq *q, void *const *items, size_t n,
			 size_t *done);
int backend_try_get_many(struct pcq *q, void **items, size_t n, size_t *got);

#endif /* PCQ_FASTPATH_H */
