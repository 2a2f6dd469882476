/* The three ways to call: try (never waits), timed (waits at most so
 * long), blocking (waits until it can complete or the queue closes). */
#include <errno.h>
#include <pcq.h>
#include <stdint.h>
#include <stdio.h>

#define MS 1000000ull /* nanoseconds in a millisecond */

int main(void)
{
	pcq_t *q = pcq_create(2, 0);
	if (q == NULL)
		return 1;
	void *item;
	int ok = 1;

	/* try: EAGAIN at once when the queue is full or empty. */
	ok &= pcq_try_get(q, &item) == EAGAIN;
	ok &= pcq_try_put(q, "a") == 0;
	ok &= pcq_try_put(q, "b") == 0;
	ok &= pcq_try_put(q, "c") == EAGAIN; /* capacity 2: exactly 2 */

	/* timed: ETIMEDOUT once the time has passed; 0 tries once. */
	ok &= pcq_put_timed(q, "c", 10 * MS) == ETIMEDOUT;
	ok &= pcq_put_timed(q, "c", 0) == ETIMEDOUT;
	ok &= pcq_size(q) == 2; /* a call that gave up changed nothing */

	/* blocking: returns at once here, since items are held. */
	ok &= pcq_get(q, &item) == 0 && *(const char *)item == 'a';

	/* close: puts fail; gets drain what is held, then fail. */
	pcq_close(q);
	ok &= pcq_try_put(q, "d") == EPIPE; /* closed beats everything */
	ok &= pcq_get_timed(q, &item, 10 * MS) == 0;
	ok &= *(const char *)item == 'b';
	ok &= pcq_get_timed(q, &item, UINT64_MAX) == EPIPE; /* no wait */
	ok &= pcq_get(q, &item) == EPIPE;

	pcq_destroy(q);
	printf("%s\n", ok ? "as documented" : "NOT as documented");
	return ok ? 0 : 1;
}
