/*
 * waiters_semaphore.c - check_idle_state for the semaphore backend: the
 * invariants of src/semaphore/queue.c for an open, idle queue:
 *   mutex == 1, items == count, spaces == capacity - count.
 *
 * struct pcq is private to queue.c; this mirrors only its three leading
 * sem_t fields (mutex, items, spaces, in that order). If queue.c reorders
 * them this check reads the wrong semaphores and fails loudly, not
 * silently: the three expected values differ.
 */
#include <semaphore.h>
#include <stdio.h>

#include "waiters.h"

struct semaphore_prefix {
	sem_t mutex, items, spaces;
};

int check_idle_state(pcq_t *q, size_t held)
{
	struct semaphore_prefix *s = (struct semaphore_prefix *)(void *)q;
	int mutex, items, spaces;
	sem_getvalue(&s->mutex, &mutex);
	sem_getvalue(&s->items, &items);
	sem_getvalue(&s->spaces, &spaces);
	size_t cap = pcq_capacity(q);
	printf("  semaphore: mutex=%d items=%d spaces=%d size=%zu "
	       "(want 1 %zu %zu %zu)\n", mutex, items, spaces, pcq_size(q),
	       held, cap - held, held);
	return mutex == 1 && (size_t)items == held &&
			       (size_t)spaces == cap - held &&
			       pcq_size(q) == held ? 0 : 1;
}
