/*
 * test_fd.c - one test per sentence of pcq_get_fd and pcq_put_fd in
 * include/pcq.h. The same file is compiled against every backend.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include "harness.h"

#define T(suite, name) Test(suite, name, .timeout = 60)

#define RETURN_WINDOW_MS 5000
#define QUIET_WINDOW_MS 100

static void *item_of(uintptr_t n)
{
	return (void *)n;
}

/* poll(2) on fd for POLLIN within ms milliseconds: readable or not. */
static bool readable_within(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int rc = poll(&p, 1, ms);
	cr_assert_geq(rc, 0, "poll: errno %d", errno);
	return rc == 1 && (p.revents & POLLIN);
}

static bool readable(int fd)
{
	return readable_within(fd, 0);
}

static const unsigned flag_sets[] = { 0, PCQ_SP, PCQ_SC, PCQ_SP | PCQ_SC };

/* ---- making the fds ------------------------------------------------------ */

T(fd, null_queue_is_einval)
{
	errno = 0;
	cr_assert_eq(pcq_get_fd(NULL), -1);
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_eq(pcq_put_fd(NULL), -1);
	cr_assert_eq(errno, EINVAL);
}

T(fd, the_same_fd_on_every_call_cloexec_and_nonblocking)
{
	pcq_t *q = pcq_create(4, 0);
	int g = pcq_get_fd(q), p = pcq_put_fd(q);
	cr_assert_geq(g, 0);
	cr_assert_geq(p, 0);
	cr_assert_neq(g, p, "one fd per side");
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(pcq_get_fd(q), g);
		cr_assert_eq(pcq_put_fd(q), p);
	}
	int fds[] = { g, p };
	for (int i = 0; i < 2; i++) {
		cr_assert(fcntl(fds[i], F_GETFD) & FD_CLOEXEC, "O_CLOEXEC");
		cr_assert(fcntl(fds[i], F_GETFL) & O_NONBLOCK, "O_NONBLOCK");
	}
	pcq_destroy(q);
}

T(fd, destroy_closes_both)
{
	pcq_t *q = pcq_create(4, 0);
	int g = pcq_get_fd(q), p = pcq_put_fd(q);
	cr_assert_eq(pcq_put(q, item_of(1)), 0);
	pcq_destroy(q);
	errno = 0;
	cr_assert_eq(fcntl(g, F_GETFD), -1, "get fd still open");
	cr_assert_eq(errno, EBADF);
	errno = 0;
	cr_assert_eq(fcntl(p, F_GETFD), -1, "put fd still open");
	cr_assert_eq(errno, EBADF);
}

/* No descriptor left: -1 and EMFILE, and the queue works on; a later call
 * succeeds once a descriptor is free. (Each test runs in a process of its
 * own, so the limit is this test's only.) */
T(fd, no_descriptor_left_gives_emfile_and_the_queue_works_on)
{
	pcq_t *q = pcq_create(2, 0);
	struct rlimit lim = { 64, 64 };
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
	int last = -1;
	for (;;) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd < 0)
			break;
		last = fd;
	}
	cr_assert_eq(errno, EMFILE);
	errno = 0;
	cr_assert_eq(pcq_get_fd(q), -1);
	cr_assert_eq(errno, EMFILE);
	errno = 0;
	cr_assert_eq(pcq_put_fd(q), -1);
	cr_assert_eq(errno, EMFILE);
	void *got;
	cr_assert_eq(pcq_put(q, item_of(5)), 0);
	cr_assert_eq(pcq_try_get(q, &got), 0);
	cr_assert_eq(got, item_of(5));
	cr_assert_eq(pcq_try_get(q, &got), EAGAIN);
	close(last);
	int g = pcq_get_fd(q);
	cr_assert_geq(g, 0, "a later call succeeds");
	cr_assert_eq(pcq_put(q, item_of(6)), 0);
	cr_assert(readable(g));
	pcq_destroy(q);
}

/* ---- readiness ----------------------------------------------------------- */

/* After a try that found q empty the get fd is unreadable; a put makes it
 * readable; it stays readable while an item is held. */
