/*
 * probes.c - the per-queue figures: ping-pong round trip, the CPU a blocked
 * consumer burns, and the instructions of an uncontended put+get pair.
 */
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "run.h"

extern char **environ;

/* One item, the way the queue's consumers take items: through get_many
 * for an event-loop queue (which waits in epoll), else get. */
static uint64_t take(const struct queue_ops *ops, void *q)
{
	uint64_t item;
	if (ops->get_many == NULL)
		return ops->get(q);
	(void)ops->get_many(q, &item, 1);
	return item;
}

/* ---- ping-pong: two threads, two capacity-1 queues ------------------- */

struct pong {
	const struct queue_ops *ops;
	void *ping, *pong;
};

static void *ponger(void *arg)
{
	struct pong *pp = arg;
	uint64_t item;
	while ((item = take(pp->ops, pp->ping)) != ITEM_STOP)
		pp->ops->put(pp->pong, item);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t sleeps_of(const struct queue_ops *ops, void *q)
{
	return ops->sleeps ? ops->sleeps(q) : SLEEPS_UNKNOWN;
}

/* At most this many round trips are timed (0.3 s of 0.1 us trips). */
#define MAX_TRIPS 3000000

bool probe_roundtrip(const struct queue_ops *ops, double budget_s,
		     struct roundtrip *out)
{
	/* Each queue has one putter and one getter: the SPSC use. */
	struct use use = { .capacity = 1, .producers = 1, .consumers = 1,
			   .spsc = true };
	struct pong pp = { ops, ops->create(&use), ops->create(&use) };
	uint64_t *trip = malloc(MAX_TRIPS * sizeof *trip);
	if (pp.ping == NULL || pp.pong == NULL || trip == NULL)
		return false;
	pthread_t t;
	pthread_create(&t, NULL, ponger, &pp);
	for (uint64_t i = 0; i < 1000; i++) { /* warm up */
		ops->put(pp.ping, i);
		(void)take(ops, pp.pong);
	}
	uint64_t s0 = sleeps_of(ops, pp.ping), s1 = sleeps_of(ops, pp.pong);
	uint64_t n = 0, t0 = now_ns(), end = t0 + (uint64_t)(budget_s * 1e9);
	uint64_t t1 = t0, prev = t0;
	while (t1 < end && n < MAX_TRIPS) {
		ops->put(pp.ping, n);
		if (take(ops, pp.pong) != n) {
			fprintf(stderr, "bench: %s: ping-pong got a wrong item\n",
				ops->name);
			exit(1);
		}
		t1 = now_ns();
		trip[n++] = t1 - prev;
		prev = t1;
	}
	uint64_t s2 = sleeps_of(ops, pp.ping), s3 = sleeps_of(ops, pp.pong);
	ops->put(pp.ping, ITEM_STOP);
	pthread_join(t, NULL);
	ops->destroy(pp.ping);
	ops->destroy(pp.pong);
	qsort(trip, n, sizeof *trip, cmp_u64);
	out->median_us = (double)trip[n / 2] / 1e3;
	out->p99_us = (double)trip[n * 99 / 100] / 1e3;
	out->mean_us = (double)(t1 - t0) / (double)n / 1e3;
	out->sleeps_per_trip = s0 == SLEEPS_UNKNOWN || s1 == SLEEPS_UNKNOWN
		? -1 : (double)(s2 - s0 + s3 - s1) / (double)n;
	free(trip);
	return true;
}

/* ---- a consumer blocked on an empty queue ---------------------------- */

struct blocked {
	const struct queue_ops *ops;
	void *q;
};

static void *block_in_get(void *arg)
{
	struct blocked *b = arg;
	(void)take(b->ops, b->q);
	return NULL;
}

static double thread_cpu_s(pthread_t t)
{
	clockid_t clock;
	struct timespec ts;
	if (pthread_getcpuclockid(t, &clock) != 0 ||
	    clock_gettime(clock, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (long)(ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

double probe_blocked_cpu_ms(const struct queue_ops *ops, unsigned blocked_ms)
{
	struct use use = { .capacity = 8, .producers = 1, .consumers = 1 };
	struct blocked b = { ops, ops->create(&use) };
	if (b.q == NULL)
		return -1;
	pthread_t t;
	pthread_create(&t, NULL, block_in_get, &b);
	sleep_ms(20); /* let it get past any spinning into its wait */
	double cpu0 = thread_cpu_s(t), t0 = now_s();
	sleep_ms(blocked_ms);
	double cpu1 = thread_cpu_s(t), t1 = now_s();
	ops->put(b.q, 0);
	pthread_join(t, NULL);
	ops->destroy(b.q);
	return (cpu1 - cpu0) / (t1 - t0) * 1e3;
}

/* ---- instructions per put+get pair, counted by callgrind -------------- */

#define PAIRS 200000L

int run_pairs(const struct queue_ops *ops, bool spsc, long n)
{
	struct use use = { .capacity = 1024, .producers = 1, .consumers = 1,
			   .spsc = spsc };
	void *q = ops->create(&use);
	if (q == NULL)
		return 1;
	ops->pairs(q, n);
	ops->destroy(q);
	return 0;
}

/* The "totals:" line of a callgrind output file: the Ir collected. */
static double callgrind_total(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	char line[256];
	double total = -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "totals:", 7) == 0)
			total = strtod(line + 7, NULL);
	fclose(f);
	return total;
}

double probe_instructions(const struct queue_ops *ops, bool spsc,
			  const char *exe, const char *out_dir)
{
	char out[4096], out_arg[4200], n[32];
	snprintf(out, sizeof out, "%s/callgrind.%s.%s.out", out_dir, ops->name,
		 spsc ? "spsc" : "mpmc");
	snprintf(out_arg, sizeof out_arg, "--callgrind-out-file=%s", out);
	snprintf(n, sizeof n, "%ld", PAIRS);
	char *argv[] = { "valgrind", "--tool=callgrind", out_arg,
			 "--toggle-collect=pairs_*", (char *)exe, "--pairs",
			 (char *)ops->name, spsc ? "spsc" : "mpmc", n, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int status = -1;
	unlink(out);
	if (posix_spawnp(&pid, "valgrind", &fa, NULL, argv, environ) == 0)
		waitpid(pid, &status, 0);
	posix_spawn_file_actions_destroy(&fa);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	double total = callgrind_total(out);
	return total < 0 ? -1 : total / (double)PAIRS;
}
