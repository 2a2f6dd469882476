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
 *    if (waiters) { seq++; futex_wake }     re-check; if still nothing:
 *                                               futex_wait(&seq, seen)
 *
 * F_w and F_s order a store before a load on each side (the store-buffering
 * pattern): either the sleeper's re-check sees the change, or the waker sees
 * waiters > 0. If the waker wakes before the sleeper is in the kernel, seq
 * has moved and futex_wait returns at once.
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

/* How many times a waiting call retries before it sleeps. One try plus a
 * pause is 20-40 ns, so this is a few microseconds: long enough that a
 * hand-off between two busy threads never pays for a sleep, short enough
 * that a thread with nothing coming sleeps almost at once. */
#define PARK_SPIN_TRIES 100

struct waitq {
	atomic_uint seq;     /* futex word: moves on every wake */
	atomic_uint waiters; /* threads between announce and retract */
};

/* Set once by park_init; read-only afterwards. */
extern bool park_asymmetric;

/* Chooses the barrier flavour (once per process). */
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

/* Wakes up to n sleepers (INT32_MAX: all). The slow half of waitq_wake. */
void waitq_wake_slow(struct waitq *w, int n);

/* Called by a waker right after it published a change (a put or get): wakes
 * one sleeper, if any has announced itself. No system call, no atomic
 * read-modify-write when nobody sleeps. */
static inline void waitq_wake_one(struct waitq *w, bool asymmetric)
{
	fence_fast(asymmetric); /* F_w */
	/* Relaxed: F_w/F_s give the ordering; this load only has to see an
	 * announcement that F_s made visible. */
	if (atomic_load_explicit(&w->waiters, memory_order_relaxed) != 0)
		waitq_wake_slow(w, 1);
}

static inline void waitq_wake_all(struct waitq *w, bool asymmetric)
{
	fence_fast(asymmetric); /* F_w */
	/* Relaxed, as in waitq_wake_one. */
	if (atomic_load_explicit(&w->waiters, memory_order_relaxed) != 0)
		waitq_wake_slow(w, INT32_MAX);
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

#endif /* PCQ_PARK_H */
