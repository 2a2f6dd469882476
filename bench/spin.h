/*
 * spin.h - how a user makes a non-blocking queue block: retry, pausing the
 * CPU between tries, and after SPIN_TRIES failed tries give the core away
 * with sched_yield before each further try. It never sleeps, so a thread
 * waiting this way burns its core for as long as it waits.
 */
#ifndef BENCH_SPIN_H
#define BENCH_SPIN_H

#include <sched.h>

/* Tries before yielding: about a microsecond of pause instructions. */
#define SPIN_TRIES 100

static inline void spin_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Call after the tries-th failed try (tries counts from 1). */
static inline void spin_wait(unsigned tries)
{
	if (tries < SPIN_TRIES)
		spin_pause();
	else
		sched_yield();
}

#endif
