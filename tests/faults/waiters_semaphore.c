/*
 * waiters_semaphore.c - check_idle_state for the semaphore backend: the
 * invariants of src/semaphore/queue.c for an open, idle queue:
 *   mutex == 1, items == count, spaces == capacity - count.
 * Built with -Isrc/semaphore, for struct pcq (queue.h).
 */
#include <stdio.h>

#include "queue.h"
#include "waiters.h"

int check_idle_state(pcq_t *q, size_t held)
{
	int mutex, items, spaces;
	sem_getvalue(&q->mutex, &mutex);
	sem_getvalue(&q->items, &items);
	sem_getvalue(&q->spaces, &spaces);
	size_t cap = pcq_capacity(q);
	printf("  semaphore: mutex=%d items=%d spaces=%d size=%zu "
	       "(want 1 %zu %zu %zu)\n", mutex, items, spaces, pcq_size(q),
	       held, cap - held, held);
	return mutex == 1 && (size_t)items == held &&
			       (size_t)spaces == cap - held &&
			       pcq_size(q) == held ? 0 : 1;
}
