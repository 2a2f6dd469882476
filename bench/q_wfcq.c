/*
 * q_wfcq.c - liburcu's wait-free concurrent queue, cds_wfcq. It is
 * unbounded: put never waits, and the capacity is ignored. Its dequeue
 * never waits for an item (it returns NULL on an empty queue), so get polls
 * with spin-then-yield (spin.h). Items need a node: the producer mallocs
 * one per item, the consumer frees it, as a user would. The library's
 * functions are called (no _LGPL_SOURCE inlining).
 */
#include <stdlib.h>
#include <urcu/wfcqueue.h>

#include "queue.h"
#include "spin.h"

struct wfcq_queue {
	struct cds_wfcq_head head;
	struct cds_wfcq_tail tail;
};

struct wfcq_item {
	struct cds_wfcq_node node;
	uint64_t value;
};

static void *wfcq_create(const struct use *use)
{
	(void)use;
	struct wfcq_queue *q = malloc(sizeof *q);
	if (q != NULL)
		cds_wfcq_init(&q->head, &q->tail);
	return q;
}

static void wfcq_destroy(void *arg)
{
	struct wfcq_queue *q = arg;
	struct cds_wfcq_node *n;
	while ((n = cds_wfcq_dequeue_blocking(&q->head, &q->tail)) != NULL)
		free(caa_container_of(n, struct wfcq_item, node));
	cds_wfcq_destroy(&q->head, &q->tail);
	free(q);
}

static void wfcq_put(void *arg, uint64_t value)
{
	struct wfcq_queue *q = arg;
	struct wfcq_item *it = malloc(sizeof *it);
	if (it == NULL)
		abort(); /* a benchmark that cannot allocate measures nothing */
	cds_wfcq_node_init(&it->node);
	it->value = value;
	cds_wfcq_enqueue(&q->head, &q->tail, &it->node);
}

static uint64_t wfcq_get(void *arg)
{
	struct wfcq_queue *q = arg;
	struct cds_wfcq_node *n;
	for (unsigned tries = 1;
	     (n = cds_wfcq_dequeue_blocking(&q->head, &q->tail)) == NULL;
	     tries++)
		spin_wait(tries);
	struct wfcq_item *it = caa_container_of(n, struct wfcq_item, node);
	uint64_t value = it->value;
	free(it);
	return value;
}

static const char *wfcq_variant(const struct use *use)
{
	(void)use;
	return "-";
}

static void pairs_wfcq(void *q, long n)
{
	for (long i = 0; i < n; i++) {
		wfcq_put(q, (uint64_t)i);
		(void)wfcq_get(q);
	}
}

/* The bulk cell: producers enqueue one node per item (wfcq has no bulk
 * enqueue, and needs none: an enqueue is one exchange), and a consumer
 * splices everything queued into a queue of its own with one call, then
 * takes items from there. The spliced-off queue is the consumer thread's;
 * the stop items it may hold beyond its own are given back. */
struct stash {
	struct wfcq_queue *from; /* the shared queue it was spliced off */
	struct cds_wfcq_head head;
	struct cds_wfcq_tail tail;
};
static _Thread_local struct stash stash;

static void put_many_wfcq(void *q, const uint64_t *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		wfcq_put(q, items[i]);
}

static size_t get_many_wfcq(void *arg, uint64_t *items, size_t max)
{
	struct wfcq_queue *q = arg;
	if (stash.from != q) {
		stash.from = q;
		cds_wfcq_init(&stash.head, &stash.tail);
	}
	for (unsigned tries = 1; cds_wfcq_empty(&stash.head, &stash.tail);
	     tries++) {
		(void)cds_wfcq_splice_blocking(&stash.head, &stash.tail,
					       &q->head, &q->tail);
		if (cds_wfcq_empty(&stash.head, &stash.tail))
			spin_wait(tries);
	}
	size_t got = 0;
	struct cds_wfcq_node *n;
	while (got < max &&
	       (n = cds_wfcq_dequeue_blocking(&stash.head, &stash.tail))) {
		struct wfcq_item *it = caa_container_of(n, struct wfcq_item,
							node);
		items[got++] = it->value;
		free(it);
		if (items[got - 1] == ITEM_STOP) {
			/* This consumer stops here: the rest of the stash
			 * (stop items only) goes back for the others. */
			(void)cds_wfcq_splice_blocking(&q->head, &q->tail,
						       &stash.head,
						       &stash.tail);
			break;
		}
	}
	return got;
}

const struct queue_ops queue_wfcq_splice = {
	.name = "cds_wfcq splice", .waits = "poll: spin+yield",
	.bound = "unbounded", .create = wfcq_create, .destroy = wfcq_destroy,
	.put = wfcq_put, .get = wfcq_get, .variant = wfcq_variant,
	.pairs = pairs_wfcq, .put_many = put_many_wfcq,
	.get_many = get_many_wfcq,
};

const struct queue_ops queue_wfcq = {
	.name = "cds_wfcq", .waits = "poll: spin+yield", .bound = "unbounded",
	.create = wfcq_create, .destroy = wfcq_destroy, .put = wfcq_put,
	.get = wfcq_get, .variant = wfcq_variant, .pairs = pairs_wfcq,
};
