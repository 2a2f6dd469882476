/*
 * ledger.h - the per-item ledger of the stress tests.
 *
 * Every item is tagged (producer, sequence). A producer numbers only the
 * items whose put returned 0, so its accepted count is its next sequence
 * number. Each delivery marks the item's flag in a seen-set; at the end
 * the ledger counts, exactly:
 *   lost        accepted items never delivered
 *   duplicated  deliveries of an item already delivered
 *   reordered   deliveries, at one consumer, of a producer's item older
 *               than one that consumer already had from that producer
 *   bogus       deliveries of items never accepted (or not pcq's to give)
 * A sum-only check would miss a duplicate that cancels a loss; this does not.
 */
#ifndef PCQ_STRESS_LEDGER_H
#define PCQ_STRESS_LEDGER_H

#include <stdatomic.h>
#include <stdint.h>

#define LEDGER_SEQ_BITS 40

struct ledger {
	int producers;
	uint64_t max_per_producer;
	atomic_uchar *seen;  /* producers * max_per_producer flags */
	uint64_t *accepted;  /* per producer, written once it is done */
	atomic_uint_fast64_t delivered, duplicated, reordered, bogus;
};

/* What one consumer remembers: the last sequence it had per producer. */
struct ledger_view {
	uint64_t *last; /* per producer; UINT64_MAX: none yet */
	uint64_t delivered;
};

struct tally {
	uint64_t accepted, delivered, lost, duplicated, reordered, bogus;
	uint64_t miscounted; /* pcq_stats counts outside their bounds */
};

int ledger_init(struct ledger *l, int producers, uint64_t max_per_producer);
void ledger_free(struct ledger *l);

static inline void *ledger_item(int producer, uint64_t seq)
{
	return (void *)(uintptr_t)(((uint64_t)producer << LEDGER_SEQ_BITS) |
				   seq);
}

int ledger_view_init(struct ledger_view *v, const struct ledger *l);
/* Records one delivery seen by the consumer owning v. */
void ledger_deliver(struct ledger *l, struct ledger_view *v, void *item);
/* Adds the view's counts to the ledger and frees it. */
void ledger_view_done(struct ledger *l, struct ledger_view *v);

/* Counts everything; call once every thread is done. */
struct tally ledger_tally(const struct ledger *l);
void tally_add(struct tally *sum, const struct tally *t);
/* True when delivered == accepted and nothing was lost, duplicated,
 * reordered, bogus or miscounted. */
int tally_exact(const struct tally *t);

#endif
