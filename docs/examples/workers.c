/* Shutdown with close: several producers, several consumers, one queue
 * with no flags (the MPMC ring). When every producer is done, main closes
 * the queue; each consumer takes what is left, then gets EPIPE and stops. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pcq.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

enum { PRODUCERS = 3, CONSUMERS = 3, PER_PRODUCER = 10000 };

struct consumer {
	pcq_t *q;
	uintptr_t sum;
	int end; /* the return value that ended the loop */
};

static void *produce(void *arg)
{
	pcq_t *q = arg;
	for (uintptr_t i = 1; i <= PER_PRODUCER; i++)
		if (pcq_put(q, (void *)i) != 0)
			return NULL; /* EPIPE: closed under us (not here) */
	return NULL;
}

static void *consume(void *arg)
{
	struct consumer *c = arg;
	void *item;
	int rc;
	while ((rc = pcq_get(c->q, &item)) == 0)
		c->sum += (uintptr_t)item;
	c->end = rc; /* EPIPE: closed and drained */
	return NULL;
}

int main(void)
{
	pcq_t *q = pcq_create(100, 0); /* any number of threads on each side */
	if (q == NULL)
		return 1;
	pthread_t p[PRODUCERS], c[CONSUMERS];
	struct consumer cs[CONSUMERS];
	for (int i = 0; i < CONSUMERS; i++) {
		cs[i] = (struct consumer){ .q = q };
		pthread_create(&c[i], NULL, consume, &cs[i]);
	}
	for (int i = 0; i < PRODUCERS; i++)
		pthread_create(&p[i], NULL, produce, q);

	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(p[i], NULL);
	pcq_close(q); /* no more puts: consumers drain, then see EPIPE */

	uintptr_t sum = 0;
	int ok = 1;
	for (int i = 0; i < CONSUMERS; i++) {
		pthread_join(c[i], NULL);
		sum += cs[i].sum;
		ok &= cs[i].end == EPIPE;
	}
	pcq_destroy(q); /* every call on q has returned */
	uintptr_t want = (uintptr_t)PRODUCERS * PER_PRODUCER *
			 (PER_PRODUCER + 1) / 2;
	printf("sum %lu of %lu\n", (unsigned long)sum, (unsigned long)want);
	return ok && sum == want ? 0 : 1;
}
