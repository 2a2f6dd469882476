/*
 * test_contract.c - one test per sentence of the contract in include/pcq.h.
 * The same file is compiled against every backend.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "harness.h"

#define T(suite, name) Test(suite, name, .timeout = 30)

/* Long enough that a call which should block has certainly not returned
 * only because it was slow to start; short enough to keep the suite quick. */
#define BLOCK_WINDOW (150 * MS)
/* How long a call that should return gets to return: generous, since CI
 * machines are noisy. */
#define RETURN_WINDOW (5000 * MS)

static void *item_of(uintptr_t n)
{
	return (void *)n;
}

/* Fills q with 1..n using try_put, checking each succeeds. */
static void fill(pcq_t *q, size_t n)
{
	for (size_t i = 1; i <= n; i++)
		cr_assert_eq(pcq_try_put(q, item_of(i)), 0, "try_put %zu", i);
}

/* ---- create ------------------------------------------------------------ */

T(create, rejects_capacity_zero)
{
	errno = 0;
	cr_assert_null(pcq_create(0, 0));
	cr_assert_eq(errno, EINVAL);
}

T(create, rejects_capacity_above_max)
{
	errno = 0;
	cr_assert_null(pcq_create((size_t)PCQ_CAPACITY_MAX + 1, 0));
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_null(pcq_create(SIZE_MAX, 0));
	cr_assert_eq(errno, EINVAL);
}

T(create, rejects_unknown_flags)
{
	unsigned bad[] = { 0x4u, 0x8u, 0x80000000u, ~0u, PCQ_SP | 0x10u };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		cr_assert_null(pcq_create(4, bad[i]), "flags %#x", bad[i]);
		cr_assert_eq(errno, EINVAL, "flags %#x", bad[i]);
	}
}

