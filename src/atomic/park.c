/*
 * park.c - futex waits and wakes, and the barrier pair F_w/F_s; see park.h.
 * Nothing else in the atomic backend makes a system call.
 */
#include <errno.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backend.h"
#include "clock.h"
#include "fault.h"
#include "park.h"
#include "pollfd.h"

bool park_asymmetric;
unsigned park_cpus = 1;

static long membarrier(int cmd)
{
	return syscall(SYS_membarrier, cmd, 0, 0);
}

static void setup(void)
{
#ifdef PCQ_SYMMETRIC_FENCES
	park_asymmetric = false; /* test builds: exercise the fallback */
#else
	park_asymmetric =
		membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) == 0;
#endif
	cpu_set_t cpus;
	if (sched_getaffinity(0, sizeof cpus, &cpus) == 0)
		park_cpus = (unsigned)CPU_COUNT(&cpus);
}

void park_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, setup);
}

void fence_slow(void)
{
	if (park_asymmetric)
		membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
	else
		atomic_thread_fence(memory_order_seq_cst);
}

/* The one futex wait: returns 0 or ETIMEDOUT. A wake-up, a spurious
 * return, EINTR and "the word had already changed" (EAGAIN) are all 0:
 * the caller re-checks its condition anyway. */
static int futex_wait(atomic_uint *word, unsigned expected,
		      uint64_t deadline_ns)
{
	if (fault_spurious_wake())
		return 0;
	struct timespec ts = clock_timespec(deadline_ns);
	/* FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline
	 * (FUTEX_WAIT would take a relative one). */
	long rc = syscall(SYS_futex, word, FUTEX_WAIT_BITSET_PRIVATE, expected,
			  deadline_ns == DEADLINE_NEVER ? NULL : &ts, NULL,
			  FUTEX_BITSET_MATCH_ANY);
	return rc == -1 && errno == ETIMEDOUT ? ETIMEDOUT : 0;
}

static void futex_wake(atomic_uint *word, int n)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

void waitq_wake_slow(struct waitq *w, uint32_t n)
{
	/* Count the wake-ups first, then send them: a sleeper that takes one
	 * back before it was sent finds seq moved, or is woken. The same CAS
	 * claims an armed fd. Relaxed load: the count only decides how many
	 * to send; F_w/F_s ordered the rest. */
	uint64_t s = atomic_load_explicit(&w->sleepers, memory_order_relaxed);
	uint32_t k;
	uint64_t next;
	do {
		uint32_t unwoken = waitq_waiters(s) - waitq_woken(s);
		k = n < unwoken ? n : unwoken;
		next = (s & ~WAITQ_FD_ARMED) + k * WAITQ_WOKEN_ONE;
		if (next == s)
			return; /* nothing owed any more */
	/* FD2: acquire, pairs with FD1 in waitq_arm_fd: a waker that claims
	 * the armed fd sees the fd the armer drained. */
	} while (!atomic_compare_exchange_weak_explicit(
		&w->sleepers, &s, next, memory_order_acquire,
		memory_order_relaxed));
	if (s & WAITQ_FD_ARMED)
		pollfd_fire(atomic_load_explicit(&w->fd, memory_order_relaxed));
	if (k == 0)
		return;
	/* Relaxed: a time stamp for the waiting policy, ordered with
	 * nothing (policy.c: spin_end). */
	atomic_store_explicit(&w->woke_ns, clock_now_ns(),
			      memory_order_relaxed);
	/* Release: a sleeper that reads the new seq (in futex_wait, or its
	 * next announce) sees the change that caused this wake. */
	atomic_fetch_add_explicit(&w->seq, 1, memory_order_release);
	futex_wake(&w->seq, k > INT32_MAX ? INT32_MAX : (int)k);
}

