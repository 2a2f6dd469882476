/*
 * stress.c - counted stress with a ledger, for `make test` and `make soak`.
 *
 *   stress [--items N] [--seconds S] [--cell-items N] [--self-test]
 *
 * Runs rounds over every cell of producers {1,2,16} x consumers {1,2,16}
 * x capacity {1,7,256} x every valid flag set (PCQ_SP only with one
 * producer, PCQ_SC only with one consumer) x call mix {blocking, try,
 * timed with tiny timeouts, bulk, any}; a third of the cells close the
 * queue at a random moment, and each (producers, consumers, flags) runs
 * pinned to CPU 0 at one capacity. A cell puts --cell-items items at
 * capacity 256, a quarter of that at 7 and a sixteenth at 1. Rounds
 * repeat, with new seeds, until N items were delivered and every cell ran
 * (--items) or S seconds passed (--seconds). Any inexact tally (pcq_stats
 * included, see cell.c), or a cell making no progress for WATCHDOG_S
 * seconds, fails the run. PCQ_SEED repeats a run; --verbose times each
 * cell. --self-test runs a sabotaged queue instead and passes only if the
 * ledger reports it lost, duplicated and reordered.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cell.h"
#include "harness.h"

#define WATCHDOG_S 60 /* one cell longer than this: stuck */
#define MAX_CELLS 256

static const int counts[] = { 1, 2, 16 };
static const size_t capacities[] = { 1, 7, 256 };
/* A capacity-1 queue hands every item over alone (often through a sleep
 * and a wake-up): 10-100 times slower than a roomy one. So small queues
 * get a smaller share of the items, and each cell a similar time. */
static const uint64_t share[] = { 16, 4, 1 };

static atomic_uint_fast64_t cells_done;
static struct cell current; /* for the watchdog's message */

static int plan(struct cell *cells, uint64_t cell_items)
{
	int n = 0, combo = 0;
	for (int p = 0; p < 3; p++)
		for (int c = 0; c < 3; c++)
			for (unsigned f = 0; f < 4; f++) {
				if (((f & PCQ_SP) && counts[p] != 1) ||
				    ((f & PCQ_SC) && counts[c] != 1))
					continue;
				combo++;
				for (int k = 0; k < 3; k++)
					for (int m = 0; m < MIX_COUNT; m++) {
						cells[n] = (struct cell){
							.producers = counts[p],
							.consumers = counts[c],
							.capacity = capacities[k],
							.flags = f,
							.mix = (enum mix)m,
							.close_early = n % 3 == 1,
							.pinned = k == combo % 3,
							.items = cell_items /
								 share[k],
						};
						n++;
					}
			}
	return n;
}

static void *watchdog(void *arg)
{
	(void)arg;
	for (;;) {
		uint64_t before = atomic_load(&cells_done);
		sleep(WATCHDOG_S);
		if (atomic_load(&cells_done) == before) {
			cell_print(&current, "STUCK: no cell finished in "
					     "60 s; running:");
			fflush(stdout);
			_exit(2);
		}
	}
	return NULL;
}

static void print_tally(const char *what, const struct tally *t)
{
	printf("%s items accepted=%llu delivered=%llu lost=%llu "
	       "duplicated=%llu reordered=%llu bogus=%llu stats-miscounted=%llu\n",
	       what, (unsigned long long)t->accepted,
	       (unsigned long long)t->delivered, (unsigned long long)t->lost,
	       (unsigned long long)t->duplicated,
	       (unsigned long long)t->reordered,
	       (unsigned long long)t->bogus,
	       (unsigned long long)t->miscounted);
}

static int self_test(uint64_t seed)
{
	cell_sabotage = true;
	struct cell c = { .producers = 2, .consumers = 1, .capacity = 8,
			  .mix = MIX_BLOCKING, .items = 2000, .seed = seed };
	struct tally t;
	if (cell_run(&c, &t) != 0)
		return 1;
	print_tally("self-test (sabotaged queue):", &t);
	int caught = t.lost > 0 && t.duplicated > 0 && t.reordered > 0 &&
		     !tally_exact(&t);
	printf("self-test: the ledger %s the lost, duplicated and reordered "
	       "items\n", caught ? "caught" : "MISSED");
	return caught ? 0 : 1;
}

int main(int argc, char **argv)
{
	uint64_t items = 20000000, cell_items = 240000, seconds = 0;
	bool selftest = false, verbose = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--items") && i + 1 < argc)
			items = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--cell-items") && i + 1 < argc)
			cell_items = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--verbose"))
			verbose = true;
		else if (!strcmp(argv[i], "--self-test"))
			selftest = true;
		else {
			fprintf(stderr, "usage: %s [--items N] [--seconds S] "
				"[--cell-items N] [--verbose] [--self-test]\n", argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	uint64_t seed = seed_from_env("stress");
	printf("stress %s: seed %llu\n", pcq_backend(),
	       (unsigned long long)seed);
	if (selftest)
		return self_test(seed);

	static struct cell cells[MAX_CELLS];
	int ncells = plan(cells, cell_items);
	pthread_t dog;
	pthread_create(&dog, NULL, watchdog, NULL);

	struct tally sum = { 0 };
	uint64_t start = now_ns(), runs = 0, bad = 0, pinned = 0;
	uint64_t rng = seed;
	for (int round = 1;; round++) {
		for (int i = 0; i < ncells; i++) {
			cells[i].seed = rng_next(&rng);
			current = cells[i];
			struct tally t;
			uint64_t t0 = now_ns();
			if (cell_run(&cells[i], &t) != 0) {
				cell_print(&cells[i], "SETUP FAILED:");
				return 1;
			}
			atomic_fetch_add(&cells_done, 1);
			runs++;
			pinned += cells[i].pinned;
			tally_add(&sum, &t);
			if (verbose) {
				char took[64];
				snprintf(took, sizeof(took), "%8.3f s",
					 (double)(now_ns() - t0) / 1e9);
				cell_print(&cells[i], took);
			}
			if (!tally_exact(&t)) {
				bad++;
				cell_print(&cells[i], "FAILED CELL:");
				print_tally("  ", &t);
			}
			uint64_t el = now_ns() - start;
			/* --items: every cell at least once, too. */
			bool done = seconds ? el >= seconds * 1000000000ull :
					      sum.delivered >= items &&
						      runs >= (uint64_t)ncells;
			if (done || i == ncells - 1)
				printf("round %d: %llu cells run, %llu items "
				       "delivered, %.1f s\n", round,
				       (unsigned long long)runs,
				       (unsigned long long)sum.delivered,
				       (double)el / 1e9);
			if (done)
				goto out;
		}
	}
out:;
	double s = (double)(now_ns() - start) / 1e9;
	char what[128];
	snprintf(what, sizeof(what),
		 "SUMMARY %s: cells=%llu (of %d, %llu pinned to cpu0) "
		 "failed=%llu %.1f s %.2f M items/s", pcq_backend(),
		 (unsigned long long)runs, ncells, (unsigned long long)pinned,
		 (unsigned long long)bad, s, (double)sum.delivered / s / 1e6);
	print_tally(what, &sum);
	return bad == 0 && tally_exact(&sum) ? 0 : 1;
}
