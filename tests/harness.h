/*
 * harness.h - helpers shared by the tests: clocks, per-thread CPU time, and
 * pcq calls run on a thread of their own so a test can watch them block.
 */
#ifndef PCQ_TEST_HARNESS_H
#define PCQ_TEST_HARNESS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "pcq.h"

#define MS 1000000ull /* nanoseconds in a millisecond */

uint64_t now_ns(void);
/* CPU time (user + system) a thread has used so far. */
uint64_t thread_cpu_ns(pthread_t t);

enum op { OP_PUT, OP_GET, OP_TRY_PUT, OP_TRY_GET, OP_PUT_TIMED, OP_GET_TIMED,
	  OP_PUT_MANY, OP_GET_MANY };

#define CALL_MAX_ITEMS 16

/* One pcq call, run on its own thread by call_start (call_start_many for
 * the bulk calls). */
struct call {
	pcq_t *q;
	enum op op;
	void *item;          /* put: the item; get: what came out */
	void *items[CALL_MAX_ITEMS]; /* bulk: put from / got into */
	size_t n, moved;     /* bulk: n asked, *done or *got */
	uint64_t timeout_ns; /* timed and bulk calls */
	int rc;
	uint64_t started_ns, returned_ns;
	atomic_bool done;
	pthread_t thread;
};

int call_now(pcq_t *q, enum op op, void **item, uint64_t timeout_ns);
void call_start(struct call *c, pcq_t *q, enum op op, void *item,
		uint64_t timeout_ns);
/* OP_PUT_MANY puts items[0..n); OP_GET_MANY gets up to n (items unused). */
void call_start_many(struct call *c, pcq_t *q, enum op op,
		     void *const *items, size_t n, uint64_t timeout_ns);
/* Waits up to timeout_ns for the call to return; true if it has. It is not
 * joined: call_join does that. */
bool call_returns_within(struct call *c, uint64_t timeout_ns);
/* Joins the thread; the call must have returned. */
void call_join(struct call *c);

/* Seeded xorshift; the seed is printed by seed_from_env. */
uint64_t seed_from_env(const char *test_name);
uint64_t rng_next(uint64_t *state);

#endif
