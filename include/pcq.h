/*
 * pcq.h - bounded blocking producer/consumer queues.
 *
 * This header is the contract. Two backends implement it, chosen when the
 * library is built (pcq_backend() names the one linked in):
 *   "semaphore"  the reference: a mutex and two counting semaphores, as in
 *                The Little Book of Semaphores. Simple and slow.
 *   "atomic"     the fast one: lock-free C11-atomics rings that sleep on
 *                Linux futexes when they must wait.
 * Both give the same observable behaviour, described below.
 *
 * Items are opaque pointers (void *). Every value, NULL included, is a valid
 * item: pcq never looks at it, never frees it.
 *
 * RETURN VALUES
 * Functions returning int return 0 on success or an errno number (as the
 * pthread functions do; errno itself is not set):
 *   EAGAIN     try_put found the queue full, try_get found it empty (and
 *              the bulk calls with timeout 0 likewise).
 *   ETIMEDOUT  the timeout of a timed or bulk call ran out.
 *   EPIPE      the queue is closed: a put after close always fails; a get
 *              fails once the queue is closed and holds no item.
 *   EINVAL     q is NULL; or an out-pointer is NULL (get's item, a bulk
 *              call's items, done or got, pcq_stats's stats); or a bulk
 *              call's n is 0. Nothing happens, and nothing is written.
 *              (Items themselves may be anything, NULL included.)
 * On any non-zero return of a single-item call nothing was enqueued and
 * *item is untouched (a bulk call says in *done or *got what it did).
 *
 * GUARANTEES
 * - Exactly once: every item a put accepted (a single put that returned 0,
 *   or one of the first *done items of a put_many, whatever it returned) is
 *   returned by exactly one get (none lost, none duplicated) - as long as
 *   gets keep being called.
 * - Per-producer order: items put by one thread come out in the order that
 *   thread put them.
 * - Exact capacity: a queue created with capacity n holds at most n items;
 *   with n items held, put blocks and try_put returns EAGAIN. Any n in
 *   1 .. PCQ_CAPACITY_MAX works, not only powers of two.
 * - Blocking: put on a full queue and get on an empty queue wait. A waiting
 *   thread spins and yields its core for at most 200 microseconds of its own
 *   CPU time (usually far less: the atomic backend learns how long waits
 *   last), then sleeps in the kernel: it burns no CPU while it sleeps. A put
 *   wakes a waiting get and vice versa (no lost wake-ups).
 * - Time: timeouts are relative, in nanoseconds, measured on CLOCK_MONOTONIC.
 *   A timed call never returns ETIMEDOUT before timeout_ns has passed;
 *   timeout_ns == 0 tries once without waiting (like try_*, but the failure
 *   of put_timed/get_timed is ETIMEDOUT; that of a bulk call is EAGAIN);
 *   UINT64_MAX waits for ever.
 * - Signals: a signal handler running in a waiting thread never makes a call
 *   fail; EINTR is never returned.
 * - Cancellation: no pcq function is a cancellation point. A pending
 *   pthread_cancel takes effect after the call returns, so a cancelled thread
 *   never leaves a half-done put or get behind.
 * - Close: pcq_close wakes every waiting call. From then on puts return EPIPE
 *   and gets return the items still held, then EPIPE. Closed takes
 *   precedence over full and empty: try_put/put_timed on a closed full queue
 *   return EPIPE, and try_get/get_timed on a closed empty queue return EPIPE
 *   at once, without waiting for the timeout.
 *
 * THREADS
 * Any number of threads may call put-family and get-family functions on one
 * queue at the same time, unless the queue was created with PCQ_SP or PCQ_SC.
 * pcq_close, pcq_size, pcq_capacity, pcq_stats, pcq_get_fd and pcq_put_fd
 * may be called at any time, from any thread (PCQ_SP and PCQ_SC do not
 * restrict them). pcq_destroy may be called once every other call on the queue has
 * returned.
 */
#ifndef PCQ_H
#define PCQ_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A queue. Opaque: create it with pcq_create, free it with pcq_destroy. */
typedef struct pcq pcq_t;

