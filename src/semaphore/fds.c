/*
 * fds.c - the reference backend's pollable fds (pcq_get_fd, pcq_put_fd).
 *
 * Each fd is made, made readable and drained only while holding the
 * mutex, exactly when the buffer changes state, so it is exactly as
 * readable as the buffer says: no arming, no protocol of its own. It is
 * made readable only after the tokens of the change are posted (queue.c:
 * put_holding_spaces, get_holding_items), so a poller woken by it finds
 * them. The cost: a system call at each change of state, under the mutex.
 */
#include <errno.h>
#include <unistd.h>

#include "pollfd.h"
#include "queue.h"

/* Called holding the mutex, after the buffer went from `before` items to
 * `after` (or, for a close, with before == after): the fds follow. The
 * get fd is readable while an item is held or the queue is closed, the put
 * fd while a slot is free or the queue is closed. */
void fds_follow(struct pcq *q, size_t before, size_t after)
{
	/* Relaxed: the mutex orders every access to the fds but the first
	 * look of backend_fd. */
	int get_fd = atomic_load_explicit(&q->get_fd, memory_order_relaxed);
	int put_fd = atomic_load_explicit(&q->put_fd, memory_order_relaxed);
	if (is_closed(q)) {
		if (get_fd >= 0 && before == after) /* the close itself */
			pollfd_fire(get_fd);
		if (put_fd >= 0 && before == after)
			pollfd_fire(put_fd);
		return;
	}
	if (get_fd >= 0 && (before == 0) != (after == 0))
		(after == 0 ? pollfd_drain : pollfd_fire)(get_fd);
	size_t cap = q->capacity;
	if (put_fd >= 0 && (before == cap) != (after == cap))
		(after == cap ? pollfd_drain : pollfd_fire)(put_fd);
}

/* The fds need no arming here: fds_follow keeps them exact. */
int backend_put_poll(struct pcq *q, void *const *items, size_t n,
		     size_t *done)
{
	(void)q, (void)items, (void)n, (void)done;
	return EAGAIN;
}

int backend_get_poll(struct pcq *q, void **items, size_t n, size_t *got)
{
	(void)q, (void)items, (void)n;
	*got = 0;
	return EAGAIN;
}

int backend_fd(struct pcq *q, bool get_side)
{
	atomic_int *fd = get_side ? &q->get_fd : &q->put_fd;
	/* Acquire: pairs with the release below, so a caller that sees the
	 * fd sees it made. */
	int made = atomic_load_explicit(fd, memory_order_acquire);
	if (made >= 0)
		return made;
	lock(q);
	made = atomic_load_explicit(fd, memory_order_relaxed);
	if (made < 0) {
		size_t held = atomic_load_explicit(&q->count,
						   memory_order_relaxed);
		made = pollfd_make(is_closed(q) ||
				   (get_side ? held > 0 : held < q->capacity));
		if (made >= 0)
			atomic_store_explicit(fd, made, memory_order_release);
	}
	unlock(q);
	return made; /* -1: errno from eventfd */
}

void fds_close(struct pcq *q)
{
	int fds[] = { atomic_load(&q->get_fd), atomic_load(&q->put_fd) };
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}
