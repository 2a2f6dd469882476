/*
 * pollers.c - counted stress of the pollable fds: nobody blocks in pcq.
 *
 *   pollers [--items N] [--rounds R]
 *
 * Each round: two queues, A and B, of one capacity (1, 7 or 64 by round),
 * 1-3 producers per queue, 1-3 consumers, and a pipe. Producers never
 * block in pcq either: they put bursts with pcq_put_many(timeout 0) or
 * pcq_try_put and, on EAGAIN, wait in epoll on their queue's put fd.
 * Consumers wait only in epoll_wait, each on both queues' get fds and the
 * pipe's read end at once; on a readable queue they drain it with
 * pcq_get_many or pcq_try_get until EAGAIN (the documented discipline), on
 * the pipe they read what is there. A pinger writes bytes to the pipe
 * meanwhile. When the producers are done both queues are closed; each
 * consumer stops once both said EPIPE.
 *
 * Every item goes through a ledger per queue (ledger.h): lost, duplicated,
 * reordered and bogus must all be 0, every byte written to the pipe must
 * be read, and a consumer or producer that waits 30 s in epoll without an
 * event fails the run (a lost readiness). PCQ_SEED repeats a run.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "harness.h"
#include "ledger.h"

#define STUCK_MS 30000 /* an epoll_wait this long without an event: lost */
#define MAX_THREADS 3

struct side {
	pcq_t *q;
	struct ledger ledger;
	uint64_t per_producer;
};

struct round {
	struct side side[2];
	int producers, consumers; /* producers per queue */
	int pipe_rd, pipe_wr;
	atomic_uint_fast64_t bytes_written, bytes_read;
	atomic_bool pinger_stop;
	atomic_int failures; /* impossible results, stuck waits */
	uint64_t seed;
};

struct worker {
	struct round *r;
	int id, queue;
	pthread_t t;
};

static void fail(struct round *r, const char *what, int rc)
{
	printf("FAILED: %s (%d)\n", what, rc);
	atomic_fetch_add(&r->failures, 1);
}

/* Waits in epoll for one of its fds; false if none came in STUCK_MS. */
static bool wait_events(struct round *r, int ep, struct epoll_event *ev,
			int max, int *n)
{
	do
		*n = epoll_wait(ep, ev, max, STUCK_MS);
	while (*n < 0 && errno == EINTR);
	if (*n <= 0) {
		fail(r, "an epoll_wait saw no event for 30 s", *n);
		return false;
	}
	return true;
}

static int epoll_add(int ep, int fd, uint32_t tag)
{
	struct epoll_event e = { .events = EPOLLIN, .data.u32 = tag };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

static void *producer(void *arg)
{
	struct worker *w = arg;
	struct round *r = w->r;
	struct side *s = &r->side[w->queue];
	uint64_t rng = r->seed * 7919u + (uint64_t)(w->queue * 16 + w->id);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_add(ep, pcq_put_fd(s->q), 0) != 0)
		abort();
	uint64_t seq = 0;
	while (seq < s->per_producer) {
		void *items[8];
		size_t n = 1 + rng_next(&rng) % 8, done = 0;
		if (n > s->per_producer - seq)
			n = (size_t)(s->per_producer - seq);
		for (size_t i = 0; i < n; i++)
			items[i] = ledger_item(w->id, seq + i);
		int rc;
		if (n == 1 && rng_next(&rng) % 2) {
			rc = pcq_try_put(s->q, items[0]);
			done = rc == 0;
		} else {
			rc = pcq_put_many(s->q, items, n, &done, 0);
		}
		seq += done;
		if (rc == EAGAIN) {
			struct epoll_event ev;
			int got;
			if (!wait_events(r, ep, &ev, 1, &got))
				break;
		} else if (rc != 0) {
			fail(r, "a put said", rc);
			break;
		}
	}
	s->ledger.accepted[w->id] = seq;
	close(ep);
	return NULL;
}

/* Drains a readable queue until EAGAIN (0) or EPIPE (1). */
static int drain(struct round *r, struct side *s, struct ledger_view *v,
		 uint64_t *rng)
{
	for (;;) {
		void *items[16];
		size_t got = 0;
		int rc;
		if (rng_next(rng) % 4 == 0) {
			rc = pcq_try_get(s->q, items);
			got = rc == 0;
		} else {
			rc = pcq_get_many(s->q, items, 1 + rng_next(rng) % 16,
					  &got, 0);
		}
		for (size_t i = 0; i < got; i++)
			ledger_deliver(&s->ledger, v, items[i]);
		if (rc == EAGAIN)
			return 0;
		if (rc == EPIPE)
			return 1;
		if (rc != 0) {
			fail(r, "a get said", rc);
			return 1;
		}
	}
}

static void *consumer(void *arg)
{
	struct worker *w = arg;
	struct round *r = w->r;
	uint64_t rng = r->seed * 104729u + (uint64_t)w->id;
	struct ledger_view views[2];
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || ledger_view_init(&views[0], &r->side[0].ledger) != 0 ||
	    ledger_view_init(&views[1], &r->side[1].ledger) != 0 ||
	    epoll_add(ep, pcq_get_fd(r->side[0].q), 0) != 0 ||
	    epoll_add(ep, pcq_get_fd(r->side[1].q), 1) != 0 ||
	    epoll_add(ep, r->pipe_rd, 2) != 0)
		abort();
	bool closed[2] = { false, false };
	while (!(closed[0] && closed[1])) {
		struct epoll_event ev[3];
		int n;
		if (!wait_events(r, ep, ev, 3, &n))
			break;
		for (int i = 0; i < n; i++) {
			uint32_t tag = ev[i].data.u32;
			if (tag == 2) {
				char buf[64];
				ssize_t k = read(r->pipe_rd, buf, sizeof buf);
				if (k > 0)
					atomic_fetch_add(&r->bytes_read,
							 (uint64_t)k);
				continue;
			}
			if (closed[tag] ||
			    !drain(r, &r->side[tag], &views[tag], &rng))
				continue;
			closed[tag] = true; /* EPIPE: drained for good */
			epoll_ctl(ep, EPOLL_CTL_DEL,
				  pcq_get_fd(r->side[tag].q), NULL);
		}
	}
	ledger_view_done(&r->side[0].ledger, &views[0]);
	ledger_view_done(&r->side[1].ledger, &views[1]);
	close(ep);
	return NULL;
}

