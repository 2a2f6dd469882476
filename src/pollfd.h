/*
 * pollfd.h - the pollable fd of a queue side (pcq_get_fd, pcq_put_fd): an
 * eventfd, readable while its counter is above 0. Both backends use these
 * three calls; when to call them is each backend's own protocol.
 */
#ifndef PCQ_POLLFD_H
#define PCQ_POLLFD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* A new fd, readable or not. Returns -1 with errno set (EMFILE, ENFILE,
 * ENOMEM, ...) if none can be made. */
static inline int pollfd_make(bool readable)
{
	return eventfd(readable ? 1 : 0, EFD_CLOEXEC | EFD_NONBLOCK);
}

/* Makes fd readable. Cannot fail: the counter stays far below its
 * maximum, since every fire is matched by a drain. */
static inline void pollfd_fire(int fd)
{
	uint64_t one = 1;
	ssize_t rc = write(fd, &one, sizeof one);
	(void)rc;
}

/* Makes fd unreadable (a read of an empty one says EAGAIN: unreadable
 * already, which is what was asked). */
static inline void pollfd_drain(int fd)
{
	uint64_t count;
	ssize_t rc = read(fd, &count, sizeof count);
	(void)rc;
}

#endif /* PCQ_POLLFD_H */
