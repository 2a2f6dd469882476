/*
 * waiters.h - white-box look at a queue's sleeping state, one file per
 * backend (waiters_atomic.c, waiters_semaphore.c): after every call has
 * returned, no thread may still be counted as waiting and no token may be
 * missing or extra.
 */
#ifndef PCQ_FAULTS_WAITERS_H
#define PCQ_FAULTS_WAITERS_H

#include "pcq.h"

/* Prints the counts; returns 0 if they are what an idle queue holding
 * `held` items must have. */
int check_idle_state(pcq_t *q, size_t held);

#endif
