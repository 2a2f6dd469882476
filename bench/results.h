/*
 * results.h - what one bench run measured, and the report made of it
 * (report.c: the terminal tables, the CSVs, the plot data).
 */
#ifndef BENCH_RESULTS_H
#define BENCH_RESULTS_H

#include <stdbool.h>
#include <stdio.h>

#include "queue.h"
#include "run.h"

#define MAX_QUEUES 12
#define MAX_CONFIGS 16
#define MAX_CAPS 4
#define MAX_REPS 32

struct config {
	char name[16]; /* "4P/1C", "1P/1C SPSC" */
	int producers, consumers;
	bool spsc;
};

/* One queue in one configuration at one capacity, over the repetitions. */
struct cell {
	int n;
	double items_s[MAX_REPS];
	double cpu_s_per_m[MAX_REPS]; /* CPU seconds per million items */
	double sleeps_per_k[MAX_REPS]; /* kernel sleeps per 1000 items; < 0:
					* the queue does not count them */
};

struct queue_figures {
	struct roundtrip trip;  /* ping-pong; median < 0: not measured */
	double blocked_cpu_ms; /* per second blocked; < 0: not measured */
	double instr_spsc, instr_mpmc; /* per put+get pair; < 0: not measured */
};

struct results {
	int cores;
	char cpu[128];
	double load_before, load_after; /* 1-minute load average */
	int reps;
	unsigned batch; /* items per bulk call */
	double budget_s;
	unsigned long long max_items;
	int nqueues, nconfigs, ncaps;
	const struct queue_ops *queues[MAX_QUEUES];
	struct config configs[MAX_CONFIGS];
	size_t caps[MAX_CAPS];
	struct cell cells[MAX_CAPS][MAX_CONFIGS][MAX_QUEUES];
	struct queue_figures figures[MAX_QUEUES];
};

/* Cores online and the CPU model from /proc/cpuinfo. */
void machine_read(struct results *r);
/* The 1-minute load average from /proc/loadavg; -1 if unknown. */
double load_average(void);

double median(const double *v, int n);

void report_throughput(FILE *f, const struct results *r);
void report_queues(FILE *f, const struct results *r);
/* The ratios of pcq-atomic to the others, and pcq's speed targets met or
 * missed; returns the number missed. */
int report_targets(FILE *f, const struct results *r);
/* throughput.csv, queues.csv, plot.dat (items/s per configuration, one
 * block per capacity) and machine.txt under dir. */
bool report_files(const struct results *r, const char *dir);

#endif
