/* An event loop: one thread waits in epoll_wait on a socket and on two pcq
 * queues at once, the queues through their pcq_get_fd. A client thread
 * sends numbered requests over the socket; two worker threads put numbered
 * results into a queue each, one in bursts with pcq_put_many, the other
 * one by one with pcq_put and pauses. The loop takes whatever is ready,
 * checks that every request and every item came exactly once and in order,
 * and stops when both queues are closed and drained (EPIPE) and the socket
 * is at end of file. It runs twice, level-triggered and edge-triggered
 * (EPOLLET): the same loop serves both. (pcq_put_fd works the same way for
 * a loop that feeds a queue: wait for EPOLLIN, not EPOLLOUT, on it, and
 * put with timeout 0 until EAGAIN.) */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pcq.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
	REQUESTS = 50000,    /* the client sends requests 1 .. REQUESTS */
	FAST_ITEMS = 200000, /* the fast worker puts 1 .. FAST_ITEMS */
	SLOW_ITEMS = 2000,   /* the slow worker puts 1 .. SLOW_ITEMS */
	BURST = 32,          /* items per pcq_put_many of the fast worker */
	BATCH = 64,          /* items per pcq_get_many of the loop */
	STALL_MS = 10000,    /* no event for 10 s: a wake-up was lost */
};

/* One source of the loop. Each sends 1, 2, 3, ... in order (pcq keeps
 * each producer's order, a stream socket the order of its bytes), so one
 * number checks everything: a lost, duplicated or reordered item breaks
 * the sequence. */
struct source {
	const char *name;
	int fd;                /* what epoll waits on */
	pcq_t *q;              /* NULL for the socket */
	uint32_t want, last;   /* numbers to come; the last one received */
	int in_order;          /* 0 once a number broke the sequence */
	int done;              /* closed and drained, or end of file */
	unsigned long wakeups; /* epoll said ready ... */
	unsigned long idle;    /* ... but there was nothing (yet) */
	unsigned char buf[4096]; /* the socket's bytes not yet taken */
	size_t have;
};

static void receive(struct source *s, uint32_t number)
{
	if (number != s->last + 1)
		s->in_order = 0;
	s->last = number;
}

/* Takes what q holds, BATCH items a call, until pcq says EAGAIN (empty
 * for now) or EPIPE (closed and drained: nothing will ever come again).
 *
 * Why until EAGAIN, and not until a call takes fewer than BATCH: that
 * EAGAIN is what makes the fd unreadable again (a short batch says nothing,
 * another item may have come meanwhile). Level-triggered, stopping early
 * would only cost a trip through epoll_wait, which reports the fd again;
 * a loop may do so on purpose, to be fair to its other sources.
 * Edge-triggered, epoll reports a change, not a state: after stopping
 * early, no new report would come for the items still held, and the loop
 * could sleep on them for ever.
 *
 * A ready fd may also find q empty: another consumer was faster, or the fd
 * was still readable from before (it may stay so until a call says
 * EAGAIN). That costs one call, whose EAGAIN makes the fd unreadable
 * again: harmless. */
static int drain_queue(struct source *s)
{
	void *batch[BATCH];
	size_t got;
	int rc, first = 1;
	while ((rc = pcq_get_many(s->q, batch, BATCH, &got, 0)) == 0) {
		for (size_t i = 0; i < got; i++)
			receive(s, (uint32_t)(uintptr_t)batch[i]);
		first = 0;
	}
	if (rc == EAGAIN && first)
		s->idle++; /* ready, but empty */
	return rc;
}

/* The same discipline for the socket: read until read(2) says EAGAIN (no
 * more for now), or 0 (end of file: EPIPE here). A request is a 4-byte
 * number; a read may end inside one, so its first bytes wait in buf. */
static int read_requests(struct source *s)
{
	int first = 1;
	for (;;) {
		size_t room = sizeof s->buf - s->have;
		ssize_t n = read(s->fd, s->buf + s->have, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (first)
				s->idle++;
			return EAGAIN;
		}
		if (n < 0)
			return errno;
		if (n == 0) /* end of file; EIO if it cut a request */
			return s->have == 0 ? EPIPE : EIO;
		first = 0;
		s->have += (size_t)n;
		size_t whole = s->have / 4 * 4;
		for (size_t i = 0; i < whole; i += 4) {
			uint32_t number;
			memcpy(&number, s->buf + i, 4);
			receive(s, number);
		}
		s->have -= whole;
		memmove(s->buf, s->buf + whole, s->have);
	}
}

/* Sends all of buf, as a blocking socket may take it in pieces.
 * MSG_NOSIGNAL: if the loop has stopped reading, EPIPE, not SIGPIPE. */
static int send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void nap_us(long us)
{
	nanosleep(&(struct timespec){ .tv_nsec = us * 1000 }, NULL);
}

/* The client: requests in bursts of 1 .. 200, now and then a pause (so
 * that the loop finds the socket empty too), then end of file. */
static void *client(void *arg)
{
	int fd = *(int *)arg;
	uint32_t burst[200];
	uint32_t next = 1;
	for (unsigned sends = 1; next <= REQUESTS; sends++) {
		size_t n = 0, size = 1 + sends * 37 % 200;
		while (n < size && next <= REQUESTS)
			burst[n++] = next++;
		if (send_all(fd, burst, n * sizeof burst[0]) != 0)
			break; /* the loop checks that every request came */
		if (sends % 16 == 0)
			nap_us(100);
	}
	close(fd); /* end of file for the loop */
	return NULL;
}

/* The fast worker: results in bursts of BURST, as fast as the queue
 * takes them. */
