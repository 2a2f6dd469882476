/*
 * test_stats.c - one test per sentence of pcq_stats in include/pcq.h.
 * The same file is compiled against every backend.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "harness.h"

#define T(suite, name) Test(suite, name, .timeout = 30)

/* Long enough that a blocked call has spun its budget (200 us at most)
 * and gone to sleep, even on a slow machine. */
#define SLEEP_WINDOW (100 * MS)
#define RETURN_WINDOW (5000 * MS)

static struct pcq_stats stats_of(const pcq_t *q)
{
	struct pcq_stats s;
	memset(&s, 0xa5, sizeof s);
	cr_assert_eq(pcq_stats(q, &s), 0);
	return s;
}

/* Asserts the four counts; sleeps at least the given ones. */
static void check_counts(const pcq_t *q, uint64_t put_waits,
			 uint64_t get_waits, uint64_t min_put_sleeps,
			 uint64_t min_get_sleeps)
{
	struct pcq_stats s = stats_of(q);
	cr_assert_eq(s.put_waits, put_waits, "put_waits %llu, want %llu",
		     (unsigned long long)s.put_waits,
		     (unsigned long long)put_waits);
	cr_assert_eq(s.get_waits, get_waits, "get_waits %llu, want %llu",
		     (unsigned long long)s.get_waits,
		     (unsigned long long)get_waits);
	cr_assert_geq(s.put_sleeps, min_put_sleeps, "put_sleeps %llu",
		      (unsigned long long)s.put_sleeps);
	cr_assert_geq(s.get_sleeps, min_get_sleeps, "get_sleeps %llu",
		      (unsigned long long)s.get_sleeps);
	if (min_put_sleeps == 0 && put_waits == 0)
		cr_assert_eq(s.put_sleeps, 0, "a sleep without a wait");
	if (min_get_sleeps == 0 && get_waits == 0)
		cr_assert_eq(s.get_sleeps, 0, "a sleep without a wait");
}

static const unsigned flag_sets[] = { 0, PCQ_SP, PCQ_SC, PCQ_SP | PCQ_SC };

T(stats, null_queue_or_stats_is_einval)
{
	struct pcq_stats s = { 1, 2, 3, 4 };
	cr_assert_eq(pcq_stats(NULL, &s), EINVAL);
	cr_assert_eq(s.put_waits, 1, "untouched");
	pcq_t *q = pcq_create(2, 0);
	cr_assert_eq(pcq_stats(q, NULL), EINVAL);
	pcq_destroy(q);
}

T(stats, start_at_zero)
{
	for (int f = 0; f < 4; f++) {
		pcq_t *q = pcq_create(3, flag_sets[f]);
		check_counts(q, 0, 0, 0, 0);
		pcq_destroy(q);
	}
}

T(stats, calls_that_do_not_wait_count_nothing)
{
	for (int f = 0; f < 4; f++) {
		pcq_t *q = pcq_create(4, flag_sets[f]);
		void *got;
		for (int round = 0; round < 100; round++) {
			for (uintptr_t i = 0; i < 4; i++)
				cr_assert_eq(pcq_put(q, (void *)i), 0);
			for (uintptr_t i = 0; i < 4; i++)
				cr_assert_eq(pcq_get(q, &got), 0);
			cr_assert_eq(pcq_put_timed(q, NULL, 10 * MS), 0);
			cr_assert_eq(pcq_get_timed(q, &got, 10 * MS), 0);
		}
		check_counts(q, 0, 0, 0, 0);
		pcq_destroy(q);
	}
}

T(stats, try_and_timeout_zero_never_count)
{
	for (int f = 0; f < 4; f++) {
		pcq_t *q = pcq_create(1, flag_sets[f]);
		void *got;
		cr_assert_eq(pcq_try_get(q, &got), EAGAIN);
		cr_assert_eq(pcq_get_timed(q, &got, 0), ETIMEDOUT);
		cr_assert_eq(pcq_put(q, NULL), 0);
		cr_assert_eq(pcq_try_put(q, NULL), EAGAIN);
		cr_assert_eq(pcq_put_timed(q, NULL, 0), ETIMEDOUT);
		check_counts(q, 0, 0, 0, 0);
		pcq_destroy(q);
	}
}

/* The issue's own example: a 50 ms get_timed on an empty queue, alone,
 * makes get_waits 1 and get_sleeps at least 1. */
T(stats, timed_get_on_empty_waits_once_and_sleeps)
{
	for (int f = 0; f < 4; f++) {
		pcq_t *q = pcq_create(2, flag_sets[f]);
		void *got;
		cr_assert_eq(pcq_get_timed(q, &got, 50 * MS), ETIMEDOUT);
		check_counts(q, 0, 1, 0, 1);
		pcq_destroy(q);
	}
}

