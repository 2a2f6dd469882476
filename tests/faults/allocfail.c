/*
 * allocfail.c - allocation failure injected at pcq_create.
 *
 * Linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=aligned_alloc,
 * --wrap=posix_memalign,--wrap=realloc: every allocation libpcq.a makes
 * goes through the wrappers below. For k = 1, 2, ... the k-th allocation
 * inside pcq_create fails, until create makes fewer than k allocations and
 * succeeds. Each failed create must return NULL with errno ENOMEM; each
 * success must give a working queue. Run under the -asan variant, so
 * LeakSanitizer proves at exit that no failed create leaked.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "pcq.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_aligned_alloc(size_t align, size_t n);
void *__real_realloc(void *p, size_t n);
int __real_posix_memalign(void **p, size_t align, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_aligned_alloc(size_t align, size_t n);
void *__wrap_realloc(void *p, size_t n);
int __wrap_posix_memalign(void **p, size_t align, size_t n);

static int armed;    /* count allocations only inside pcq_create */
static int calls;    /* allocations so far in this create */
static int fail_at;  /* the allocation that fails (1-based) */

static int should_fail(void)
{
	return armed && ++calls == fail_at;
}

void *__wrap_malloc(size_t n)
{
	return should_fail() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return should_fail() ? NULL : __real_calloc(n, size);
}

void *__wrap_aligned_alloc(size_t align, size_t n)
{
	return should_fail() ? NULL : __real_aligned_alloc(align, n);
}

void *__wrap_realloc(void *p, size_t n)
{
	return should_fail() ? NULL : __real_realloc(p, n);
}

int __wrap_posix_memalign(void **p, size_t align, size_t n)
{
	return should_fail() ? ENOMEM : __real_posix_memalign(p, align, n);
}

/* Fails each allocation of one create in turn; returns the number of
 * failures that were not a clean NULL + ENOMEM. */
static int sweep(size_t capacity, unsigned flags)
{
	int bad = 0;
	for (fail_at = 1;; fail_at++) {
		calls = 0;
		errno = 0;
		armed = 1;
		pcq_t *q = pcq_create(capacity, flags);
		armed = 0;
		int e = errno;
		if (q != NULL) {
			void *item = NULL;
			bool works = calls < fail_at &&
				     pcq_try_put(q, (void *)5) == 0 &&
				     pcq_try_get(q, &item) == 0 &&
				     item == (void *)5;
			pcq_destroy(q);
			printf("allocfail %s: capacity %zu flags %u: %d "
			       "allocations; failing each of them: NULL + "
			       "ENOMEM%s\n", pcq_backend(), capacity, flags,
			       calls, works ? "" : "; then a BROKEN queue");
			return bad + !works;
		}
		if (e != ENOMEM) {
			printf("allocfail %s: allocation %d failed: create "
			       "returned NULL with errno %d, not ENOMEM\n",
			       pcq_backend(), fail_at, e);
			bad++;
		}
		if (fail_at > 100) {
			printf("allocfail: create never succeeds\n");
			return bad + 1;
		}
	}
}

int main(void)
{
	int bad = 0;
	const size_t caps[] = { 1, 7, 1000 };
	for (int i = 0; i < 3; i++)
		for (unsigned f = 0; f < 4; f++)
			bad += sweep(caps[i], f);
	printf("allocfail %s: %s (LeakSanitizer checks at exit)\n",
	       pcq_backend(), bad ? "FAILED" : "ok");
	return bad != 0;
}
