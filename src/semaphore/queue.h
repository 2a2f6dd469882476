/*
 * queue.h - the reference backend's queue: the book's buffer and its three
 * semaphores (queue.c), and the pollable fds that follow the buffer
 * (fds.c). The design is explained at the top of queue.c.
 */
#ifndef PCQ_SEM_QUEUE_H
#define PCQ_SEM_QUEUE_H

#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "backend.h"
#include "sem_until.h"

struct pcq {
	sem_t mutex;  /* 1: buffer free; 0: a call is in the buffer */
	sem_t items;  /* items in the buffer (+1 baton once closed) */
	sem_t spaces; /* free slots in the buffer (+1 baton once closed) */

	/* The circular buffer. Written only while holding `mutex`. */
	size_t put_at;   /* next slot to fill */
	size_t get_at;   /* next slot to empty */
	_Atomic size_t count; /* items held; atomic only so pcq_size can read
			       * it without the mutex (relaxed: a snapshot) */
	atomic_bool closed;   /* written under the mutex; read outside it
			       * (see backend_try_put_many, _get_many) */
	size_t capacity;
	void **slots;

	/* pcq_stats: waits begun and sem_waits made by put- and get-family
	 * calls (relaxed: counts, ordered with nothing). */
	atomic_uint_least64_t put_waits, get_waits, put_sleeps, get_sleeps;

	/* The pollable fds (pollfd.h), -1 until asked for: made, written and
	 * drained only while holding `mutex`, so each is exactly as readable
	 * as the buffer says (atomic only for backend_fd's first look). */
	atomic_int get_fd, put_fd;
};

static inline void lock(struct pcq *q)
{
	sem_wait_until(&q->mutex, DEADLINE_NEVER, NULL);
}

static inline void unlock(struct pcq *q)
{
	sem_post(&q->mutex);
}

static inline bool is_closed(const struct pcq *q)
{
	return atomic_load_explicit(&q->closed, memory_order_relaxed);
}

/* fds.c: called holding the mutex, after the buffer went from `before`
 * items to `after` (a close: before == after), the fds follow. */
void fds_follow(struct pcq *q, size_t before, size_t after);
/* fds.c: closes the fds that were made (backend_destroy). */
void fds_close(struct pcq *q);

#endif /* PCQ_SEM_QUEUE_H */