unsigned waitq_announce(struct waitq *w)
{
	/* Acquire: pairs with the release in waitq_wake_slow. seq is read
	 * before the announcement, so a wake that comes after the read
	 * changes it, and futex_wait(seen) will not sleep through it. */
	unsigned seen = atomic_load_explicit(&w->seq, memory_order_acquire);
	/* Relaxed: F_s, right after, orders it before the re-check. */
	atomic_fetch_add_explicit(&w->sleepers, 1, memory_order_relaxed);
	fence_slow(); /* F_s: pairs with F_w in waitq_wake */
	return seen;
}

int waitq_sleep(struct waitq *w, unsigned seen, uint64_t deadline_ns)
{
	return futex_wait(&w->seq, seen, deadline_ns);
}

void waitq_retract(struct waitq *w)
{
	/* Leave, taking back a wake-up if one was sent: whether it was meant
	 * for this thread or woke another does not matter, see park.h.
	 * Relaxed: only the counts matter here; the caller re-checks the
	 * queue, and announces again with F_s before it sleeps again. */
	uint64_t s = atomic_load_explicit(&w->sleepers, memory_order_relaxed);
	uint64_t next;
	do {
		next = s - 1;
		if (waitq_woken(s) > 0)
			next -= WAITQ_WOKEN_ONE;
	} while (!atomic_compare_exchange_weak_explicit(
		&w->sleepers, &s, next, memory_order_relaxed,
		memory_order_relaxed));
}

int waitq_fd(struct waitq *w)
{
	/* Acquire: pairs with the release of the CAS below, made by the
	 * thread that created the fd. */
	int fd = atomic_load_explicit(&w->fd, memory_order_acquire);
	if (fd >= 0)
		return fd;
	/* Readable from the start: a poller's first look finds out. */
	int made = pollfd_make(true);
	if (made < 0)
		return -1; /* errno: EMFILE, ENFILE, ENOMEM... */
	if (atomic_compare_exchange_strong_explicit(&w->fd, &fd, made,
						    memory_order_acq_rel,
						    memory_order_acquire))
		return made;
	close(made); /* another thread made it first */
	return fd;
}

bool waitq_arm_fd(struct waitq *w)
{
	uint64_t s = atomic_load_explicit(&w->sleepers, memory_order_relaxed);
	/* Relaxed: only a thread that saw the fd (by waitq_fd's acquire, or
	 * this one's own program order) ever arms it. */
	int fd = atomic_load_explicit(&w->fd, memory_order_relaxed);
	if (fd < 0 || (s & WAITQ_FD_ARMED))
		return false;
	pollfd_drain(fd);
	/* FD1: release, pairs with FD2 in waitq_wake_slow. */
	while (!atomic_compare_exchange_weak_explicit(
		&w->sleepers, &s, s | WAITQ_FD_ARMED, memory_order_release,
		memory_order_relaxed))
		if (s & WAITQ_FD_ARMED)
			return false; /* another poller armed it */
	fence_slow(); /* F_s: pairs with F_w in waitq_wake */
	return true;
}

void waitq_disarm_fd(struct waitq *w)
{
	/* Relaxed: the CAS only decides who writes the fd, this thread or
	 * the waker that cleared FD_ARMED (and wrote it). */
	uint64_t s = atomic_load_explicit(&w->sleepers, memory_order_relaxed);
	while (s & WAITQ_FD_ARMED)
		if (atomic_compare_exchange_weak_explicit(
			    &w->sleepers, &s, s & ~WAITQ_FD_ARMED,
			    memory_order_relaxed, memory_order_relaxed)) {
			/* Armed and drained, and no waker came: the call
			 * proceeds, and what it leaves behind may be more. */
			pollfd_fire(atomic_load_explicit(&w->fd,
						     memory_order_relaxed));
			return;
		}
}

void waitq_close_fd(struct waitq *w)
{
	int fd = atomic_load_explicit(&w->fd, memory_order_relaxed);
	if (fd >= 0)
		close(fd);
}
