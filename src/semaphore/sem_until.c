/*
 * sem_until.c - every kernel quirk of waiting on a POSIX semaphore, absorbed
 * in one place: EINTR, CLOCK_MONOTONIC deadlines, cancellation.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>

#include "backend.h"
#include "clock.h"
#include "sem_until.h"
#include "fault.h"

int sem_wait_until(sem_t *s, uint64_t deadline_ns,
		   atomic_uint_least64_t *sleeps)
{
	/* sem_wait and sem_clockwait are cancellation points; pcq calls are
	 * not (include/pcq.h), so a cancel must wait until the call returns. */
	int cancel_state;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);

	struct timespec deadline = clock_timespec(deadline_ns);
	int rc;
	for (;;) {
		/* Relaxed: a count for pcq_stats. */
		if (sleeps != NULL)
			atomic_fetch_add_explicit(sleeps, 1,
						  memory_order_relaxed);
		if (fault_spurious_wake())
			continue; /* as if a signal had interrupted the wait */
		if (deadline_ns == DEADLINE_NEVER)
			rc = sem_wait(s);
		else
			rc = sem_clockwait(s, CLOCK_MONOTONIC, &deadline);
		if (rc == 0 || errno != EINTR)
			break;
		/* EINTR: a signal handler ran. Not our caller's business. */
	}
	pthread_setcancelstate(cancel_state, NULL);
	return rc == 0 ? 0 : ETIMEDOUT;
}