T(create, accepts_every_known_flag_combination)
{
	unsigned ok[] = { 0, PCQ_SP, PCQ_SC, PCQ_SP | PCQ_SC };
	for (size_t i = 0; i < 4; i++) {
		pcq_t *q = pcq_create(3, ok[i]);
		cr_assert_not_null(q, "flags %#x", ok[i]);
		cr_assert_eq(pcq_capacity(q), 3);
		cr_assert_eq(pcq_size(q), 0);
		pcq_destroy(q);
	}
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif

T(create, too_large_for_memory_gives_enomem)
{
#ifdef SANITIZED
	cr_skip_test("a sanitizer's shadow memory needs more address space than "
		     "this test allows");
#else
	/* This test runs in a process of its own: limit its address space so
	 * the largest queue cannot be allocated. */
	struct rlimit lim = { 256u << 20, 256u << 20 };
	cr_assert_eq(setrlimit(RLIMIT_AS, &lim), 0);
	errno = 0;
	cr_assert_null(pcq_create(PCQ_CAPACITY_MAX, 0));
	cr_assert_eq(errno, ENOMEM);
	errno = 0;
	cr_assert_null(pcq_create(PCQ_CAPACITY_MAX, PCQ_SP | PCQ_SC));
	cr_assert_eq(errno, ENOMEM);
	/* Storage is all allocated at create: a queue that fits works. */
	pcq_t *q = pcq_create(1000, 0);
	cr_assert_not_null(q);
	fill(q, 1000);
	pcq_destroy(q);
#endif
}

T(create, destroy_null_is_a_no_op)
{
	pcq_destroy(NULL);
}

T(create, backend_names_itself)
{
	const char *b = pcq_backend();
	cr_assert(strcmp(b, "semaphore") == 0 || strcmp(b, "atomic") == 0,
		  "backend %s", b);
}

/* ---- capacity ---------------------------------------------------------- */

/* The queue holds exactly n: n try_puts succeed, the next is EAGAIN, a
 * timed put times out and a blocking put blocks until one get. */
static void check_exact_capacity(size_t n, unsigned flags)
{
	pcq_t *q = pcq_create(n, flags);
	cr_assert_not_null(q);
	cr_assert_eq(pcq_capacity(q), n);
	fill(q, n);
	cr_assert_eq(pcq_size(q), n);
	cr_assert_eq(pcq_try_put(q, item_of(0)), EAGAIN, "capacity %zu", n);
	cr_assert_eq(pcq_put_timed(q, item_of(0), 1 * MS), ETIMEDOUT);
	cr_assert_eq(pcq_size(q), n);

	struct call put;
	call_start(&put, q, OP_PUT, item_of(n + 1), 0);
	cr_assert_not(call_returns_within(&put, BLOCK_WINDOW),
		      "put on a full queue of %zu returned", n);
	void *got;
	cr_assert_eq(pcq_get(q, &got), 0);
	cr_assert_eq(got, item_of(1));
	cr_assert(call_returns_within(&put, RETURN_WINDOW));
	call_join(&put);
	cr_assert_eq(put.rc, 0);
	cr_assert_eq(pcq_size(q), n);
	for (size_t i = 2; i <= n + 1; i++) {
		cr_assert_eq(pcq_try_get(q, &got), 0);
		cr_assert_eq(got, item_of(i));
	}
	cr_assert_eq(pcq_try_get(q, &got), EAGAIN);
	pcq_destroy(q);
}

T(capacity, exact_for_1) { check_exact_capacity(1, 0); }
T(capacity, exact_for_2) { check_exact_capacity(2, 0); }
T(capacity, exact_for_3) { check_exact_capacity(3, 0); }
T(capacity, exact_for_7) { check_exact_capacity(7, 0); }
T(capacity, exact_for_1000) { check_exact_capacity(1000, 0); }
T(capacity, exact_for_3_spsc) { check_exact_capacity(3, PCQ_SP | PCQ_SC); }
T(capacity, exact_for_1000_spsc) { check_exact_capacity(1000, PCQ_SP | PCQ_SC); }
T(capacity, exact_for_5_sp) { check_exact_capacity(5, PCQ_SP); }
T(capacity, exact_for_6_sc) { check_exact_capacity(6, PCQ_SC); }

T(capacity, holds_across_many_laps)
{
	/* Wrap the ring many times with a capacity that is no power of two. */
	pcq_t *q = pcq_create(3, 0);
	cr_assert_not_null(q);
	uintptr_t next_put = 1, next_get = 1;
	for (int lap = 0; lap < 1000; lap++) {
		while (pcq_try_put(q, item_of(next_put)) == 0)
			next_put++;
		cr_assert_eq(next_put - next_get, 3, "lap %d", lap);
		void *got;
		for (int k = 0; k < 1 + lap % 3; k++) {
			cr_assert_eq(pcq_try_get(q, &got), 0);
			cr_assert_eq(got, item_of(next_get++));
		}
	}
	pcq_destroy(q);
}

T(capacity, max_is_accepted)
{
#ifdef SANITIZED
	cr_skip_test("sanitizer allocators fill calloc'ed memory: gigabytes");
#endif
	/* Nothing is written to the slots until items are put, so even the
	 * largest queue is cheap to create where memory can be reserved. */
	errno = 0;
	pcq_t *q = pcq_create(PCQ_CAPACITY_MAX, 0);
	if (q == NULL) {
		cr_assert_eq(errno, ENOMEM, "only ENOMEM may refuse it");
		return;
	}
	cr_assert_eq(pcq_capacity(q), PCQ_CAPACITY_MAX);
	fill(q, 100);
	cr_assert_eq(pcq_size(q), 100);
	pcq_destroy(q);
}

/* ---- items ------------------------------------------------------------- */

T(items, null_is_an_item)
{
	pcq_t *q = pcq_create(2, 0);
	void *got = item_of(7);
	cr_assert_eq(pcq_put(q, NULL), 0);
	cr_assert_eq(pcq_size(q), 1);
	cr_assert_eq(pcq_get(q, &got), 0);
	cr_assert_null(got);
	pcq_destroy(q);
}

T(items, every_pointer_value_comes_back)
{
	uintptr_t values[] = { 0, 1, UINTPTR_MAX, UINTPTR_MAX / 2,
			       (uintptr_t)1 << 63, 0xdeadbeef };
	pcq_t *q = pcq_create(6, PCQ_SP | PCQ_SC);
	for (size_t i = 0; i < 6; i++)
		cr_assert_eq(pcq_put(q, item_of(values[i])), 0);
	for (size_t i = 0; i < 6; i++) {
		void *got;
		cr_assert_eq(pcq_get(q, &got), 0);
		cr_assert_eq(got, item_of(values[i]));
	}
	pcq_destroy(q);
}

T(items, one_producer_order_is_kept)
{
	unsigned flags[] = { 0, PCQ_SP | PCQ_SC };
	for (int f = 0; f < 2; f++) {
		pcq_t *q = pcq_create(67, flags[f]); /* 100 puts, 33 gets */
		uintptr_t next = 1;
		for (uintptr_t i = 1; i <= 100; i++) {
			cr_assert_eq(pcq_put(q, item_of(i)), 0);
			if (i % 3 == 0) {
				void *got;
				cr_assert_eq(pcq_get(q, &got), 0);
				cr_assert_eq(got, item_of(next++));
			}
		}
		void *got;
		while (pcq_try_get(q, &got) == 0)
			cr_assert_eq(got, item_of(next++));
		cr_assert_eq(next, 101);
		pcq_destroy(q);
	}
}

/* ---- errors ------------------------------------------------------------ */

T(errors, null_queue_is_einval)
{
	void *got = item_of(5);
	cr_assert_eq(pcq_put(NULL, NULL), EINVAL);
	cr_assert_eq(pcq_try_put(NULL, NULL), EINVAL);
	cr_assert_eq(pcq_put_timed(NULL, NULL, 1), EINVAL);
	cr_assert_eq(pcq_get(NULL, &got), EINVAL);
	cr_assert_eq(pcq_try_get(NULL, &got), EINVAL);
	cr_assert_eq(pcq_get_timed(NULL, &got, 1), EINVAL);
	cr_assert_eq(got, item_of(5), "*item untouched");
	pcq_close(NULL);
	cr_assert_eq(pcq_size(NULL), 0);
	cr_assert_eq(pcq_capacity(NULL), 0);
}

T(errors, null_item_pointer_is_einval_and_takes_nothing)
{
	pcq_t *q = pcq_create(2, 0);
	cr_assert_eq(pcq_put(q, item_of(1)), 0);
	cr_assert_eq(pcq_get(q, NULL), EINVAL);
	cr_assert_eq(pcq_try_get(q, NULL), EINVAL);
	cr_assert_eq(pcq_get_timed(q, NULL, 1000), EINVAL);
	cr_assert_eq(pcq_size(q), 1, "nothing was taken");
	pcq_destroy(q);
}

T(errors, failed_get_leaves_item_untouched)
{
	pcq_t *q = pcq_create(1, 0);
	void *got = item_of(42);
	cr_assert_eq(pcq_try_get(q, &got), EAGAIN);
	cr_assert_eq(pcq_get_timed(q, &got, 1 * MS), ETIMEDOUT);
	pcq_close(q);
	cr_assert_eq(pcq_get(q, &got), EPIPE);
	cr_assert_eq(got, item_of(42));
	pcq_destroy(q);
}

T(errors, failed_put_enqueues_nothing)
{
	pcq_t *q = pcq_create(1, 0);
	fill(q, 1);
	cr_assert_eq(pcq_try_put(q, item_of(9)), EAGAIN);
	cr_assert_eq(pcq_put_timed(q, item_of(9), 1 * MS), ETIMEDOUT);
	pcq_close(q);
	cr_assert_eq(pcq_put(q, item_of(9)), EPIPE);
	void *got;
	cr_assert_eq(pcq_get(q, &got), 0);
	cr_assert_eq(got, item_of(1));
	cr_assert_eq(pcq_get(q, &got), EPIPE, "no 9 was enqueued");
	pcq_destroy(q);
}

/* ---- blocking ---------------------------------------------------------- */

/* A call that blocks must sleep: over the window it may use a little CPU
 * for its bounded spin, not the window's worth. */
static void check_sleeping(struct call *c)
{
	uint64_t cpu0 = thread_cpu_ns(c->thread);
	cr_assert_not(call_returns_within(c, BLOCK_WINDOW), "it did not block");
	uint64_t used = thread_cpu_ns(c->thread) - cpu0;
	cr_assert_lt(used, BLOCK_WINDOW / 10,
		     "a blocked call used %llu us of CPU in %llu ms",
		     (unsigned long long)used / 1000,
		     (unsigned long long)BLOCK_WINDOW / MS);
}

static void check_get_blocks_until_put(unsigned flags)
{
	pcq_t *q = pcq_create(4, flags);
	struct call get;
	call_start(&get, q, OP_GET, NULL, 0);
	check_sleeping(&get);
	cr_assert_eq(pcq_put(q, item_of(77)), 0);
	cr_assert(call_returns_within(&get, RETURN_WINDOW), "get not woken");
	call_join(&get);
	cr_assert_eq(get.rc, 0);
	cr_assert_eq(get.item, item_of(77));
	cr_assert_eq(pcq_size(q), 0);
	pcq_destroy(q);
}

static void check_put_blocks_until_get(unsigned flags)
{
	pcq_t *q = pcq_create(2, flags);
	fill(q, 2);
	struct call put;
	call_start(&put, q, OP_PUT, item_of(3), 0);
	check_sleeping(&put);
	void *got;
	cr_assert_eq(pcq_get(q, &got), 0);
	cr_assert_eq(got, item_of(1));
	cr_assert(call_returns_within(&put, RETURN_WINDOW), "put not woken");
	call_join(&put);
	cr_assert_eq(put.rc, 0);
	cr_assert_eq(pcq_get(q, &got), 0);
	cr_assert_eq(got, item_of(2));
	cr_assert_eq(pcq_get(q, &got), 0);
	cr_assert_eq(got, item_of(3));
	pcq_destroy(q);
}

T(blocking, get_sleeps_on_empty_until_a_put) { check_get_blocks_until_put(0); }
T(blocking, get_sleeps_on_empty_until_a_put_spsc)
{
	check_get_blocks_until_put(PCQ_SP | PCQ_SC);
}
T(blocking, put_sleeps_on_full_until_a_get) { check_put_blocks_until_get(0); }
T(blocking, put_sleeps_on_full_until_a_get_spsc)
{
	check_put_blocks_until_get(PCQ_SP | PCQ_SC);
}

T(blocking, timed_get_sleeps_too)
{
	pcq_t *q = pcq_create(1, 0);
	struct call get;
	call_start(&get, q, OP_GET_TIMED, NULL, 60000 * MS);
	check_sleeping(&get);
	cr_assert_eq(pcq_put(q, item_of(5)), 0);
	cr_assert(call_returns_within(&get, RETURN_WINDOW));
	call_join(&get);
	cr_assert_eq(get.rc, 0);
	cr_assert_eq(get.item, item_of(5));
	pcq_destroy(q);
}

T(blocking, each_put_wakes_a_getter)
{
	/* Four getters asleep, four puts: all four wake (no lost wake-up). */
	pcq_t *q = pcq_create(4, 0);
	struct call gets[4];
	for (int i = 0; i < 4; i++)
		call_start(&gets[i], q, OP_GET, NULL, 0);
	cr_assert_not(call_returns_within(&gets[0], BLOCK_WINDOW));
	for (uintptr_t i = 1; i <= 4; i++)
		cr_assert_eq(pcq_put(q, item_of(i)), 0);
	uintptr_t seen = 0;
	for (int i = 0; i < 4; i++) {
		cr_assert(call_returns_within(&gets[i], RETURN_WINDOW));
		call_join(&gets[i]);
		cr_assert_eq(gets[i].rc, 0);
		seen |= 1u << (uintptr_t)gets[i].item;
	}
	cr_assert_eq(seen, 0x1e, "each item exactly once");
	pcq_destroy(q);
}

T(blocking, each_get_wakes_a_putter)
{
	pcq_t *q = pcq_create(2, 0);
	fill(q, 2);
	struct call puts[4];
	for (int i = 0; i < 4; i++)
		call_start(&puts[i], q, OP_PUT, item_of(10 + (uintptr_t)i), 0);
	cr_assert_not(call_returns_within(&puts[0], BLOCK_WINDOW));
	uintptr_t seen = 0;
	for (int i = 0; i < 6; i++) {
		void *got;
		cr_assert_eq(pcq_get(q, &got), 0);
		seen |= 1u << (uintptr_t)got;
	}
	for (int i = 0; i < 4; i++) {
		cr_assert(call_returns_within(&puts[i], RETURN_WINDOW));
		call_join(&puts[i]);
		cr_assert_eq(puts[i].rc, 0);
	}
	cr_assert_eq(seen, 0x3c06u, "items 1, 2, 10..13 exactly once");
	pcq_destroy(q);
}

/* ---- timeouts ---------------------------------------------------------- */

static void check_never_early(enum op op)
{
	pcq_t *q = pcq_create(1, 0);
	if (op == OP_PUT_TIMED)
		fill(q, 1);
	uint64_t timeouts[] = { 1, 1000, 1 * MS, 30 * MS };
	for (int i = 0; i < 4; i++) {
		void *item = NULL;
		uint64_t t0 = now_ns();
		int rc = call_now(q, op, &item, timeouts[i]);
		uint64_t took = now_ns() - t0;
		cr_assert_eq(rc, ETIMEDOUT);
		cr_assert_geq(took, timeouts[i], "returned after %llu of %llu ns",
			      (unsigned long long)took,
			      (unsigned long long)timeouts[i]);
		cr_assert_lt(took, timeouts[i] + RETURN_WINDOW);
	}
	pcq_destroy(q);
}

T(timeouts, get_timed_never_returns_early) { check_never_early(OP_GET_TIMED); }
T(timeouts, put_timed_never_returns_early) { check_never_early(OP_PUT_TIMED); }

T(timeouts, zero_tries_once)
{
	pcq_t *q = pcq_create(1, 0);
	void *got;
	cr_assert_eq(pcq_get_timed(q, &got, 0), ETIMEDOUT);
	cr_assert_eq(pcq_put_timed(q, item_of(1), 0), 0);
	cr_assert_eq(pcq_put_timed(q, item_of(2), 0), ETIMEDOUT);
	cr_assert_eq(pcq_get_timed(q, &got, 0), 0);
	cr_assert_eq(got, item_of(1));
	pcq_destroy(q);
}

T(timeouts, uint64_max_waits_for_ever)
{
	/* A deadline of now + UINT64_MAX must saturate, not wrap into the
	 * past (which would return ETIMEDOUT at once). */
	pcq_t *q = pcq_create(1, 0);
	struct call get;
	call_start(&get, q, OP_GET_TIMED, NULL, UINT64_MAX);
	cr_assert_not(call_returns_within(&get, BLOCK_WINDOW));
	cr_assert_eq(pcq_put(q, item_of(8)), 0);
	cr_assert(call_returns_within(&get, RETURN_WINDOW));
	call_join(&get);
	cr_assert_eq(get.rc, 0);
	cr_assert_eq(get.item, item_of(8));

	fill(q, 1);
	struct call put;
	call_start(&put, q, OP_PUT_TIMED, item_of(9), UINT64_MAX - 1);
	cr_assert_not(call_returns_within(&put, BLOCK_WINDOW));
	pcq_close(q);
	cr_assert(call_returns_within(&put, RETURN_WINDOW));
	call_join(&put);
	cr_assert_eq(put.rc, EPIPE);
	pcq_destroy(q);
}

T(timeouts, timed_put_returns_when_space_frees)
{
	pcq_t *q = pcq_create(1, 0);
	fill(q, 1);
	struct call put;
	call_start(&put, q, OP_PUT_TIMED, item_of(2), 60000 * MS);
	cr_assert_not(call_returns_within(&put, BLOCK_WINDOW));
	void *got;
	cr_assert_eq(pcq_get(q, &got), 0);
	cr_assert(call_returns_within(&put, RETURN_WINDOW));
	call_join(&put);
	cr_assert_eq(put.rc, 0);
	cr_assert_eq(pcq_get(q, &got), 0);
	cr_assert_eq(got, item_of(2));
	pcq_destroy(q);
}

T(timeouts, a_timeout_changes_nothing)
{
	/* Timed calls that give up leave the queue as it was: afterwards it
	 * still holds exactly its capacity, and still blocks when empty. */
	pcq_t *q = pcq_create(2, 0);
	void *got;
	for (int i = 0; i < 50; i++)
		cr_assert_eq(pcq_get_timed(q, &got, 1000), ETIMEDOUT);
	fill(q, 2);
	for (int i = 0; i < 50; i++)
		cr_assert_eq(pcq_put_timed(q, item_of(9), 1000), ETIMEDOUT);
	cr_assert_eq(pcq_size(q), 2);
	cr_assert_eq(pcq_try_put(q, item_of(9)), EAGAIN);
	cr_assert_eq(pcq_try_get(q, &got), 0);
	cr_assert_eq(pcq_try_get(q, &got), 0);
	cr_assert_eq(pcq_try_get(q, &got), EAGAIN);
	check_get_blocks_until_put(0);
	pcq_destroy(q);
}

/* ---- close ------------------------------------------------------------- */

T(close, gets_drain_then_epipe)
{
	pcq_t *q = pcq_create(4, 0);
	fill(q, 3);
	pcq_close(q);
	cr_assert_eq(pcq_size(q), 3);
	void *got;
	cr_assert_eq(pcq_get(q, &got), 0);
	cr_assert_eq(got, item_of(1));
	cr_assert_eq(pcq_try_get(q, &got), 0);
	cr_assert_eq(got, item_of(2));
	cr_assert_eq(pcq_get_timed(q, &got, 1 * MS), 0);
	cr_assert_eq(got, item_of(3));
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(pcq_get(q, &got), EPIPE);
		cr_assert_eq(pcq_try_get(q, &got), EPIPE);
		cr_assert_eq(pcq_get_timed(q, &got, 1 * MS), EPIPE);
	}
	pcq_destroy(q);
}

