/*
 * policy.c - the waiting policy: spin, yield, then sleep; see policy.h.
 * Everything here runs in the slow path, after a try found nothing to do.
 */
#include <sched.h>

#include "backend.h"
#include "clock.h"
#include "policy.h"

/* A stretch of pure spinning that took longer than this was not spinning:
 * the thread was preempted, so more threads are runnable than there are
 * cores. It counts as a yield, and the wait goes on yielding. */
#define SPIN_PREEMPTED_NS 20000u /* 20 us: ~100 times SPIN_CLOCK_EVERY tries */

static uint32_t clamp(uint64_t x, uint32_t lo, uint32_t hi)
{
	return x < lo ? lo : x > hi ? hi : (uint32_t)x;
}

/* The most a wait spins and yields by its learned budget: four times what
 * a sleep costs here (B). Spinning up to B is the competitive choice; the
 * margin covers the spread of wake-up times (on a quiet machine a tenth of
 * them take several times the median), and the waker of a sleeper pays a
 * system call too. Within [SPIN_CAP_MIN_NS, SPIN_MAX_NS]. */
static uint32_t spin_cap(const struct wait_policy *p)
{
	/* Relaxed: an estimate; any recent value will do. */
	uint64_t b = atomic_load_explicit(&p->sleep_cost_ns,
					  memory_order_relaxed);
	return clamp(4 * b, SPIN_CAP_MIN_NS, SPIN_MAX_NS);
}

void policy_init(struct wait_policy *p)
{
	/* Before any wait: spin up to what a sleep is assumed to cost. */
	atomic_init(&p->spin_ns, SLEEP_COST_START_NS);
	atomic_init(&p->sleep_cost_ns, SLEEP_COST_START_NS);
	atomic_init(&p->waits, 0);
	atomic_init(&p->sleeps, 0);
	atomic_init(&p->active, 0);
	atomic_init(&p->yield_ns, 0);
}

/* Yields here take as long as a switch to another thread of this core and
 * back, not a time slice given to another program (see start_yielding). */
static bool yields_switch(uint32_t yield_ns)
{
	return yield_ns >= YIELD_SWITCH_NS && yield_ns < YIELD_LONG_NS;
}

/* Moves an estimate toward target: at once upward, by 1/8 downward. */
static void learn(atomic_uint *estimate, uint32_t target, bool jump_up)
{
	/* Relaxed load and store, no read-modify-write: see wait_policy. */
	uint32_t e = atomic_load_explicit(estimate, memory_order_relaxed);
	uint32_t next = target > e && jump_up ? target
			: target > e          ? e + (target - e) / 8
					      : e - (e - target) / 8;
	if (next != e)
		atomic_store_explicit(estimate, next, memory_order_relaxed);
}

void spin_start(struct spin *s, struct wait_policy *p, uint64_t deadline_ns)
{
	/* Relaxed: a count for pcq_stats, ordered with nothing. */
	atomic_fetch_add_explicit(&p->waits, 1, memory_order_relaxed);
	/* Relaxed: an estimate (see struct wait_policy). */
	uint32_t learned = atomic_load_explicit(&p->spin_ns,
						memory_order_relaxed);
	/* Relaxed: an estimate too. */
	uint32_t y = atomic_load_explicit(&p->yield_ns, memory_order_relaxed);
	*s = (struct spin){
		.policy = p,
		.deadline_ns = deadline_ns,
		.budget_ns = clamp(learned, SPIN_MIN_NS, spin_cap(p)),
		/* Yields here switch to a thread sharing the core (likely
		 * the one waited for): spinning first only delays it. */
		.pure_ns = yields_switch(y) ? 0 : SPIN_PURE_NS,
		.yielding = park_cpus == 1, /* one CPU: spinning cannot help */
	};
}

/* Past its pure spin, a wait counts itself among its side's active
 * waiters and decides whether to yield between tries.
 *   - Crowded: its side's active waiters are as many as the CPUs. The
 *     threads they all wait for - of the other side, one at least - cannot
 *     all be running, and a spin may keep one of them from a core: yield.
 *   - Else it yields while yields here are short: a yield that returns
 *     after a few microseconds let a thread that shares this core run -
 *     often the very thread waited for, which the scheduler likes to place
 *     next to its waker; one that returns at once cost a system call. A
 *     long one (YIELD_LONG_NS) gave the core to some other program for a
 *     time slice: yielding to it only loses this thread's turn, while a
 *     sleeper is woken ahead of it. So after a long yield the wait sleeps,
 *     and the side stops yielding until its record of yields decays.
 * Relaxed: counts and estimates that only steer the policy. */
