/*
 * clock.h - CLOCK_MONOTONIC time as nanoseconds, for deadlines.
 */
#ifndef PCQ_CLOCK_H
#define PCQ_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NS_PER_SEC 1000000000u

static inline uint64_t clock_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for this clock */
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* The deadline timeout_ns from now, saturating at UINT64_MAX ("never"). */
static inline uint64_t clock_deadline_after(uint64_t timeout_ns)
{
	if (timeout_ns == UINT64_MAX)
		return UINT64_MAX; /* for ever: no need to read the clock */
	uint64_t now = clock_now_ns();
	return timeout_ns > UINT64_MAX - now ? UINT64_MAX : now + timeout_ns;
}

/* An absolute deadline as a timespec for sem_clockwait and futex waits. */
static inline struct timespec clock_timespec(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / NS_PER_SEC),
		.tv_nsec = (long)(ns % NS_PER_SEC),
	};
	return ts;
}

#endif /* PCQ_CLOCK_H */