T(close, puts_return_epipe)
{
	pcq_t *q = pcq_create(4, 0);
	pcq_close(q);
	cr_assert_eq(pcq_put(q, item_of(1)), EPIPE);
	cr_assert_eq(pcq_try_put(q, item_of(1)), EPIPE);
	cr_assert_eq(pcq_put_timed(q, item_of(1), 1 * MS), EPIPE);
	cr_assert_eq(pcq_size(q), 0);
	pcq_destroy(q);
}

T(close, is_idempotent)
{
	pcq_t *q = pcq_create(2, 0);
	fill(q, 1);
	pcq_close(q);
	pcq_close(q);
	pcq_close(q);
	void *got;
	cr_assert_eq(pcq_get(q, &got), 0);
	cr_assert_eq(pcq_get(q, &got), EPIPE);
	cr_assert_eq(pcq_put(q, item_of(1)), EPIPE);
	cr_assert_eq(pcq_size(q), 0);
	pcq_destroy(q);
}

T(close, beats_full)
{
	pcq_t *q = pcq_create(2, 0);
	fill(q, 2);
	pcq_close(q);
	cr_assert_eq(pcq_try_put(q, item_of(3)), EPIPE);
	uint64_t t0 = now_ns();
	cr_assert_eq(pcq_put_timed(q, item_of(3), 60000 * MS), EPIPE);
	cr_assert_eq(pcq_put(q, item_of(3)), EPIPE);
	cr_assert_lt(now_ns() - t0, RETURN_WINDOW, "EPIPE at once");
	pcq_destroy(q);
}