T(fd, get_fd_follows_items)
{
	for (int f = 0; f < 4; f++) {
		pcq_t *q = pcq_create(4, flag_sets[f]);
		int g = pcq_get_fd(q);
		void *got;
		cr_assert_eq(pcq_try_get(q, &got), EAGAIN);
		cr_assert_not(readable(g), "empty, after EAGAIN");
		for (int round = 0; round < 50; round++) {
			cr_assert_eq(pcq_put(q, item_of(1)), 0);
			cr_assert(readable(g), "an item is held");
			cr_assert_eq(pcq_put(q, item_of(2)), 0);
			cr_assert_eq(pcq_try_get(q, &got), 0);
			cr_assert(readable(g), "one item still held");
			cr_assert_eq(pcq_try_get(q, &got), 0);
			cr_assert_eq(pcq_try_get(q, &got), EAGAIN);
			cr_assert_not(readable(g), "empty, after EAGAIN");
		}
		pcq_destroy(q);
	}
}

/* Every call that must not wait makes the fd unreadable by its EAGAIN. */
T(fd, every_non_waiting_get_rearms)
{
	for (int f = 0; f < 4; f++) {
		pcq_t *q = pcq_create(3, flag_sets[f]);
		int g = pcq_get_fd(q);
		void *items[3];
		size_t got;
		for (int kind = 0; kind < 3; kind++) {
			cr_assert_eq(pcq_put(q, item_of(1)), 0);
			cr_assert(readable(g));
			cr_assert_eq(pcq_get(q, items), 0);
			int rc = kind == 0 ? pcq_try_get(q, items)
				 : kind == 1 ? pcq_get_timed(q, items, 0)
				 : pcq_get_many(q, items, 3, &got, 0);
			cr_assert_eq(rc, kind == 1 ? ETIMEDOUT : EAGAIN);
			cr_assert_not(readable(g), "kind %d", kind);
		}
		pcq_destroy(q);
	}
}

T(fd, put_fd_follows_free_slots)
{
	for (int f = 0; f < 4; f++) {
		pcq_t *q = pcq_create(2, flag_sets[f]);
		int p = pcq_put_fd(q);
		void *got;
		cr_assert(readable(p), "free slots");
		for (int round = 0; round < 50; round++) {
			cr_assert_eq(pcq_try_put(q, item_of(1)), 0);
			cr_assert_eq(pcq_try_put(q, item_of(2)), 0);
			cr_assert_eq(pcq_try_put(q, item_of(3)), EAGAIN);
			cr_assert_not(readable(p), "full, after EAGAIN");
			cr_assert_eq(pcq_get(q, &got), 0);
			cr_assert(readable(p), "a slot is free");
			cr_assert_eq(pcq_get(q, &got), 0);
			cr_assert(readable(p));
		}
		void *items[3] = { item_of(1), item_of(2), item_of(3) };
		size_t done;
		cr_assert_eq(pcq_put_many(q, items, 3, &done, 0), EAGAIN);
		cr_assert_eq(done, 2);
		cr_assert_not(readable(p), "full, after put_many's EAGAIN");
		pcq_destroy(q);
	}
}

/* An fd made while its side is ready is readable from the start. */
T(fd, made_on_a_ready_queue_is_readable)
{
	pcq_t *q = pcq_create(1, 0);
	cr_assert_eq(pcq_put(q, item_of(1)), 0);
	cr_assert(readable(pcq_get_fd(q)));
	pcq_t *e = pcq_create(1, 0);
	cr_assert(readable(pcq_put_fd(e)));
	pcq_destroy(q);
	pcq_destroy(e);
}

