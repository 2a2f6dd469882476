/*
 * q_mutex.c - the bounded queue most people write by hand: a ring of
 * exactly `capacity` items, one pthread mutex, and two condition variables,
 * `not_full` for putters and `not_empty` for getters. Each put signals one
 * getter, each get signals one putter.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "queue.h"

struct mutex_queue {
	pthread_mutex_t lock;
	pthread_cond_t not_full, not_empty;
	size_t capacity, count, get_pos; /* the next item is at get_pos */
	uint64_t *ring;
	int efd; /* the event-loop cell's eventfd; -1 for the others */
	uint64_t id; /* for loop_wait */
};

static void *mutex_create(const struct use *use)
{
	struct mutex_queue *q = calloc(1, sizeof *q);
	if (q == NULL)
		return NULL;
	q->ring = calloc(use->capacity, sizeof *q->ring);
	if (q->ring == NULL) {
		free(q);
		return NULL;
	}
	q->capacity = use->capacity;
	q->efd = -1;
	q->id = loop_id();
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->not_full, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	return q;
}

static void mutex_destroy(void *arg)
{
	struct mutex_queue *q = arg;
	if (q->efd >= 0)
		close(q->efd);
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
	pthread_mutex_destroy(&q->lock);
	free(q->ring);
	free(q);
}

static void mutex_put(void *arg, uint64_t item)
{
	struct mutex_queue *q = arg;
	pthread_mutex_lock(&q->lock);
	while (q->count == q->capacity)
		pthread_cond_wait(&q->not_full, &q->lock);
	q->ring[(q->get_pos + q->count) % q->capacity] = item;
	q->count++;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
}

static uint64_t mutex_get(void *arg)
{
	struct mutex_queue *q = arg;
	pthread_mutex_lock(&q->lock);
	while (q->count == 0)
		pthread_cond_wait(&q->not_empty, &q->lock);
	uint64_t item = q->ring[q->get_pos];
	q->get_pos = (q->get_pos + 1) % q->capacity;
	q->count--;
	pthread_cond_signal(&q->not_full);
	pthread_mutex_unlock(&q->lock);
	return item;
}

static const char *mutex_variant(const struct use *use)
{
	(void)use;
	return "-";
}

static void pairs_mutex(void *q, long n)
{
	for (long i = 0; i < n; i++) {
		mutex_put(q, (uint64_t)i);
		(void)mutex_get(q);
	}
}

/* The hand-written batch: one lock hold moves as many items as fit (put)
 * or as are there (get), and wakes every waiter of the other side, since
 * several slots or items may have changed hands. */
static void put_many_mutex(void *arg, const uint64_t *items, size_t n)
{
	struct mutex_queue *q = arg;
	pthread_mutex_lock(&q->lock);
	for (size_t done = 0; done < n;) {
		while (q->count == q->capacity)
			pthread_cond_wait(&q->not_full, &q->lock);
		for (; done < n && q->count < q->capacity; done++) {
			q->ring[(q->get_pos + q->count) % q->capacity] =
				items[done];
			q->count++;
		}
		pthread_cond_broadcast(&q->not_empty);
	}
	pthread_mutex_unlock(&q->lock);
}

static size_t get_many_mutex(void *arg, uint64_t *items, size_t max)
{
	struct mutex_queue *q = arg;
	pthread_mutex_lock(&q->lock);
	while (q->count == 0)
		pthread_cond_wait(&q->not_empty, &q->lock);
	size_t got = 0;
	for (; got < max && q->count > 0; got++) {
		items[got] = q->ring[q->get_pos];
		q->get_pos = (q->get_pos + 1) % q->capacity;
		q->count--;
	}
	pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->lock);
	return got;
}

const struct queue_ops queue_mutex_bulk = {
	.name = "mutex+cond bulk", .waits = "condvar", .bound = "bounded",
	.create = mutex_create, .destroy = mutex_destroy, .put = mutex_put,
	.get = mutex_get, .variant = mutex_variant, .pairs = pairs_mutex,
	.put_many = put_many_mutex, .get_many = get_many_mutex,
};

/* The hand-written event-loop queue: the mutex+condvar queue plus an
 * eventfd written on every put (after the item is in, so a consumer woken
 * by it finds the item), on which consumers wait in epoll; a consumer
 * reads the eventfd to reset it, then takes what is there, and waits
 * again only when it found nothing. */
static void *efd_create(const struct use *use)
{
	struct mutex_queue *q = mutex_create(use);
	if (q != NULL) {
		q->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (q->efd < 0)
			abort();
	}
	return q;
}

static void efd_put(void *arg, uint64_t item)
{
	struct mutex_queue *q = arg;
	mutex_put(q, item);
	uint64_t one = 1;
	if (write(q->efd, &one, sizeof one) != sizeof one)
		abort();
}

static size_t efd_get_many(void *arg, uint64_t *items, size_t max)
{
	struct mutex_queue *q = arg;
	for (;;) {
		size_t got = 0;
		pthread_mutex_lock(&q->lock);
		for (; got < max && q->count > 0; got++) {
			items[got] = q->ring[q->get_pos];
			q->get_pos = (q->get_pos + 1) % q->capacity;
			q->count--;
		}
		if (got > 0)
			pthread_cond_broadcast(&q->not_full);
		pthread_mutex_unlock(&q->lock);
		if (got > 0)
			return got;
		loop_wait(q->id, q->efd);
		uint64_t count;
		ssize_t rc = read(q->efd, &count, sizeof count);
		(void)rc; /* EAGAIN: another consumer reset it first */
	}
}

const struct queue_ops queue_mutex_eventfd = {
	.name = "mutex+cond+efd", .waits = "epoll", .bound = "bounded",
	.create = efd_create, .destroy = mutex_destroy, .put = efd_put,
	.get = mutex_get, .variant = mutex_variant, .pairs = pairs_mutex,
	.get_many = efd_get_many,
};

const struct queue_ops queue_mutex = {
	.name = "mutex+cond", .waits = "condvar", .bound = "bounded",
	.create = mutex_create, .destroy = mutex_destroy, .put = mutex_put,
	.get = mutex_get, .variant = mutex_variant, .pairs = pairs_mutex,
};
