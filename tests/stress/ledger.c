/*
 * ledger.c - see ledger.h.
 */
#include <stdlib.h>

#include "ledger.h"

int ledger_init(struct ledger *l, int producers, uint64_t max_per_producer)
{
	l->producers = producers;
	l->max_per_producer = max_per_producer;
	l->seen = calloc((size_t)producers * max_per_producer, 1);
	l->accepted = calloc((size_t)producers, sizeof(*l->accepted));
	atomic_init(&l->delivered, 0);
	atomic_init(&l->duplicated, 0);
	atomic_init(&l->reordered, 0);
	atomic_init(&l->bogus, 0);
	return l->seen != NULL && l->accepted != NULL ? 0 : -1;
}

void ledger_free(struct ledger *l)
{
	free(l->seen);
	free(l->accepted);
}

int ledger_view_init(struct ledger_view *v, const struct ledger *l)
{
	v->delivered = 0;
	v->last = malloc((size_t)l->producers * sizeof(*v->last));
	if (v->last == NULL)
		return -1;
	for (int p = 0; p < l->producers; p++)
		v->last[p] = UINT64_MAX;
	return 0;
}

void ledger_deliver(struct ledger *l, struct ledger_view *v, void *item)
{
	uint64_t tag = (uint64_t)(uintptr_t)item;
	uint64_t p = tag >> LEDGER_SEQ_BITS;
	uint64_t seq = tag & ((1ull << LEDGER_SEQ_BITS) - 1);
	v->delivered++;
	if (p >= (uint64_t)l->producers || seq >= l->max_per_producer) {
		atomic_fetch_add(&l->bogus, 1);
		return;
	}
	if (atomic_exchange_explicit(&l->seen[p * l->max_per_producer + seq],
				     1, memory_order_relaxed) != 0)
		atomic_fetch_add(&l->duplicated, 1);
	if (v->last[p] != UINT64_MAX && seq < v->last[p])
		atomic_fetch_add(&l->reordered, 1);
	v->last[p] = seq;
}

void ledger_view_done(struct ledger *l, struct ledger_view *v)
{
	atomic_fetch_add(&l->delivered, v->delivered);
	free(v->last);
	v->last = NULL;
}

struct tally ledger_tally(const struct ledger *l)
{
	struct tally t = {
		.delivered = atomic_load(&l->delivered),
		.duplicated = atomic_load(&l->duplicated),
		.reordered = atomic_load(&l->reordered),
		.bogus = atomic_load(&l->bogus),
	};
	for (int p = 0; p < l->producers; p++) {
		const atomic_uchar *seen = l->seen + (size_t)p *
							     l->max_per_producer;
		t.accepted += l->accepted[p];
		for (uint64_t s = 0; s < l->max_per_producer; s++) {
			int got = atomic_load_explicit(&seen[s],
						       memory_order_relaxed);
			if (s < l->accepted[p] && !got)
				t.lost++;
			else if (s >= l->accepted[p] && got)
				t.bogus++; /* delivered, never accepted */
		}
	}
	return t;
}

void tally_add(struct tally *sum, const struct tally *t)
{
	sum->accepted += t->accepted;
	sum->delivered += t->delivered;
	sum->lost += t->lost;
	sum->duplicated += t->duplicated;
	sum->reordered += t->reordered;
	sum->bogus += t->bogus;
	sum->miscounted += t->miscounted;
}

int tally_exact(const struct tally *t)
{
	return t->delivered == t->accepted && t->lost == 0 &&
	       t->duplicated == 0 && t->reordered == 0 && t->bogus == 0 &&
	       t->miscounted == 0;
}
