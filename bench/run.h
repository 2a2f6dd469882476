/*
 * run.h - the measurements, each on a fresh queue: one throughput run with
 * its item check (run.c), and the per-queue probes (probes.c).
 */
#ifndef BENCH_RUN_H
#define BENCH_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "queue.h"

struct throughput {
	uint64_t items;     /* put, got and checked */
	double seconds;     /* from the start of the threads to the last get */
	double cpu_seconds; /* user + system of the whole process meanwhile */
	double sleeps;      /* kernel sleeps of puts and gets; < 0: unknown */
};

/* P producers put up to max_items in total (max_items / P each), stopping
 * early once budget_s seconds have passed; C consumers get them until
 * each has got an ITEM_STOP. Each item encodes (producer, sequence), and
 * every got item is checked: each item put is got exactly once, and each
 * consumer gets each producer's items in the order they were put. Returns
 * false with a message in err (size errlen) on the first violation. */
bool run_throughput(const struct queue_ops *ops, const struct use *use,
		    uint64_t max_items, double budget_s, struct throughput *out,
		    char *err, size_t errlen);

/* One item passed from this thread to another and back, through two
 * capacity-1 queues, over ~budget_s: each round trip timed. */
struct roundtrip {
	double median_us, p99_us, mean_us;
	double sleeps_per_trip; /* < 0: the queue does not count sleeps */
};
bool probe_roundtrip(const struct queue_ops *ops, double budget_s,
		     struct roundtrip *out);

/* CPU milliseconds per second used by a consumer blocked in get on an
 * empty queue, measured over blocked_ms milliseconds. */
double probe_blocked_cpu_ms(const struct queue_ops *ops, unsigned blocked_ms);

/* Instructions per put+get pair on one thread, uncontended, counted by
 * callgrind running `exe --pairs NAME spsc|mpmc N`; negative if valgrind
 * failed. */
double probe_instructions(const struct queue_ops *ops, bool spsc,
			  const char *exe, const char *out_dir);

/* What `--pairs` runs under callgrind. */
int run_pairs(const struct queue_ops *ops, bool spsc, long n);

/* Seconds on CLOCK_MONOTONIC. */
double now_s(void);

#endif