static bool start_yielding(struct spin *s)
{
	s->active = true;
	struct wait_policy *p = s->policy;
	s->crowded = atomic_fetch_add_explicit(&p->active, 1,
					       memory_order_relaxed) + 1 >=
		     park_cpus;
	/* Crowded, or with yields that switch to a thread on this core, the
	 * wait for the other side is a wait for a core: yield up to the
	 * whole bound, as each yield hands the core over. */
	uint32_t y = atomic_load_explicit(&p->yield_ns, memory_order_relaxed);
	if (s->crowded || yields_switch(y))
		s->budget_ns = SPIN_MAX_NS;
	if (s->crowded || y < YIELD_LONG_NS)
		return true;
	/* Not this time. Forget a little (1/32), so that a wait some 60
	 * waits later tries a yield again, in case the machine is quieter. */
	atomic_store_explicit(&p->yield_ns, y - y / 32, memory_order_relaxed);
	return false;
}

static void inactive(struct spin *s)
{
	if (s->active) {
		s->active = false;
		atomic_fetch_sub_explicit(&s->policy->active, 1,
					  memory_order_relaxed);
	}
}

bool spin_on(struct spin *s)
{
	uint64_t now, d;
	if (!s->yielding) {
		/* Phase 1: pure spin; the clock is read every few tries. */
		if (++s->tries % SPIN_CLOCK_EVERY != 0) {
			cpu_relax();
			return true;
		}
		now = clock_now_ns();
		if (s->start_ns == 0)
			s->start_ns = s->last_ns = now;
		d = now - s->last_ns;
		/* Preempted: that time was not this thread's to spend. */
		s->spent_ns += d > SPIN_PREEMPTED_NS ? YIELD_COST_NS : d;
		if (s->spent_ns >= s->pure_ns && !s->active) {
			s->yielding = start_yielding(s);
			if (!s->yielding)
				s->spent_ns = s->budget_ns; /* sleep now */
		}
	} else {
		/* Phase 2: give the core to whoever may need it. */
		sched_yield();
		now = clock_now_ns();
		if (s->start_ns == 0)
			s->start_ns = s->last_ns = now;
		d = now - s->last_ns;
		s->spent_ns += d < YIELD_COST_NS ? d : YIELD_COST_NS;
		if (!s->crowded) {
			/* A long yield is remembered at once, as 8 times the
			 * threshold: the next yields wait for it to decay.
			 * Short ones move the estimate by 1/8. */
			bool long_one = d >= YIELD_LONG_NS;
			learn(&s->policy->yield_ns,
			      long_one ? YIELD_LONG_NS * 8 : (uint32_t)d,
			      long_one);
			if (long_one)
				s->spent_ns = s->budget_ns; /* sleep now */
		}
	}
	s->last_ns = now;
	return s->spent_ns < s->budget_ns && now < s->deadline_ns;
}

void spin_sleeping(struct spin *s)
{
	inactive(s); /* a sleeper keeps no core from anyone */
	/* Relaxed: a count for pcq_stats. */
	atomic_fetch_add_explicit(&s->policy->sleeps, 1, memory_order_relaxed);
	uint64_t now = clock_now_ns();
	if (s->start_ns == 0)
		s->start_ns = now;
	if (s->slept_ns == 0)
		s->slept_ns = now;
	/* Woken for nothing, the wait spins a little, then sleeps again. */
	s->spent_ns = 0;
	s->tries = 0;
	s->last_ns = now;
	s->budget_ns = SPIN_MIN_NS;
	s->yielding = park_cpus == 1;
}

void spin_end(struct spin *s, const struct waitq *w)
{
	struct wait_policy *p = s->policy;
	inactive(s);
	if (s->start_ns == 0) {
		/* Over within SPIN_CLOCK_EVERY tries: under a microsecond. */
		learn(&p->spin_ns, SPIN_MIN_NS, false);
		return;
	}
	uint64_t now = clock_now_ns(), done = now;
	if (s->slept_ns != 0) {
		/* Relaxed: a time stamp, ordered with nothing; a stale or a
		 * later one only blurs the estimate. */
		uint64_t woke = atomic_load_explicit(&w->woke_ns,
						     memory_order_relaxed);
		if (woke >= s->slept_ns && woke <= now) {
			/* What the sleep cost from the wake-up on, plus its
			 * share before (the announcement, the futex call). */
			learn(&p->sleep_cost_ns,
			      clamp(now - woke, 1000u, 1000000u), false);
			done = woke; /* when what it waited for happened */
		}
	}
	uint64_t need = done - s->start_ns;
	uint32_t cap = spin_cap(p);
	learn(&p->spin_ns, need <= cap ? clamp(2 * need, SPIN_MIN_NS, cap)
				       : SPIN_MIN_NS,
	      true);
}
