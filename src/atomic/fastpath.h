/*
 * fastpath.h - the atomic backend's fast path (see src/backend.h): the try
 * calls of the two rings, inline, so the front end's pcq_put and pcq_get
 * run them with no call in between.
 */
#ifndef PCQ_FASTPATH_H
#define PCQ_FASTPATH_H

#include "mpmc.h"
#include "spsc.h"

__attribute__((always_inline)) static inline int
backend_try_put(struct pcq *q, void *item)
{
	return q->spsc ? spsc_try_put(q, item) : mpmc_try_put(q, item);
}

__attribute__((always_inline)) static inline int
backend_try_get(struct pcq *q, void **item)
{
	return q->spsc ? spsc_try_get(q, item) : mpmc_try_get(q, item);
}

#endif /* PCQ_FASTPATH_H */
