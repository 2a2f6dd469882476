/*
 * policy.h - the atomic backend's waiting policy: how long a call that
 * found the queue full or empty spins, when it gives its core away, and
 * when it sleeps. The protocol that makes sleeping safe is park.h's; this
 * file only decides when to enter it, so no choice made here can lose a
 * wake-up (the Spin models and Relacy tests hold for any spin budget).
 *
 * The cost model (docs/design.md, "3.8 The waiting policy", has the
 * figures measured here):
 *   - a sleep costs B: the membarrier of the announcement, the futex calls
 *     on both sides, and above all the time the kernel takes to run the
 *     woken thread again (15-65 us when its CPU was idle and halted, ~2 us
 *     when it was busy). The waker pays a system call too.
 *   - a spin costs the time it lasts, on one core; on a core it shares
 *     with the thread it waits for, it also keeps that thread from running.
 *   - a yield costs 0.3 us when nobody else wants the core; it hands the
 *     core to a thread that does, for as long as that thread runs.
 * Spinning up to B, then sleeping, is never worse than twice the best
 * choice made knowing the future (the competitive-spinning result). So a
 * wait spins for a budget that follows both what sleeping costs here (B,
 * measured from this queue's wake-ups: the cap is 4B, within [20, 200] us)
 * and how long this side's waits have lasted lately (as glibc's adaptive
 * mutex and Folly's TurnSequencer learn theirs):
 *   - a wait that ended within its budget, after D: aim at 2D;
 *   - a wait that slept, but whose wake-up was sent D after it began, D
 *     within the cap: spinning D would have saved the sleep, so aim at 2D
 *     at once - this breaks the convoy in which each side sleeps because
 *     the other just slept;
 *   - a wait longer than the cap: nothing was coming; aim at the minimum,
 *     slowly (1/8 of the way per wait).
 * The budget is counted in time, not in tries (a pause instruction costs
 * 10 cycles on one CPU and 140 on another), and in the thread's own CPU
 * time: a yield counts as what it cost this thread (at most 1 us), never
 * as the time others ran meanwhile.
 *
 * The phases of one wait (spin_on):
 *   1. pure spin, pause between tries, for SPIN_PURE_NS: a hand-off
 *      between two running threads is a cache line crossing cores (well
 *      under 1 us), so it ends here, without entering the kernel.
 *   2. yield between tries, until the budget is spent - if yielding helps
 *      (start_yielding in policy.c): when the side's waiters are as many
 *      as the CPUs (crowded), the threads they wait for cannot all be
 *      running, and each yield may give one a core; when this side's
 *      yields switch to another thread and back, a thread it waits for
 *      likely shares the core (then phase 1 is skipped: spinning would
 *      only keep it from running). In both cases the budget is the whole
 *      200 us. When yields here give the core away for a time slice
 *      (YIELD_LONG_NS: another program is busy), yielding only loses the
 *      thread's turn: it sleeps instead, and so do the side's next waits
 *      until that memory fades (some 60 waits).
 *   3. sleep (park.h), when the budget is spent or the deadline passes.
 * After a wake-up that found nothing (another thread was faster), a wait
 * spins only SPIN_MIN_NS before it sleeps again.
 */
#ifndef PCQ_POLICY_H
#define PCQ_POLICY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "park.h"

/* The least a wait spins and yields before it sleeps: its pure spin
 * (SPIN_PURE_NS), then a few yields - enough for a hand-off between two
 * running threads (a cache line crosses cores in well under 1 us), and for
 * a partner sharing this core to run once. Below this, waits that usually
 * take a microsecond would sleep whenever one took three. */
#define SPIN_MIN_NS 8000u /* 8 us */
/* The most own CPU time a wait spends spinning and yielding before it
 * sleeps: the contract's bound (include/pcq.h). */
#define SPIN_MAX_NS 200000u /* 200 us */
/* The least the cap of a learned budget may be (policy.c: spin_cap): on a
 * busy machine a sleep costs a few microseconds, but a wait that spins
 * less than this sleeps whenever its partner is descheduled for a moment. */
#define SPIN_CAP_MIN_NS 20000u /* 20 us */
/* Pure spinning, before the first yield. Long enough for a hand-off
 * between running threads, several times over; short enough that a thread
 * whose partner is not running gives its core away within microseconds. */
#define SPIN_PURE_NS 4000u /* 4 us */
/* What a sleep is assumed to cost until one has been measured: the middle
 * of what a futex sleep and its wake-up cost on a quiet machine. */
#define SLEEP_COST_START_NS 40000u /* 40 us */
/* Tries between two looks at the clock (a clock read costs about as much
 * as one try and a pause). */
#define SPIN_CLOCK_EVERY 8u
/* The CPU time a sched_yield costs its caller; the rest of the time it
 * took, other threads ran. */
#define YIELD_COST_NS 1000u /* 1 us */
/* A yield that kept the thread off its core this long gave it to another
 * program's thread for a time slice, not to a partner that needed a few
 * microseconds (see start_yielding in policy.c). */
#define YIELD_LONG_NS 50000u /* 50 us */
/* A yield that took this long switched to another thread and back (a
 * sched_yield that finds nobody else to run returns in about 0.3 us). */
#define YIELD_SWITCH_NS 1500u /* 1.5 us */

/* What one side (putters or getters) of a queue has learned, and counted.
 * Written only by that side's waiting threads (the slow path), on a cache
 * line of its own. The estimates are read and written relaxed, without a
 * read-modify-write: two waits updating them at once lose one update,
 * which only delays the learning. The counts are exact (fetch_add). */
struct wait_policy {
	atomic_uint spin_ns;       /* the next wait's budget, before clamping */
	atomic_uint sleep_cost_ns; /* B: a recent sleep's cost */
	atomic_uint_least64_t waits;  /* calls that began to wait */
	atomic_uint_least64_t sleeps; /* futex waits */
	atomic_uint active; /* waits past their pure spin, not asleep */
	atomic_uint yield_ns; /* how long recent yields kept it off its core */
};

/* One wait, on the waiting thread's stack. */
struct spin {
	struct wait_policy *policy;
	uint64_t deadline_ns;
	uint64_t start_ns; /* when the wait began (0: clock not read yet) */
	uint64_t last_ns;  /* the last look at the clock */
	uint64_t spent_ns; /* own CPU time spent spinning and yielding */
	uint32_t budget_ns;
	uint32_t pure_ns;  /* phase 1's length */
	uint32_t tries;
	uint64_t slept_ns; /* when the first sleep began (0: none yet) */
	bool active;       /* counted in policy->active */
	bool crowded;      /* its side's active waiters >= CPUs */
	bool yielding;     /* phase 2 */
};

/* A new queue's side: nothing learned, nothing counted. */
void policy_init(struct wait_policy *policy);

/* Starts a wait; counts it in policy->waits. Reads no clock. */
void spin_start(struct spin *s, struct wait_policy *policy,
		uint64_t deadline_ns);

/* Called after a try that found nothing to do: pauses or yields, and
 * returns true to try again, false when the budget is spent or the
 * deadline has passed (then sleep, or time out). */
bool spin_on(struct spin *s);

/* Called before each sleep: counts it, and gives the wait that follows a
 * wake-up a budget of SPIN_MIN_NS. */
void spin_sleeping(struct spin *s);

/* Called when the wait ends, however it ends: learns from it. w is the
 * waitq it slept on, whose woke_ns tells when the last wake-up was sent. */
void spin_end(struct spin *s, const struct waitq *w);

#endif /* PCQ_POLICY_H */