T(close, beats_empty)
{
	pcq_t *q = pcq_create(2, 0);
	pcq_close(q);
	void *got;
	cr_assert_eq(pcq_try_get(q, &got), EPIPE);
	uint64_t t0 = now_ns();
	cr_assert_eq(pcq_get_timed(q, &got, 60000 * MS), EPIPE);
	cr_assert_eq(pcq_get(q, &got), EPIPE);
	cr_assert_lt(now_ns() - t0, RETURN_WINDOW, "EPIPE at once");
	pcq_destroy(q);
}

static void check_close_wakes_all(enum op op, unsigned flags, int waiters)
{
	pcq_t *q = pcq_create(2, flags);
	if (op == OP_PUT || op == OP_PUT_TIMED)
		fill(q, 2);
	struct call calls[8];
	for (int i = 0; i < waiters; i++)
		call_start(&calls[i], q, op, item_of(100), 60000 * MS);
	for (int i = 0; i < waiters; i++)
		cr_assert_not(call_returns_within(&calls[i], BLOCK_WINDOW / 4));
	pcq_close(q);
	for (int i = 0; i < waiters; i++) {
		cr_assert(call_returns_within(&calls[i], RETURN_WINDOW),
			  "waiter %d not woken by close", i);
		call_join(&calls[i]);
		cr_assert_eq(calls[i].rc, EPIPE);
	}
	pcq_destroy(q);
}