static void *pinger(void *arg)
{
	struct round *r = arg;
	while (!atomic_load(&r->pinger_stop)) {
		if (write(r->pipe_wr, "p", 1) == 1)
			atomic_fetch_add(&r->bytes_written, 1);
		struct timespec nap = { 0, 200000 }; /* 0.2 ms between pings */
		nanosleep(&nap, NULL);
	}
	return NULL;
}

/* One round; returns its tally (pipe and failures folded into bogus). */
static struct tally run_round(uint64_t seed, size_t cap, int producers,
			      int consumers, uint64_t items)
{
	struct round r = { .producers = producers, .consumers = consumers,
			   .seed = seed };
	int p[2];
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
		abort();
	r.pipe_rd = p[0];
	r.pipe_wr = p[1];
	for (int k = 0; k < 2; k++) {
		struct side *s = &r.side[k];
		s->per_producer = items / 2 / (uint64_t)producers;
		s->q = pcq_create(cap, 0);
		if (s->q == NULL ||
		    ledger_init(&s->ledger, producers, s->per_producer) != 0)
			abort();
	}
	struct worker ps[2][MAX_THREADS], cs[MAX_THREADS];
	pthread_t ping;
	for (int i = 0; i < consumers; i++) {
		cs[i] = (struct worker){ .r = &r, .id = i };
		pthread_create(&cs[i].t, NULL, consumer, &cs[i]);
	}
	pthread_create(&ping, NULL, pinger, &r);
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < producers; i++) {
			ps[k][i] = (struct worker){ .r = &r, .id = i,
						    .queue = k };
			pthread_create(&ps[k][i].t, NULL, producer, &ps[k][i]);
		}
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < producers; i++)
			pthread_join(ps[k][i].t, NULL);
	pcq_close(r.side[0].q);
	pcq_close(r.side[1].q);
	for (int i = 0; i < consumers; i++)
		pthread_join(cs[i].t, NULL);
	atomic_store(&r.pinger_stop, true);
	pthread_join(ping, NULL);
	/* The last pings: read what the consumers left. */
	char buf[256];
	ssize_t k;
	while ((k = read(r.pipe_rd, buf, sizeof buf)) > 0)
		atomic_fetch_add(&r.bytes_read, (uint64_t)k);
	struct tally sum = { 0 };
	for (int q = 0; q < 2; q++) {
		struct tally t = ledger_tally(&r.side[q].ledger);
		t.lost += pcq_size(r.side[q].q);
		tally_add(&sum, &t);
		pcq_destroy(r.side[q].q);
		ledger_free(&r.side[q].ledger);
	}
	if (atomic_load(&r.bytes_read) != atomic_load(&r.bytes_written)) {
		printf("FAILED: pipe bytes written %llu, read %llu\n",
		       (unsigned long long)atomic_load(&r.bytes_written),
		       (unsigned long long)atomic_load(&r.bytes_read));
		sum.bogus++;
	}
	sum.bogus += (uint64_t)atomic_load(&r.failures);
	close(r.pipe_rd);
	close(r.pipe_wr);
	return sum;
}

int main(int argc, char **argv)
{
	uint64_t items = 400000;
	int rounds = 9;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--items") && i + 1 < argc)
			items = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--items N] [--rounds R]\n",
				argv[0]);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	uint64_t rng = seed_from_env("pollers");
	static const size_t caps[] = { 1, 7, 64 };
	struct tally sum = { 0 };
	uint64_t t0 = now_ns();
	for (int i = 0; i < rounds; i++) {
		size_t cap = caps[i % 3];
		int producers = 1 + (int)(rng_next(&rng) % MAX_THREADS);
		int consumers = 1 + (int)(rng_next(&rng) % MAX_THREADS);
		/* Capacity 1 hands every item over alone: fewer items. */
		uint64_t n = cap == 1 ? items / 8 : items;
		struct tally t = run_round(rng_next(&rng), cap, producers,
					   consumers, n);
		printf("round %d: capacity %zu, %d+%d producers, %d consumers "
		       "polling both: delivered %llu, %s\n", i + 1, cap,
		       producers, producers, consumers,
		       (unsigned long long)t.delivered,
		       tally_exact(&t) ? "exact" : "NOT EXACT");
		tally_add(&sum, &t);
	}
	printf("SUMMARY pollers %s: %.1f s items accepted=%llu delivered=%llu "
	       "lost=%llu duplicated=%llu reordered=%llu bogus=%llu\n",
	       pcq_backend(), (double)(now_ns() - t0) / 1e9,
	       (unsigned long long)sum.accepted,
	       (unsigned long long)sum.delivered,
	       (unsigned long long)sum.lost,
	       (unsigned long long)sum.duplicated,
	       (unsigned long long)sum.reordered,
	       (unsigned long long)sum.bogus);
	return tally_exact(&sum) ? 0 : 1;
}