/* Flags for pcq_create. They are promises by the caller that let the atomic
 * backend pick a faster ring; breaking a promise is undefined behaviour. */
#define PCQ_SP 0x1u /* single producer: never two put-family calls at once */
#define PCQ_SC 0x2u /* single consumer: never two get-family calls at once */

/* The largest capacity: 2^31 - 1, which is SEM_VALUE_MAX on Linux. */
#define PCQ_CAPACITY_MAX 0x7fffffffu

/* Creates an empty, open queue that holds at most `capacity` items. All
 * storage is allocated here; no later call allocates.
 * Returns NULL and sets errno to
 *   EINVAL  capacity is 0 or above PCQ_CAPACITY_MAX, or flags has bits other
 *           than PCQ_SP | PCQ_SC;
 *   ENOMEM  the storage could not be allocated. */
pcq_t *pcq_create(size_t capacity, unsigned flags);

/* Frees q. pcq_destroy(NULL) does nothing. Items still held are dropped
 * (pcq does not own them). No call on q may be running or start later. */
void pcq_destroy(pcq_t *q);

/* Puts item into q, waiting while q is full.
 * Returns 0, EPIPE (closed) or EINVAL (q NULL). */
int pcq_put(pcq_t *q, void *item);

/* Takes the oldest item (in each producer's order) from q into *item,
 * waiting while q is empty and open.
 * Returns 0, EPIPE (closed and empty) or EINVAL (q or item NULL). */
int pcq_get(pcq_t *q, void **item);

/* Like pcq_put and pcq_get, but never wait: EAGAIN when q is full (put) or
 * empty (get) and open. */
int pcq_try_put(pcq_t *q, void *item);
int pcq_try_get(pcq_t *q, void **item);

/* Like pcq_put and pcq_get, but wait at most timeout_ns nanoseconds of
 * CLOCK_MONOTONIC time: ETIMEDOUT when it runs out. 0 tries once;
 * UINT64_MAX waits for ever. */
int pcq_put_timed(pcq_t *q, void *item, uint64_t timeout_ns);
int pcq_get_timed(pcq_t *q, void **item, uint64_t timeout_ns);

/* Bulk calls: many items for about the price of one. timeout_ns as for
 * the timed calls, except that 0 means "no waiting" and its failure is
 * EAGAIN, as for try_put/try_get: a bulk call with timeout 0 is the try
 * form. UINT64_MAX waits for ever.
 *
 * pcq_put_many puts items[0..n-1] in that order, waiting for space as
 * needed (each item as soon as there is room), within timeout_ns. *done is
 * set to how many were put: always the first *done. Returns
 *   0          all n were put;
 *   EAGAIN     timeout 0, and not all fit;
 *   ETIMEDOUT  the timeout ran out before all were put;
 *   EPIPE      q is closed: *done were put before the close (closed beats
 *              full: a closed queue takes none);
 *   EINVAL     q, items or done NULL, or n == 0: nothing happens, *done is
 *              untouched.
 * With no other call running, timeout 0 puts exactly min(n, free slots).
 *
 * pcq_get_many waits within timeout_ns until q holds an item or is closed,
 * then takes up to n items into items[0..] without waiting again, oldest
 * first; *got is set to how many. Returns
 *   0          1 <= *got <= n;
 *   EAGAIN     timeout 0, q empty and open (*got = 0);
 *   ETIMEDOUT  nothing came in time (*got = 0);
 *   EPIPE      q closed and empty (*got = 0);
 *   EINVAL     q, items or got NULL, or n == 0: *got is untouched.
 * With no other call running it takes exactly min(n, items held).
 *
 * Items of one put_many come out in order, and in order with the same
 * thread's other puts; another producer's items may come between them.
 * Exactly once holds with single and bulk calls mixed on one queue. The
 * bulk calls are put-family and get-family calls: PCQ_SP and PCQ_SC cover
 * them, and a bulk call that waits counts in pcq_stats like any other. */
int pcq_put_many(pcq_t *q, void *const *items, size_t n, size_t *done,
		 uint64_t timeout_ns);
int pcq_get_many(pcq_t *q, void **items, size_t n, size_t *got,
		 uint64_t timeout_ns);

