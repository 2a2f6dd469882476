/* A producer thread hands numbers to a consumer through a pcq queue,
 * then closes it; the consumer drains what is left and stops at EPIPE. */
#include <pcq.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

static void *producer(void *arg)
{
	pcq_t *q = arg;
	for (uintptr_t i = 1; i <= 1000; i++)
		pcq_put(q, (void *)i); /* waits while the queue is full */
	pcq_close(q);                  /* no more items: wake the consumer */
	return NULL;
}

int main(void)
{
	pcq_t *q = pcq_create(64, PCQ_SP | PCQ_SC); /* one producer, one consumer */
	if (q == NULL)
		return 1;
	pthread_t t;
	pthread_create(&t, NULL, producer, q);

	uintptr_t sum = 0;
	void *item;
	while (pcq_get(q, &item) == 0) /* waits while empty; EPIPE at the end */
		sum += (uintptr_t)item;

	pthread_join(t, NULL);
	pcq_destroy(q);
	printf("%s backend: sum %lu\n", pcq_backend(), (unsigned long)sum);
	return sum == 500500 ? 0 : 1;
}
