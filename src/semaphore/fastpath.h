/*
 * fastpath.h - the semaphore backend's fast path (see src/backend.h):
 * ordinary functions, in queue.c.
 */
#ifndef PCQ_FASTPATH_H
#define PCQ_FASTPATH_H

struct pcq;
int backend_try_put(struct pcq *q, void *item);
int backend_try_get(struct pcq *q, void **item);

#endif /* PCQ_FASTPATH_H */
