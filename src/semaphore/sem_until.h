/*
 * sem_until.h - the semaphore backend's one wait primitive.
 */
#ifndef PCQ_SEM_UNTIL_H
#define PCQ_SEM_UNTIL_H

#include <semaphore.h>
#include <stdatomic.h>
#include <stdint.h>

/* Waits for s (decrements it) until deadline_ns, an absolute CLOCK_MONOTONIC
 * time (DEADLINE_NEVER: no limit). Returns 0 (decremented) or ETIMEDOUT (not
 * decremented). Never returns early for a signal, and is not a cancellation
 * point. Adds 1 to *sleeps (unless NULL) for every sem_wait/sem_clockwait
 * it makes, for pcq_stats. */
int sem_wait_until(sem_t *s, uint64_t deadline_ns,
		   atomic_uint_least64_t *sleeps);

#endif /* PCQ_SEM_UNTIL_H */