/* Close makes both fds readable, armed or not, and they stay readable. */
T(fd, close_makes_both_readable)
{
	for (int f = 0; f < 4; f++) {
		pcq_t *empty = pcq_create(1, flag_sets[f]);
		pcq_t *full = pcq_create(1, flag_sets[f]);
		int g = pcq_get_fd(empty), p = pcq_put_fd(full);
		void *got;
		cr_assert_eq(pcq_try_get(empty, &got), EAGAIN);
		cr_assert_eq(pcq_put(full, item_of(1)), 0);
		cr_assert_eq(pcq_try_put(full, item_of(2)), EAGAIN);
		cr_assert_not(readable(g));
		cr_assert_not(readable(p));
		pcq_close(empty);
		pcq_close(full);
		cr_assert(readable(g), "get fd after close");
		cr_assert(readable(p), "put fd after close");
		cr_assert_eq(pcq_try_get(empty, &got), EPIPE);
		cr_assert_eq(pcq_try_put(full, item_of(2)), EPIPE);
		cr_assert(readable(g), "still");
		cr_assert(readable(p), "still");
		cr_assert(readable(pcq_put_fd(empty)));
		cr_assert(readable(pcq_get_fd(full)));
		pcq_destroy(empty);
		pcq_destroy(full);
	}
}

/* A poll with a timeout wakes when the put comes. */
struct later_put {
	pcq_t *q;
	pthread_t t;
};

static void *put_later(void *arg)
{
	struct later_put *l = arg;
	struct timespec nap = { 0, QUIET_WINDOW_MS * 1000000L };
	nanosleep(&nap, NULL); /* an observation window, not a handshake */
	cr_assert_eq(pcq_put(l->q, item_of(9)), 0);
	return NULL;
}

T(fd, poll_with_a_timeout_wakes_on_the_put)
{
	for (int f = 0; f < 4; f++) {
		pcq_t *q = pcq_create(2, flag_sets[f]);
		int g = pcq_get_fd(q);
		void *got;
		cr_assert_eq(pcq_try_get(q, &got), EAGAIN);
		struct later_put l = { .q = q };
		pthread_create(&l.t, NULL, put_later, &l);
		uint64_t t0 = now_ns();
		cr_assert(readable_within(g, RETURN_WINDOW_MS));
		cr_assert_lt(now_ns() - t0, RETURN_WINDOW_MS * MS);
		cr_assert_eq(pcq_try_get(q, &got), 0);
		cr_assert_eq(got, item_of(9));
		pthread_join(l.t, NULL);
		pcq_destroy(q);
	}
}

/* ---- epoll ----------------------------------------------------------------- */

static int epoll_on(int fd, uint32_t events)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	cr_assert_geq(ep, 0);
	struct epoll_event ev = { .events = events, .data.fd = fd };
	cr_assert_eq(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev), 0);
	return ep;
}

static int events_within(int ep, int ms)
{
	struct epoll_event ev[4];
	int n = epoll_wait(ep, ev, 4, ms);
	cr_assert_geq(n, 0);
	return n;
}

/* Level-triggered: reported on every wait while an item is held. */
T(fd, epoll_level_triggered)
{
	pcq_t *q = pcq_create(8, 0);
	int ep = epoll_on(pcq_get_fd(q), EPOLLIN);
	void *items[8];
	size_t got;
	cr_assert_eq(pcq_get_many(q, items, 8, &got, 0), EAGAIN);
	cr_assert_eq(events_within(ep, 0), 0, "empty");
	for (uintptr_t i = 1; i <= 3; i++)
		cr_assert_eq(pcq_put(q, item_of(i)), 0);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(events_within(ep, 0), 1, "items held");
	cr_assert_eq(pcq_get_many(q, items, 2, &got, 0), 0);
	cr_assert_eq(events_within(ep, 0), 1, "one item left");
	cr_assert_eq(pcq_get_many(q, items, 8, &got, 0), 0);
	cr_assert_eq(pcq_get_many(q, items, 8, &got, 0), EAGAIN);
	cr_assert_eq(events_within(ep, 0), 0, "drained to EAGAIN");
	close(ep);
	pcq_destroy(q);
}

/* Edge-triggered: a loop that drains until EAGAIN gets an event for every
 * item that finds q empty. */
