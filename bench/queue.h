/*
 * queue.h - the one interface every benchmarked queue is driven through.
 *
 * An adapter wraps one queue the way a user of that queue would write it:
 * blocking put and get of a 64-bit item. Queues that cannot sleep (ck_ring,
 * cds_wfcq) spin, then call sched_yield between tries (see spin.h); the
 * adapter's `waits` says how each one waits, and the report prints it.
 */
#ifndef BENCH_QUEUE_H
#define BENCH_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a queue is used in one run: the harness promises at most `producers`
 * threads put and at most `consumers` threads get at the same time. `spsc`
 * is set for the 1P/1C configuration in which the user declares it (pcq's
 * PCQ_SP|PCQ_SC, ck_ring's _spsc functions). */
struct use {
	size_t capacity;
	int producers, consumers;
	bool spsc;
	size_t batch; /* bulk queues: items per put_many / get_many */
};

struct queue_ops {
	const char *name;  /* short, for the table and CSV: "pcq-atomic" */
	const char *waits; /* how a blocked call waits: "futex", "spin+yield" */
	const char *bound; /* "bounded" or "unbounded" */
	/* NULL when the queue cannot be used (e.g. its library did not load). */
	void *(*create)(const struct use *use);
	void (*destroy)(void *q);
	/* Blocking; every value but ITEM_STOP may be an item. */
	void (*put)(void *q, uint64_t item);
	uint64_t (*get)(void *q);
	/* The variant a use selects, for the table: "SP|SC", "mpmc", "-". */
	const char *(*variant)(const struct use *use);
	/* n put+get pairs on one thread, for the instruction count. Named
	 * pairs_* so that callgrind can collect exactly this function. */
	void (*pairs)(void *q, long n);
	/* Kernel sleeps of puts and gets on q so far (pcq_stats), or
	 * SLEEPS_UNKNOWN; NULL for queues that do not count them. */
	uint64_t (*sleeps)(void *q);
	/* A bulk queue's calls (NULL for the others): put all n items,
	 * waiting for room as needed; get 1..max items, waiting only for
	 * the first. A bulk queue has put and get too (for the stop items).
	 * A queue with get_many but no put_many (an epoll consumer's) has
	 * producers that put one item at a time. */
	void (*put_many)(void *q, const uint64_t *items, size_t n);
	size_t (*get_many)(void *q, uint64_t *items, size_t max);
};

#define SLEEPS_UNKNOWN UINT64_MAX

/* The largest batch of the bulk calls (bench --batch). */
#define MAX_BATCH 1024

/* The end of a run: each consumer stops at the first one it gets. */
#define ITEM_STOP UINT64_MAX

extern const struct queue_ops queue_pcq_atomic, queue_pcq_semaphore,
	queue_ck_ring, queue_wfcq, queue_mutex;
/* The bulk cells: pcq's put_many/get_many, cds_wfcq with a splice on the
 * consumer side, the mutex+condvar queue with a hand-written batch. */
extern const struct queue_ops queue_pcq_atomic_bulk, queue_pcq_semaphore_bulk,
	queue_wfcq_splice, queue_mutex_bulk;
/* The event-loop cells: consumers wait in epoll on pcq_get_fd and drain
 * with pcq_get_many(timeout 0); the hand-written alternative is the
 * mutex+condvar queue with an eventfd written on every put. */
extern const struct queue_ops queue_pcq_atomic_epoll, queue_mutex_eventfd;

/* Waits in the calling thread's epoll instance until fd is readable. The
 * instance is made on a thread's first call for the queue with this id
 * (remade when the thread moves to another queue) and closed when the
 * thread ends. loop_id() gives each new queue its id (an address can be
 * reused by the next queue; an id is not). */
void loop_wait(uint64_t queue_id, int fd);
uint64_t loop_id(void);

/* pcq's backends are loaded with dlopen from the libpcq.so under `dir`
 * (dir/atomic/libpcq.so, ...); false and a message if one fails. */
bool pcq_libs_load(const char *dir);

/* The queue that wraps `inner` and misbehaves once, at put number `at`:
 * "drop" loses that item, "dup" puts it twice, "swap" puts it after the
 * next one. NULL for an unknown mode. For the test of the item check. */
const struct queue_ops *queue_inject(const struct queue_ops *inner,
				     const char *mode, uint64_t at);

#endif