static void *fast_worker(void *arg)
{
	pcq_t *q = arg;
	void *burst[BURST];
	uintptr_t next = 1;
	while (next <= FAST_ITEMS) {
		size_t n = 0, done;
		while (n < BURST && next <= FAST_ITEMS)
			burst[n++] = (void *)next++;
		if (pcq_put_many(q, burst, n, &done, UINT64_MAX) != 0)
			break; /* EPIPE: not here, only this thread closes q */
	}
	pcq_close(q); /* no more: the loop drains q, then sees EPIPE */
	return NULL;
}

/* The slow worker: one result at a time, with a pause every 8. */
static void *slow_worker(void *arg)
{
	pcq_t *q = arg;
	for (uintptr_t i = 1; i <= SLOW_ITEMS; i++) {
		if (pcq_put(q, (void *)i) != 0)
			break;
		if (i % 8 == 0)
			nap_us(100);
	}
	pcq_close(q);
	return NULL;
}

/* One run of the loop, with trigger 0 (level-triggered) or EPOLLET.
 * Returns 1 if everything came exactly once. */
static int serve(uint32_t trigger, const char *how)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return 0;
	/* The loop's end must not block: read says EAGAIN instead. */
	fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);

	/* One producer (its worker) and one consumer (the loop) each. */
	struct source src[3] = {
		{ .name = "socket", .fd = sv[0], .want = REQUESTS },
		{ .name = "fast queue", .q = pcq_create(256, PCQ_SP | PCQ_SC),
		  .want = FAST_ITEMS },
		{ .name = "slow queue", .q = pcq_create(16, PCQ_SP | PCQ_SC),
		  .want = SLOW_ITEMS },
	};
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || src[1].q == NULL || src[2].q == NULL)
		return 0;
	for (int i = 0; i < 3; i++) {
		struct source *s = &src[i];
		s->in_order = 1;
		/* The queue's fd: made now, owned by the queue (never close
		 * it), readable while the queue holds an item or is closed.
		 * -1 if no descriptor is left (EMFILE); the queue works on. */
		if (s->q != NULL && (s->fd = pcq_get_fd(s->q)) < 0) {
			perror("pcq_get_fd");
			return 0;
		}
		/* EPOLLIN for a queue's fd as for a socket. With EPOLLET,
		 * epoll_wait reports a source once each time it becomes ready,
		 * not on every call while it is ready: fewer reports, and the
		 * loop below works unchanged, as it takes everything (until
		 * EAGAIN) before it waits again. */
		struct epoll_event ev = { .events = EPOLLIN | trigger,
					  .data.ptr = s };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev) != 0)
			return 0;
	}

	pthread_t t[3];
	pthread_create(&t[0], NULL, client, &sv[1]);
	pthread_create(&t[1], NULL, fast_worker, src[1].q);
	pthread_create(&t[2], NULL, slow_worker, src[2].q);

	/* The loop: it waits only in epoll_wait; each pcq call has timeout 0
	 * and returns at once. */
	int open = 3;
	while (open > 0) {
		struct epoll_event ev[3];
		int n = epoll_wait(ep, ev, 3, STALL_MS);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "epoll_wait: %s\n",
				n == 0 ? "no event in time" : strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			struct source *s = ev[i].data.ptr;
			s->wakeups++;
			int rc = s->q ? drain_queue(s) : read_requests(s);
			if (rc == EAGAIN)
				continue; /* all taken: wait for more */
			/* EPIPE: closed and drained, or end of file. Nothing
			 * more will come, but the fd stays readable for ever:
			 * level-triggered, epoll would report it on every
			 * wait. So stop watching it. */
			epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
			s->done = rc == EPIPE;
			open--;
		}
	}

	/* Every thread is done by now, unless the loop gave up: then these
	 * make their puts and sends fail (EPIPE), so that they end too. */
	pcq_close(src[1].q);
	pcq_close(src[2].q);
	close(sv[0]);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	close(ep);

	int ok = 1;
	unsigned long wakeups = 0, idle = 0;
	for (int i = 0; i < 3; i++) {
		struct source *s = &src[i];
		if (!s->done || !s->in_order || s->last != s->want) {
			fprintf(stderr, "%s: %" PRIu32 " of %" PRIu32 " %s\n",
				s->name, s->last, s->want,
				s->in_order ? "in order" : "NOT in order");
			ok = 0;
		}
		wakeups += s->wakeups;
		idle += s->idle;
	}
	/* The loop never waited in pcq: get_waits stays 0. put_waits: how
	 * often the fast worker found its queue full (the loop was slower). */
	struct pcq_stats fast, slow;
	pcq_stats(src[1].q, &fast);
	pcq_stats(src[2].q, &slow);
	ok &= fast.get_waits == 0 && slow.get_waits == 0;
	printf("%s backend, %s: %" PRIu32 " requests, %" PRIu32 " + %" PRIu32
	       " items in %lu wake-ups (%lu found nothing new)\n",
	       pcq_backend(), how, src[0].last, src[1].last, src[2].last,
	       wakeups, idle);
	printf("  fast queue: the worker found it full %" PRIu64
	       " times (slept %" PRIu64 "); the loop waited %" PRIu64
	       " times\n", fast.put_waits, fast.put_sleeps, fast.get_waits);

	pcq_destroy(src[1].q); /* closes its fd too */
	pcq_destroy(src[2].q);
	return ok;
}

int main(void)
{
	int ok = serve(0, "level-triggered");
	ok &= serve(EPOLLET, "edge-triggered");
	return ok ? 0 : 1;
}
