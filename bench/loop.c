/*
 * loop.c - the event-loop consumers' epoll instance (see queue.h): one per
 * thread, watching the fd of the queue the thread consumes from.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "queue.h"

struct loop {
	uint64_t queue_id;
	int ep;
};

uint64_t loop_id(void)
{
	static atomic_uint_fast64_t next = 1;
	return atomic_fetch_add(&next, 1);
}

static pthread_key_t loop_key;
static pthread_once_t loop_once = PTHREAD_ONCE_INIT;

static void loop_free(void *arg)
{
	struct loop *l = arg;
	close(l->ep);
	free(l);
}

static void loop_key_make(void)
{
	if (pthread_key_create(&loop_key, loop_free) != 0)
		abort();
}

void loop_wait(uint64_t queue_id, int fd)
{
	pthread_once(&loop_once, loop_key_make);
	struct loop *l = pthread_getspecific(loop_key);
	if (l == NULL) {
		l = malloc(sizeof *l);
		if (l == NULL)
			abort();
		l->queue_id = 0;
		l->ep = -1;
		pthread_setspecific(loop_key, l);
	}
	if (l->queue_id != queue_id) {
		if (l->ep >= 0)
			close(l->ep);
		l->queue_id = queue_id;
		l->ep = epoll_create1(EPOLL_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN };
		if (l->ep < 0 || epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
			abort();
	}
	struct epoll_event ev;
	while (epoll_wait(l->ep, &ev, 1, -1) < 0)
		; /* EINTR */
}