T(close, wakes_every_blocked_getter) { check_close_wakes_all(OP_GET, 0, 6); }
T(close, wakes_every_blocked_putter) { check_close_wakes_all(OP_PUT, 0, 6); }
T(close, wakes_every_timed_getter) { check_close_wakes_all(OP_GET_TIMED, 0, 6); }
T(close, wakes_every_timed_putter) { check_close_wakes_all(OP_PUT_TIMED, 0, 6); }
T(close, wakes_the_spsc_getter)
{
	check_close_wakes_all(OP_GET, PCQ_SP | PCQ_SC, 1);
}
T(close, wakes_the_spsc_putter)
{
	check_close_wakes_all(OP_PUT, PCQ_SP | PCQ_SC, 1);
}

/* ---- size -------------------------------------------------------------- */

T(size, counts_items_held)
{
	pcq_t *q = pcq_create(5, 0);
	void *got;
	cr_assert_eq(pcq_size(q), 0);
	for (size_t i = 1; i <= 5; i++) {
		cr_assert_eq(pcq_put(q, NULL), 0);
		cr_assert_eq(pcq_size(q), i);
	}
	for (size_t i = 5; i > 0; i--) {
		cr_assert_eq(pcq_get(q, &got), 0);
		cr_assert_eq(pcq_size(q), i - 1);
	}
	pcq_destroy(q);
}