T(fd, epoll_edge_triggered)
{
	for (int f = 0; f < 4; f++) {
		pcq_t *q = pcq_create(8, flag_sets[f]);
		int ep = epoll_on(pcq_get_fd(q), EPOLLIN | EPOLLET);
		void *items[8];
		size_t got;
		for (int round = 0; round < 20; round++) {
			/* Drain until EAGAIN, as an edge-triggered loop must. */
			while (pcq_get_many(q, items, 8, &got, 0) == 0)
				;
			while (events_within(ep, 0) > 0)
				; /* forget the old edges */
			cr_assert_eq(pcq_put(q, item_of(1)), 0);
			cr_assert_eq(events_within(ep, RETURN_WINDOW_MS), 1,
				     "round %d: no edge for the put", round);
		}
		close(ep);
		pcq_destroy(q);
	}
}

/* ---- several pollers, pollers and blocking calls mixed ------------------- */

#define MIX_ITEMS 20000

struct poller {
	pcq_t *q;
	bool blocking; /* a pcq_get consumer instead of an epoll one */
	unsigned char *seen;
	uint64_t got;
	pthread_t t;
};

static void *poll_consumer(void *arg)
{
	struct poller *c = arg;
	int ep = c->blocking ? -1 : epoll_on(pcq_get_fd(c->q), EPOLLIN);
	for (;;) {
		void *items[16];
		size_t got = 0;
		int rc;
		if (c->blocking) {
			rc = pcq_get(c->q, items);
			got = rc == 0;
		} else {
			rc = pcq_get_many(c->q, items, 16, &got, 0);
			if (rc == EAGAIN) {
				cr_assert_geq(events_within(ep, 60000), 1,
					      "a poller starved");
				continue;
			}
		}
		if (rc == EPIPE)
			break;
		cr_assert_eq(rc, 0);
		for (size_t i = 0; i < got; i++) {
			uintptr_t v = (uintptr_t)items[i];
			cr_assert_lt(v, MIX_ITEMS);
			c->seen[v]++;
			c->got++;
		}
	}
	if (ep >= 0)
		close(ep);
	return NULL;
}

static void run_pollers(int pollers, int blockers, size_t cap)
{
	pcq_t *q = pcq_create(cap, 0);
	int n = pollers + blockers;
	struct poller c[8];
	for (int i = 0; i < n; i++) {
		c[i] = (struct poller){ .q = q, .blocking = i >= pollers };
		c[i].seen = calloc(MIX_ITEMS, 1);
		pthread_create(&c[i].t, NULL, poll_consumer, &c[i]);
	}
	for (uintptr_t i = 0; i < MIX_ITEMS; i++)
		cr_assert_eq(pcq_put(q, item_of(i)), 0);
	pcq_close(q);
	for (int i = 0; i < n; i++)
		pthread_join(c[i].t, NULL);
	for (uintptr_t v = 0; v < MIX_ITEMS; v++) {
		int times = 0;
		for (int i = 0; i < n; i++)
			times += c[i].seen[v];
		cr_assert_eq(times, 1, "item %lu got %d times",
			     (unsigned long)v, times);
	}
	for (int i = 0; i < n; i++)
		free(c[i].seen);
	pcq_destroy(q);
}

T(fd, several_pollers_on_one_fd_get_each_item_once)
{
	run_pollers(4, 0, 8);
	run_pollers(3, 0, 1);
}

T(fd, pollers_and_blocking_getters_mixed_get_each_item_once)
{
	run_pollers(2, 2, 8);
	run_pollers(1, 1, 1);
}

/* ---- what polling costs -------------------------------------------------- */

/* Calls that must not wait do not wait: they count nothing in pcq_stats,
 * with an fd or without. */
T(fd, non_waiting_calls_never_count_as_waits)
{
	pcq_t *q = pcq_create(1, 0);
	(void)pcq_get_fd(q);
	(void)pcq_put_fd(q);
	void *got;
	for (int i = 0; i < 10; i++) {
		cr_assert_eq(pcq_try_get(q, &got), EAGAIN);
		cr_assert_eq(pcq_try_put(q, item_of(1)), 0);
		cr_assert_eq(pcq_try_put(q, item_of(2)), EAGAIN);
		cr_assert_eq(pcq_try_get(q, &got), 0);
	}
	struct pcq_stats s;
	cr_assert_eq(pcq_stats(q, &s), 0);
	cr_assert_eq(s.put_waits + s.get_waits + s.put_sleeps + s.get_sleeps,
		     0);
	pcq_destroy(q);
}
