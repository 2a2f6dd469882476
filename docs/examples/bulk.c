/* Bursts: the producer hands over what each read of its source returned
 * with one pcq_put_many; the consumer takes whatever has piled up with one
 * pcq_get_many, checks that every item came exactly once and in order,
 * and stops at EPIPE once the producer has closed the queue. At the end,
 * pcq_stats tells how often each side had to wait, and to sleep. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <pcq.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

enum { ITEMS = 50000, BURST_MAX = 48, BATCH = 32 };

/* A stand-in for read(2) on a socket or a pipe. */
struct source {
	uintptr_t next;   /* the next number to hand out, 1 .. ITEMS */
	uint32_t random;  /* xorshift32 state: the sizes of the bursts */
	unsigned reads;
};

/* Stores the next 1 .. BURST_MAX numbers in burst and returns how many;
 * 0 once all ITEMS are out. Every 64th read is slow, as when the source
 * has nothing ready, so that the consumer, too, may find the queue empty. */
static size_t read_burst(struct source *s, void **burst)
{
	s->random ^= s->random << 13;
	s->random ^= s->random >> 17;
	s->random ^= s->random << 5;
	size_t n = 1 + s->random % BURST_MAX, k = 0;
	if (++s->reads % 64 == 0)
		nanosleep(&(struct timespec){ .tv_nsec = 200000 }, NULL);
	while (k < n && s->next <= ITEMS)
		burst[k++] = (void *)s->next++;
	return k;
}

static void *producer(void *arg)
{
	pcq_t *q = arg;
	struct source src = { .next = 1, .random = 2463534242u };
	void *burst[BURST_MAX];
	size_t n, done;
	while ((n = read_burst(&src, burst)) > 0) {
		/* Puts burst[0..n) in order, each item as soon as there is
		 * room; UINT64_MAX: waits as long as it takes. 0: all n were
		 * put (done == n). EPIPE: the queue was closed, and only
		 * burst[0..done) went in. A finite timeout could also give
		 * ETIMEDOUT, and timeout 0 EAGAIN, with done saying how many
		 * went in; the rest would be ours to put again. */
		if (pcq_put_many(q, burst, n, &done, UINT64_MAX) != 0)
			break; /* EPIPE: not here, only this thread closes */
	}
	pcq_close(q); /* no more items: the consumer drains, then gets EPIPE */
	return NULL;
}

int main(void)
{
	/* One producer, one consumer: PCQ_SP and PCQ_SC promise that, for
	 * the bulk calls as for the others. */
	pcq_t *q = pcq_create(64, PCQ_SP | PCQ_SC);
	if (q == NULL)
		return 1;
	pthread_t t;
	if (pthread_create(&t, NULL, producer, q) != 0)
		return 1;

	void *batch[BATCH];
	size_t got;
	uintptr_t count = 0; /* items taken so far */
	unsigned long calls = 0;
	int in_order = 1, rc;
	/* Waits until the queue holds an item or is closed, then takes up to
	 * BATCH items at once, oldest first, without waiting for more.
	 * 0: got is 1 .. BATCH. EPIPE: closed and drained, got is 0. A
	 * finite timeout could also give ETIMEDOUT, and timeout 0 EAGAIN,
	 * both with got 0. */
	while ((rc = pcq_get_many(q, batch, BATCH, &got, UINT64_MAX)) == 0) {
		calls++;
		for (size_t i = 0; i < got; i++)
			if ((uintptr_t)batch[i] != ++count)
				in_order = 0; /* lost, duplicated or reordered */
	}
	pthread_join(t, NULL);

	/* Counts of waits and kernel sleeps; 0, as q and &s are not NULL. */
	struct pcq_stats s;
	pcq_stats(q, &s);
	pcq_destroy(q);

	printf("%s backend: %lu items in %lu pcq_get_many calls\n",
	       pcq_backend(), (unsigned long)count, calls);
	printf("producer: waited for room %" PRIu64 " times, slept %" PRIu64
	       " times\n", s.put_waits, s.put_sleeps);
	printf("consumer: waited for items %" PRIu64 " times, slept %" PRIu64
	       " times\n", s.get_waits, s.get_sleeps);
	return rc == EPIPE && in_order && count == ITEMS ? 0 : 1;
}