/* Pollable file descriptors, for event loops: epoll, poll or select can
 * wait on queues and sockets at once.
 *
 * Both fds are waited on for reading (POLLIN, EPOLLIN; never POLLOUT, which
 * is always set). pcq_get_fd is readable whenever q holds an item or is
 * closed; pcq_put_fd whenever q has a free slot or is closed. Readiness is
 * never lost: from the moment the put (get, close) that made it so has
 * returned until q is empty (full) again, a poll returns at once. A closed
 * queue's fds stay readable for ever: stop watching them at EPIPE.
 *
 * An fd may also be readable when a call would find q empty (full) - as
 * with a socket shared by several readers: another thread was faster; or
 * the fd is new; or a blocking or timed call emptied (filled) q. So on a
 * readable fd, call the form that does not wait (try_get, get_many or
 * get_timed with timeout 0, ...), and go back to the poll when it says
 * EAGAIN (get_timed/put_timed: ETIMEDOUT). That answer is what makes the
 * fd unreadable again at the latest, so a loop that drains until EAGAIN
 * suits level- and edge-triggered polls alike. Several threads may poll
 * the same fd, and polling and blocking calls may be mixed on one queue.
 *
 * Each returns a file descriptor owned by q: made on the first call (the
 * same one on every later call), with O_CLOEXEC and O_NONBLOCK, closed by
 * pcq_destroy. The caller must not close it; reading or writing it is
 * undefined. Returns -1 and sets errno on failure: EINVAL (q NULL),
 * EMFILE, ENFILE or ENOMEM (no descriptor could be made; q works on, and a
 * later call may succeed).
 *
 * A queue whose fds were never asked for pays nothing. Once one exists,
 * its side makes system calls (a few: making the fd readable or not) only
 * when it changes state (empty <-> not empty for pcq_get_fd, full <-> not
 * full for pcq_put_fd), not on every put or get. */
int pcq_get_fd(pcq_t *q);
int pcq_put_fd(pcq_t *q);

/* Closes q and wakes every waiting call (see CLOSE above). Calling it again
 * does nothing. NULL does nothing. */
void pcq_close(pcq_t *q);

/* The capacity q was created with (0 for NULL). */
size_t pcq_capacity(const pcq_t *q);

/* The number of items q holds: exact while no put or get is running, and
 * always in [0, capacity] (0 for NULL). */
size_t pcq_size(const pcq_t *q);

/* What waiting has cost q so far. A waiting call spins a little, then
 * sleeps in the kernel; these counts show how often each happened. They
 * are kept in the slow path only: a call that does not wait counts
 * nothing and pays nothing.
 *   put_waits   times a put-family call found q full and began to wait;
 *   get_waits   times a get-family call found q empty and began to wait;
 *   put_sleeps  times a waiting put-family call slept in the kernel;
 *   get_sleeps  times a waiting get-family call slept in the kernel.
 * try_* calls and timed calls with timeout 0 never wait, so never count.
 * A blocking, timed or bulk call counts one wait each time it finds q full
 * (empty) and begins to wait - a put_many that gets room, puts, and finds
 * q full again counts another - and one sleep each time it sleeps: a wait
 * that ends while spinning counts no sleep; one woken for nothing that
 * sleeps again counts two. The semaphore backend counts every sem_wait it
 * makes as a sleep (one may return at once), so its sleeps are at least
 * its waits. Each count only grows, from 0 at pcq_create; a snapshot read
 * while calls run may be a moment old. */
struct pcq_stats {
	uint64_t put_waits;  /* times a put-family call found q full, waited */
	uint64_t get_waits;  /* times a get-family call found q empty, waited */
	uint64_t put_sleeps; /* kernel sleeps of waiting put-family calls */
	uint64_t get_sleeps; /* kernel sleeps of waiting get-family calls */
};

/* Copies q's counts into *stats. Returns 0, or EINVAL (q or stats NULL;
 * *stats untouched). */
int pcq_stats(const pcq_t *q, struct pcq_stats *stats);

/* The backend this library was built with: "semaphore" or "atomic". */
const char *pcq_backend(void);

#ifdef __cplusplus
}
#endif

#endif /* PCQ_H */