/* ---- signals ----------------------------------------------------------- */

static void on_signal(int sig)
{
	(void)sig;
}

static void check_signals_do_not_surface(enum op op, uint64_t timeout_ns)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: waits see EINTR */
	sigaction(SIGUSR1, &sa, NULL);

	pcq_t *q = pcq_create(1, 0);
	if (op == OP_PUT || op == OP_PUT_TIMED)
		fill(q, 1);
	struct call c;
	call_start(&c, q, op, item_of(1), timeout_ns);
	for (int i = 0; i < 100 && !atomic_load(&c.done); i++) {
		pthread_kill(c.thread, SIGUSR1);
		struct timespec nap = { 0, 1000000 }; /* 1 ms between signals */
		nanosleep(&nap, NULL);
	}
	if (timeout_ns == 0) {
		cr_assert_not(atomic_load(&c.done), "returned under signals");
		pcq_close(q);
	}
	cr_assert(call_returns_within(&c, RETURN_WINDOW));
	call_join(&c);
	if (timeout_ns == 0) {
		cr_assert_eq(c.rc, EPIPE);
	} else {
		cr_assert_eq(c.rc, ETIMEDOUT);
		cr_assert_geq(c.returned_ns - c.started_ns, timeout_ns);
	}
	pcq_destroy(q);
}

