/*
 * park.h - spinning, sleeping and waking for the atomic backend: the only
 * place that knows about futexes and memory barriers between threads.
 *
 * A waitq is where threads sleep until the other side does something:
 * getters sleep on `items` until a put completes, putters on `spaces` until
 * a get completes. The handshake that makes a wake-up impossible to lose:
 *
 *    waker (after a put or get)             sleeper (found nothing to do)
 *    publish the change                     seen = seq; waiters++
 *    F_w: fence_fast()                      F_s: fence_slow()
 *    if (waiters > woken) {                 re-check; if still nothing:
 *        woken++; seq++; futex_wake }           futex_wait(&seq, seen)
 *                                           waiters--; woken-- (if > 0)
 *
 * F_w and F_s order a store before a load on each side (the store-buffering
 * pattern): either the sleeper's re-check sees the change, or the waker sees
 * the announcement. If the waker wakes before the sleeper is in the kernel,
 * seq has moved and futex_wait returns at once.
 *
 * `woken` counts the wake-ups sent and not yet taken back by a returning
 * sleeper, so a waker only makes the system call when some sleeper has none
 * coming: a sleeper that was woken but has not run yet (on a busy machine,
 * for a while) does not cost every put meanwhile another futex_wake. Which
 * sleeper takes a wake-up back does not matter: they wait for the same thing,
 * each one that returns re-checks, and one that finds nothing announces
 * itself again, with F_s, before it sleeps.
 *
 * The fence on the waker's side would cost a full barrier on every put and
 * get (on x86 it drains the store buffer: four times slower than the rest
 * of an SPSC put). So the barrier is made asymmetric: F_w is only a compiler
 * barrier, and F_s is membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED), which
 * makes every running thread of the process execute a full barrier before it
 * returns (a thread not running gets one from its context switch). That
 * barrier lands somewhere in the waker's program order; wherever it lands,
 * the store-buffering argument above holds. Sleeping is the slow path, so
 * the system call is paid where it is cheap. Where membarrier is refused
 * (old kernels, seccomp), both sides fall back to atomic_thread_fence.
 */
#ifndef PCQ_PARK_H
#define PCQ_PARK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct waitq {
	atomic_uint seq; /* futex word: moves on every wake-up sent */
	/* waiters (bits 0-30): threads between announce and retract;
	 * FD_ARMED (bit 31): the pollable fd is armed (see below);
	 * woken (bits 32-63): wake-ups sent, not yet taken back by a
	 * returning waiter. One word, so one load tells whether a wake-up is
	 * owed - a sleeper has none coming, or the fd is armed: the low half
	 * differs from the high half. */
	atomic_uint_least64_t sleepers;
	/* The pollable fd (an eventfd; -1 until pcq_get_fd/pcq_put_fd makes
	 * it). Armed, it is a sleeper of its own: unreadable, and the next
	 * waker writes it. */
	atomic_int fd;
	/* When the last wake-up was sent (CLOCK_MONOTONIC ns), for the
	 * waiting policy (policy.h): it tells a sleeper how long its wait
	 * really needed and what its sleep cost. No part of the protocol. */
	atomic_uint_least64_t woke_ns;
};

#define WAITQ_WOKEN_ONE ((uint64_t)1 << 32)
#define WAITQ_FD_ARMED ((uint64_t)1 << 31)

static inline uint32_t waitq_waiters(uint64_t sleepers)
{
	return (uint32_t)sleepers & 0x7fffffffu;
}

static inline uint32_t waitq_woken(uint64_t sleepers)
{
	return (uint32_t)(sleepers >> 32);
}

/* A wake-up is owed: a sleeper has none coming (woken < waiters), or the
 * fd is armed. */
static inline bool waitq_owed(uint64_t sleepers)
{
	return (uint32_t)sleepers != (uint32_t)(sleepers >> 32);
}

/* Set once by park_init; read-only afterwards. */
extern bool park_asymmetric;
extern unsigned park_cpus; /* CPUs this process may run on */

/* Chooses the barrier flavour and counts the CPUs (once per process). */
void park_init(void);

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

/* F_w: the waker's half of the barrier pair. Orders the store that
 * published a change before the load that looks for waiters. Pairs with
 * F_s (fence_slow) in the sleeper. `asymmetric` is park_asymmetric, which
 * callers keep a copy of in a cache line they read anyway. */
static inline void fence_fast(bool asymmetric)
{
	if (asymmetric)
		atomic_signal_fence(memory_order_seq_cst); /* compiler only */
	else
		atomic_thread_fence(memory_order_seq_cst);
}

/* F_s: the sleeper's half. Pairs with every F_w. */
void fence_slow(void);

/* Sends up to n wake-ups (INT32_MAX: all), one to each sleeper that has
 * none coming, and fires the fd if it is armed (whatever n). The slow half
 * of waitq_wake. */
void waitq_wake_slow(struct waitq *w, uint32_t n);

/* Called by a waker right after it published a change (a put or get): if a
 * sleeper has no wake-up coming, wakes up to n. No system call, no atomic
 * read-modify-write when nobody sleeps. */
static inline void waitq_wake(struct waitq *w, uint32_t n, bool asymmetric)
{
	fence_fast(asymmetric); /* F_w */
	/* Relaxed: F_w/F_s give the ordering; this load only has to see an
	 * announcement that F_s made visible. */
	uint64_t s = atomic_load_explicit(&w->sleepers, memory_order_relaxed);
	if (waitq_owed(s))
		waitq_wake_slow(w, n);
}

/* The sleeper's protocol, in three steps:
 *   seen = waitq_announce(w);     (then re-check the condition)
 *   waitq_sleep(w, seen, deadline) (only if the re-check found nothing)
 *   waitq_retract(w);
 */
unsigned waitq_announce(struct waitq *w);
/* Returns 0 (woken, or spuriously: re-check) or ETIMEDOUT. */
int waitq_sleep(struct waitq *w, unsigned seen, uint64_t deadline_ns);
void waitq_retract(struct waitq *w);

/* The pollable fd, the same protocol with the fd as the sleeper. A call
 * that must not wait (a poller's) and found nothing to do arms it:
 *   if (waitq_arm_fd(w))          drain the fd, set FD_ARMED, F_s
 *       re-check; if the call can proceed now: waitq_disarm_fd(w)
 * and returns EAGAIN with the fd unreadable; the waker that next sees
 * FD_ARMED clears it and writes the fd (waitq_wake_slow). */
int waitq_fd(struct waitq *w); /* makes it on the first call; -1, errno */
bool waitq_arm_fd(struct waitq *w); /* false: no fd, or already armed */
void waitq_disarm_fd(struct waitq *w); /* leaves the fd readable */
void waitq_close_fd(struct waitq *w);

#endif /* PCQ_PARK_H */
