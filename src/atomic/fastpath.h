/*
 * fastpath.h - the atomic backend's fast path (see src/backend.h): the try
 * calls of the two rings, inline, so the front end's calls run them with
 * no call in between.
 */
#ifndef PCQ_FASTPATH_H
#define PCQ_FASTPATH_H

#include "mpmc.h"
#include "spsc.h"

__attribute__((always_inline)) static inline int
backend_try_put_many(struct pcq *q, void *const *items, size_t n,
		     size_t *done)
{
	return q->spsc ? spsc_try_put_many(q, items, n, done)
		       : mpmc_try_put_many(q, items, n, done);
}

__attribute__((always_inline)) static inline int
backend_try_get_many(struct pcq *q, void **items, size_t n, size_t *got)
{
	return q->spsc ? spsc_try_get_many(q, items, n, got)
		       : mpmc_try_get_many(q, items, n, got);
}

#endif /* PCQ_FASTPATH_H */
