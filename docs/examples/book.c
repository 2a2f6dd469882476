/* The Little Book of Semaphores' producer/consumer solution, in C with
 * POSIX semaphores: a mutex and two counting semaphores named for what
 * they count. src/semaphore/queue.c is this, plus close and timeouts. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>

#define SIZE 4 /* the buffer's capacity */
#define N 10000 /* items to hand over */

static void *buffer[SIZE];
static unsigned put_at, get_at;

static sem_t mutex;  /* Semaphore(1): one thread in the buffer at a time */
static sem_t items;  /* Semaphore(0): items in the buffer */
static sem_t spaces; /* Semaphore(SIZE): free slots in the buffer */

static void put(void *item)
{
	sem_wait(&spaces); /* wait for a free slot ... */
	sem_wait(&mutex);  /* ... and only then for the buffer */
	buffer[put_at] = item;
	put_at = (put_at + 1) % SIZE;
	sem_post(&mutex);
	sem_post(&items); /* one more item */
}

static void *get(void)
{
	sem_wait(&items); /* wait for an item ... */
	sem_wait(&mutex); /* ... and only then for the buffer */
	void *item = buffer[get_at];
	get_at = (get_at + 1) % SIZE;
	sem_post(&mutex);
	sem_post(&spaces); /* one more free slot */
	return item;
}

static void *producer(void *arg)
{
	(void)arg;
	for (uintptr_t i = 1; i <= N; i++)
		put((void *)i);
	return NULL;
}

int main(void)
{
	sem_init(&mutex, 0, 1);
	sem_init(&items, 0, 0);
	sem_init(&spaces, 0, SIZE);
	pthread_t t;
	pthread_create(&t, NULL, producer, NULL);
	uintptr_t sum = 0;
	for (int i = 0; i < N; i++)
		sum += (uintptr_t)get();
	pthread_join(t, NULL);
	printf("sum %lu\n", (unsigned long)sum);
	return sum == (uintptr_t)N * (N + 1) / 2 ? 0 : 1;
}
