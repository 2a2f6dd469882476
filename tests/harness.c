/*
 * harness.c - see harness.h.
 */
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"

uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t thread_cpu_ns(pthread_t t)
{
	clockid_t id;
	struct timespec ts;
	if (pthread_getcpuclockid(t, &id) != 0 || clock_gettime(id, &ts) != 0)
		abort();
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int call_now(pcq_t *q, enum op op, void **item, uint64_t timeout_ns)
{
	switch (op) {
	case OP_PUT: return pcq_put(q, *item);
	case OP_GET: return pcq_get(q, item);
	case OP_TRY_PUT: return pcq_try_put(q, *item);
	case OP_TRY_GET: return pcq_try_get(q, item);
	case OP_PUT_TIMED: return pcq_put_timed(q, *item, timeout_ns);
	case OP_GET_TIMED: return pcq_get_timed(q, item, timeout_ns);
	default: break; /* the bulk calls: see call_thread */
	}
	abort();
}

static void *call_thread(void *arg)
{
	struct call *c = arg;
	c->started_ns = now_ns();
	if (c->op == OP_PUT_MANY)
		c->rc = pcq_put_many(c->q, c->items, c->n, &c->moved,
				     c->timeout_ns);
	else if (c->op == OP_GET_MANY)
		c->rc = pcq_get_many(c->q, c->items, c->n, &c->moved,
				     c->timeout_ns);
	else
		c->rc = call_now(c->q, c->op, &c->item, c->timeout_ns);
	c->returned_ns = now_ns();
	atomic_store(&c->done, true);
	return NULL;
}

void call_start(struct call *c, pcq_t *q, enum op op, void *item,
		uint64_t timeout_ns)
{
	c->q = q;
	c->op = op;
	c->item = item;
	c->timeout_ns = timeout_ns;
	c->rc = -1;
	atomic_init(&c->done, false);
	if (pthread_create(&c->thread, NULL, call_thread, c) != 0)
		abort();
}

void call_start_many(struct call *c, pcq_t *q, enum op op,
		     void *const *items, size_t n, uint64_t timeout_ns)
{
	if (n > CALL_MAX_ITEMS)
		abort();
	for (size_t i = 0; i < n && items != NULL; i++)
		c->items[i] = items[i];
	c->n = n;
	c->moved = (size_t)-1;
	call_start(c, q, op, NULL, timeout_ns);
}

bool call_returns_within(struct call *c, uint64_t timeout_ns)
{
	uint64_t end = now_ns() + timeout_ns;
	while (!atomic_load(&c->done)) {
		if (now_ns() > end)
			return false;
		struct timespec nap = { 0, 200000 }; /* 0.2 ms poll */
		nanosleep(&nap, NULL);
	}
	return true;
}

void call_join(struct call *c)
{
	pthread_join(c->thread, NULL);
}

uint64_t seed_from_env(const char *test_name)
{
	const char *s = getenv("PCQ_SEED");
	uint64_t seed = s ? strtoull(s, NULL, 0) : (uint64_t)now_ns();
	if (seed == 0)
		seed = 1;
	fprintf(stderr, "%s: seed %llu (PCQ_SEED=%llu repeats it)\n",
		test_name, (unsigned long long)seed, (unsigned long long)seed);
	return seed;
}

uint64_t rng_next(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}