T(stats, timed_put_on_full_waits_once_and_sleeps)
{
	for (int f = 0; f < 4; f++) {
		pcq_t *q = pcq_create(1, flag_sets[f]);
		cr_assert_eq(pcq_put(q, NULL), 0);
		cr_assert_eq(pcq_put_timed(q, NULL, 50 * MS), ETIMEDOUT);
		check_counts(q, 1, 0, 1, 0);
		pcq_destroy(q);
	}
}

/* A blocking get that sleeps until a put: one wait, one sleep or more; the
 * put that woke it did not wait. */
T(stats, blocked_get_counts_one_wait_and_a_sleep)
{
	for (int f = 0; f < 4; f++) {
		pcq_t *q = pcq_create(2, flag_sets[f]);
		struct call get;
		call_start(&get, q, OP_GET, NULL, 0);
		cr_assert_not(call_returns_within(&get, SLEEP_WINDOW));
		cr_assert_eq(pcq_put(q, (void *)7), 0);
		cr_assert(call_returns_within(&get, RETURN_WINDOW));
		call_join(&get);
		cr_assert_eq(get.rc, 0);
		check_counts(q, 0, 1, 0, 1);
		pcq_destroy(q);
	}
}

T(stats, blocked_put_counts_one_wait_and_a_sleep)
{
	for (int f = 0; f < 4; f++) {
		pcq_t *q = pcq_create(1, flag_sets[f]);
		cr_assert_eq(pcq_put(q, NULL), 0);
		struct call put;
		call_start(&put, q, OP_PUT, (void *)8, 0);
		cr_assert_not(call_returns_within(&put, SLEEP_WINDOW));
		void *got;
		cr_assert_eq(pcq_get(q, &got), 0);
		cr_assert(call_returns_within(&put, RETURN_WINDOW));
		call_join(&put);
		cr_assert_eq(put.rc, 0);
		check_counts(q, 1, 0, 1, 0);
		pcq_destroy(q);
	}
}

/* Each waiting call counts once, however many threads wait. */
T(stats, every_waiting_call_counts_one_wait)
{
	pcq_t *q = pcq_create(4, 0);
	struct call gets[4];
	for (int i = 0; i < 4; i++)
		call_start(&gets[i], q, OP_GET, NULL, 0);
	cr_assert_not(call_returns_within(&gets[0], SLEEP_WINDOW));
	for (uintptr_t i = 1; i <= 4; i++)
		cr_assert_eq(pcq_put(q, (void *)i), 0);
	for (int i = 0; i < 4; i++) {
		cr_assert(call_returns_within(&gets[i], RETURN_WINDOW));
		call_join(&gets[i]);
		cr_assert_eq(gets[i].rc, 0);
	}
	check_counts(q, 0, 4, 0, 4);
	pcq_destroy(q);
}

/* A wait ended by close counts like any other. */
T(stats, a_wait_ended_by_close_counts)
{
	pcq_t *q = pcq_create(1, 0);
	struct call get;
	call_start(&get, q, OP_GET_TIMED, NULL, 60000 * MS);
	cr_assert_not(call_returns_within(&get, SLEEP_WINDOW));
	pcq_close(q);
	cr_assert(call_returns_within(&get, RETURN_WINDOW));
	call_join(&get);
	cr_assert_eq(get.rc, EPIPE);
	check_counts(q, 0, 1, 0, 1);
	pcq_destroy(q);
}

/* Closed beats full and empty: such calls return at once, without a wait. */
T(stats, calls_on_a_closed_queue_never_wait)
{
	for (int f = 0; f < 4; f++) {
		pcq_t *q = pcq_create(1, flag_sets[f]);
		void *got;
		pcq_close(q);
		cr_assert_eq(pcq_get(q, &got), EPIPE);
		cr_assert_eq(pcq_get_timed(q, &got, 50 * MS), EPIPE);
		cr_assert_eq(pcq_put(q, NULL), EPIPE);
		cr_assert_eq(pcq_put_timed(q, NULL, 50 * MS), EPIPE);
		check_counts(q, 0, 0, 0, 0);
		pcq_destroy(q);
	}
}

/* Counts only grow, and the sides are counted apart. */
T(stats, counts_only_grow_side_by_side)
{
	pcq_t *q = pcq_create(1, 0);
	void *got;
	for (uint64_t i = 1; i <= 3; i++) {
		cr_assert_eq(pcq_get_timed(q, &got, 2 * MS), ETIMEDOUT);
		check_counts(q, i - 1, i, 0, 0);
		cr_assert_eq(pcq_put(q, NULL), 0);
		cr_assert_eq(pcq_put_timed(q, NULL, 2 * MS), ETIMEDOUT);
		check_counts(q, i, i, 0, 0);
		cr_assert_eq(pcq_get(q, &got), 0);
	}
	pcq_destroy(q);
}
