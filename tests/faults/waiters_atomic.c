/*
 * waiters_atomic.c - check_idle_state for the atomic backend: both waitqs'
 * counts (src/atomic/park.h: waiters and woken) back to 0. Built with
 * -Isrc/atomic.
 */
#include <stdio.h>

#include "ring.h"
#include "waiters.h"

int check_idle_state(pcq_t *q, size_t held)
{
	uint64_t items = atomic_load(&q->items.sleepers);
	uint64_t spaces = atomic_load(&q->spaces.sleepers);
	unsigned active = atomic_load(&q->getting.active) +
			  atomic_load(&q->putting.active);
	printf("  atomic: items waiters=%u woken=%u, spaces waiters=%u "
	       "woken=%u, active waiters=%u, size=%zu (want 0 0 0 0 0 %zu)\n",
	       waitq_waiters(items), waitq_woken(items),
	       waitq_waiters(spaces), waitq_woken(spaces), active, pcq_size(q),
	       held);
	return items == 0 && spaces == 0 && active == 0 &&
			       pcq_size(q) == held ? 0 : 1;
}
