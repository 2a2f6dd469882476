/*
 * q_inject.c - a queue that misbehaves once, to show that the harness's
 * item check catches it: it wraps another queue and, at put number `at`
 * (counted over all producers), drops the item, puts it twice, or holds it
 * back and puts it after that producer's next item. Only `bench --inject`
 * uses it; `make test` requires the run to fail with the right message.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"

enum mode { DROP, DUP, SWAP };

static const struct queue_ops *inner;
static enum mode mode;
static uint64_t at;
static atomic_uint_fast64_t puts_seen;
static _Thread_local bool holding;
static _Thread_local uint64_t held;

static void *inject_create(const struct use *use)
{
	atomic_store(&puts_seen, 0);
	return inner->create(use);
}

static void inject_put(void *q, uint64_t item)
{
	if (holding) { /* SWAP: the held item goes after this one */
		holding = false;
		inner->put(q, item);
		inner->put(q, held);
		return;
	}
	if (item == ITEM_STOP || atomic_fetch_add(&puts_seen, 1) + 1 != at) {
		inner->put(q, item);
		return;
	}
	switch (mode) {
	case DROP:
		break;
	case DUP:
		inner->put(q, item);
		inner->put(q, item);
		break;
	case SWAP:
		holding = true;
		held = item;
		break;
	}
}

static uint64_t inject_get(void *q)
{
	return inner->get(q);
}

/* A bulk queue: its batches go in one item at a time, so that the one
 * item can misbehave; its consumers still take batches. */
static void inject_put_many(void *q, const uint64_t *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		inject_put(q, items[i]);
}

static struct queue_ops injecting;

const struct queue_ops *queue_inject(const struct queue_ops *wrapped,
				     const char *name, uint64_t put_number)
{
	if (strcmp(name, "drop") == 0)
		mode = DROP;
	else if (strcmp(name, "dup") == 0)
		mode = DUP;
	else if (strcmp(name, "swap") == 0)
		mode = SWAP;
	else
		return NULL;
	inner = wrapped;
	at = put_number;
	injecting = *wrapped;
	injecting.create = inject_create;
	injecting.put = inject_put;
	injecting.get = inject_get;
	if (wrapped->put_many != NULL)
		injecting.put_many = inject_put_many;
	return &injecting;
}
