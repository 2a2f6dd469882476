/*
 * cell.h - one stress cell: producers x consumers on one queue of a given
 * capacity and flags, with one call mix, optionally closed at a random
 * moment and optionally pinned to one core. Every item goes through the
 * ledger (ledger.h).
 */
#ifndef PCQ_STRESS_CELL_H
#define PCQ_STRESS_CELL_H

#include <stdbool.h>
#include <stdint.h>

#include "ledger.h"

/* The calls a cell makes: blocking, try, timed with tiny timeouts, bulk
 * (put_many/get_many of 1-8 items, any timeout), or any of these. */
enum mix { MIX_BLOCKING, MIX_TRY, MIX_TIMED, MIX_BULK, MIX_ANY, MIX_COUNT };

struct cell {
	int producers, consumers;
	size_t capacity;
	unsigned flags;
	enum mix mix;
	bool close_early; /* close when a random number of items is in */
	bool pinned;      /* every thread on CPU 0 */
	uint64_t items;   /* to put, over all producers (fewer if closed) */
	uint64_t seed;
};

/* Sabotage for --self-test: producer 0's puts lose, duplicate and swap an
 * item now and then, so the ledger must report all three. */
extern bool cell_sabotage;

const char *mix_name(enum mix m);
/* Runs the cell; returns 0 and fills *t, or -1 on a setup failure. */
int cell_run(const struct cell *c, struct tally *t);
void cell_print(const struct cell *c, const char *prefix);

#endif
