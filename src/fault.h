/*
 * fault.h - fault injection for the test-only "faults" builds.
 *
 * In a normal build fault_spurious_wake() is constant false and compiles
 * away. Built with -DPCQ_FAULT_RATE=N (percent), each wait primitive
 * pretends, on N% of its calls, that its wait returned at once for no
 * reason (a spurious futex wake-up, or EINTR from a signal): the callers
 * must re-check and wait again, and the whole test suite must still pass.
 */
#ifndef PCQ_FAULT_H
#define PCQ_FAULT_H

#include <stdbool.h>

#ifdef PCQ_FAULT_RATE
#include <stdint.h>
static inline bool fault_spurious_wake(void)
{
	/* xorshift per thread: no shared state, no locks, no libc rand(). */
	static _Thread_local uint32_t x = 2463534242u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x % 100u < (uint32_t)(PCQ_FAULT_RATE);
}
#else
static inline bool fault_spurious_wake(void)
{
	return false;
}
#endif

#endif /* PCQ_FAULT_H */