T(signals, never_surface_in_get) { check_signals_do_not_surface(OP_GET, 0); }
T(signals, never_surface_in_put) { check_signals_do_not_surface(OP_PUT, 0); }
T(signals, never_cut_a_timed_get_short)
{
	check_signals_do_not_surface(OP_GET_TIMED, 50 * MS);
}
T(signals, never_cut_a_timed_put_short)
{
	check_signals_do_not_surface(OP_PUT_TIMED, 50 * MS);
}

/* ---- cancellation ------------------------------------------------------ */

struct cancel_probe {
	pcq_t *q;
	void *got;
	int rc;
	atomic_bool returned;
};

static void *cancel_thread(void *arg)
{
	struct cancel_probe *p = arg;
	p->rc = pcq_get(p->q, &p->got);
	atomic_store(&p->returned, true);
	pthread_testcancel(); /* the pending cancel takes effect here */
	return NULL;
}

T(cancellation, get_is_not_a_cancellation_point)
{
	struct cancel_probe p = { .q = pcq_create(1, 0), .rc = -1 };
	pthread_t t;
	pthread_create(&t, NULL, cancel_thread, &p);
	struct timespec nap = { 0, 50000000 };
	nanosleep(&nap, NULL);
	pthread_cancel(t);
	nanosleep(&nap, NULL);
	cr_assert_not(atomic_load(&p.returned));
	cr_assert_eq(pcq_put(p.q, item_of(6)), 0);
	void *res;
	pthread_join(t, &res);
	cr_assert_eq(res, PTHREAD_CANCELED, "cancelled after the call");
	cr_assert(atomic_load(&p.returned), "the get completed first");
	cr_assert_eq(p.rc, 0);
	cr_assert_eq(p.got, item_of(6));
	cr_assert_eq(pcq_size(p.q), 0, "the item was taken, not lost");
	pcq_destroy(p.q);
}
