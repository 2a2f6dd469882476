/*
 * pcq_rl.cpp - Relacy tests of the atomic backend's memory orders, run on
 * the real sources (pcq_rl.hpp), and the mutants that must fail them.
 *
 *   pcq_rl TEST [-i ITERATIONS] [-s] [-t SPIN_TRIES] [-m SITE]...
 *     -s     symmetric fences (the fallback when membarrier is refused)
 *     -c     every order seq_cst: what fails then is a protocol bug
 *     -t     tries a wait spins before it sleeps (default 1)
 *     -m     weaken one site to relaxed: FILE:LINE:ORDER[@CALLER], where
 *            ORDER is the order the source must have there and CALLER is
 *            FILE:LINE of a tagged fence call, or "-" (untagged calls)
 *   Prints: TEST ITERATIONS RESULT [SITE_HITS]. Exit 0 passed, 1 failed
 *   (Relacy found a race, deadlock, assertion...), 2 usage or a mutant site
 *   that was never reached or has another order than the table says.
 *
 * The queue is built in place (make_queue below does what backend_create
 * does, with Relacy objects); then every thread calls the public functions
 * of src/pcq.c: pcq_put, pcq_get, the timed calls, the bulk calls
 * pcq_put_many and pcq_get_many, pcq_close.
 */
#include <fstream> /* before relacy.hpp, which breaks it */

#include "pcq_rl.hpp"

#include <iostream>
#include <string>

static void *tag(unsigned producer, unsigned seq)
{
	return (void *)(uintptr_t)(producer << 8 | (seq + 1));
}
static unsigned tag_producer(void *item)
{
	return (unsigned)((uintptr_t)item >> 8);
}
static unsigned tag_seq(void *item)
{
	return (unsigned)((uintptr_t)item & 0xff) - 1;
}

/* One queue, rebuilt for every execution (Relacy constructs the test
 * suite anew each iteration). */
template <size_t CAP, bool SPSC> struct queue_fixture {
	pcq_rl_futex fx_items, fx_spaces;
	pcq_rl_plain<void *> ring[CAP];
	struct slot slots[CAP];
	struct pcq q;

	/* What backend_create (queue.c) does: calloc's zeros, index_mask. */
	void make_queue()
	{
		q.capacity = CAP;
		q.spsc = SPSC;
		q.asymmetric = park_asymmetric;
		size_t mask = 1;
		while (mask < CAP - 1)
			mask = mask << 1 | 1;
		q.index_mask = SPSC ? 0 : mask;
		q.ring = SPSC ? ring : NULL;
		q.slots = SPSC ? NULL : slots;
		for (size_t i = 0; i < CAP; i++)
			slots[i].turn.store(0, rl::mo_relaxed, $);
		q.closed.store(false, rl::mo_relaxed, $);
		q.put_pos.store(0, rl::mo_relaxed, $);
		q.put_claimed.store(0, rl::mo_relaxed, $);
		q.get_pos.store(0, rl::mo_relaxed, $);
		q.put_index = 0;
		q.get_pos_seen = 0;
		q.get_index = 0;
		q.put_pos_seen = 0;
		q.drained = false;
		q.items.seq.store(0, rl::mo_relaxed, $);
		q.items.sleepers.store(0, rl::mo_relaxed, $);
		q.spaces.seq.store(0, rl::mo_relaxed, $);
		q.spaces.sleepers.store(0, rl::mo_relaxed, $);
		q.items.woke_ns.store(0, rl::mo_relaxed, $);
		q.spaces.woke_ns.store(0, rl::mo_relaxed, $);
		q.items.fd.store(-1, rl::mo_relaxed, $);
		q.spaces.fd.store(-1, rl::mo_relaxed, $);
		struct wait_policy *sides[] = { &q.getting, &q.putting };
		for (struct wait_policy *p : sides) {
			p->waits.store(0, rl::mo_relaxed, $);
			p->sleeps.store(0, rl::mo_relaxed, $);
		}
		fx_items.word = &q.items.seq;
		fx_spaces.word = &q.spaces.seq;
		pcq_rl_futexes[0] = &fx_items;
		pcq_rl_futexes[1] = &fx_spaces;
		pcq_rl_reset();
	}

	/* At the end: every waiter retracted itself. */
	void check_waiters()
	{
		RL_ASSERT(q.items.sleepers.load(rl::mo_relaxed, $) == 0);
		RL_ASSERT(q.spaces.sleepers.load(rl::mo_relaxed, $) == 0);
	}
};

/* SPSC message passing: 4 items through capacity 2 (two laps of the
 * ring), each arrives intact and in order. R1/A1 weakened: race on a
 * ring slot (read before the write is visible); R2/A2: race on reuse. */
struct spsc_order : rl::test_suite<spsc_order, 2>,
		    queue_fixture<2, true> {
	enum { N = 4 };
	void before() { make_queue(); }
	void after() { check_waiters(); }
	void thread(unsigned index)
	{
		if (index == 0) {
			for (unsigned i = 0; i < N; i++)
				RL_ASSERT(pcq_put(&q, tag(0, i)) == 0);
		} else {
			for (unsigned i = 0; i < N; i++) {
				void *item = NULL;
				RL_ASSERT(pcq_get(&q, &item) == 0);
				RL_ASSERT(item == tag(0, i));
			}
		}
	}
};

/* MPMC, 2 producers x 2 items, 2 consumers x 2 gets: exactly once, each
 * producer's items in order at each consumer, slots reused across laps
 * (capacity 1: four laps). */
template <size_t CAP>
struct mpmc_once : rl::test_suite<mpmc_once<CAP>, 4>,
		   queue_fixture<CAP, false> {
	enum { P = 2, PER = 2 };
	void *got[2][PER];
	void before() { this->make_queue(); }
	void thread(unsigned index)
	{
		if (index < P) {
			for (unsigned i = 0; i < PER; i++)
				RL_ASSERT(pcq_put(&this->q, tag(index, i)) == 0);
		} else {
			unsigned c = index - P;
			unsigned last[P] = { 0, 0 };
			for (unsigned i = 0; i < PER; i++) {
				void *item = NULL;
				RL_ASSERT(pcq_get(&this->q, &item) == 0);
				got[c][i] = item;
				unsigned p = tag_producer(item);
				RL_ASSERT(p < P && tag_seq(item) < PER);
				RL_ASSERT(tag_seq(item) + 1 > last[p]);
				last[p] = tag_seq(item) + 1;
			}
		}
	}
	void after()
	{
		this->check_waiters();
		int seen[P][PER] = {};
		for (unsigned c = 0; c < 2; c++)
			for (unsigned i = 0; i < PER; i++)
				seen[tag_producer(got[c][i])]
				    [tag_seq(got[c][i])]++;
		for (unsigned p = 0; p < P; p++)
			for (unsigned i = 0; i < PER; i++)
				RL_ASSERT(seen[p][i] == 1);
	}
};

/* The sleep/wake handshake, both directions, capacity 1: the putter
 * blocks on full, the getter on empty. A lost wake-up leaves a thread
 * asleep for ever: Relacy reports a deadlock. With TIMED, the first
 * attempt of each call is a timed one that may time out at any point
 * (then the call is redone blocking): the timeout path retracts too. */
template <bool SPSC, bool TIMED>
struct handshake : rl::test_suite<handshake<SPSC, TIMED>, 2>,
		   queue_fixture<1, SPSC> {
	enum { N = 2 };
	void before() { this->make_queue(); }
	void after() { this->check_waiters(); }
	void thread(unsigned index)
	{
		pcq_t *q = &this->q;
		for (unsigned i = 0; i < N; i++) {
			if (index == 0) {
				int rc = TIMED ? pcq_put_timed(q, tag(0, i), 1000)
					       : ETIMEDOUT;
				if (rc == ETIMEDOUT)
					rc = pcq_put(q, tag(0, i));
				RL_ASSERT(rc == 0);
			} else {
				void *item = NULL;
				int rc = TIMED ? pcq_get_timed(q, &item, 1000)
					       : ETIMEDOUT;
				if (rc == ETIMEDOUT)
					rc = pcq_get(q, &item);
				RL_ASSERT(rc == 0 && item == tag(0, i));
			}
		}
	}
};

/* MPMC: two getters asleep, two puts - each put's wake_one must reach a
 * getter that still needs it (the classic minimal lost-wake-up case). */
struct mpmc_two_getters : rl::test_suite<mpmc_two_getters, 4>,
			  queue_fixture<2, false> {
	void before() { make_queue(); }
	void after() { check_waiters(); }
	void thread(unsigned index)
	{
		if (index < 2) {
			void *item = NULL;
			RL_ASSERT(pcq_get(&q, &item) == 0);
		} else {
			RL_ASSERT(pcq_put(&q, tag(index, 0)) == 0);
		}
	}
};

/* The mirror: two putters asleep on a full ring, two gets. */
struct mpmc_two_putters : rl::test_suite<mpmc_two_putters, 4>,
			  queue_fixture<2, false> {
	void before() { make_queue(); }
	void after() { check_waiters(); }
	void thread(unsigned index)
	{
		if (index < 2) {
			/* fill, then one more each: both may block */
			RL_ASSERT(pcq_put(&q, tag(index, 0)) == 0);
			RL_ASSERT(pcq_put(&q, tag(index, 1)) == 0);
		} else {
			void *item = NULL;
			RL_ASSERT(pcq_get(&q, &item) == 0);
		}
	}
};

/* Close racing puts, capacity 1. Thread 0 puts 2 items (the second may
 * block on full, then close must wake it), thread 1 closes, thread 2 gets
 * until EPIPE. Every item whose put returned 0 is got, in order; no call
 * sleeps for ever. SPSC: put_claimed (C1) + F_w against closed + F_s. */
template <bool SPSC>
struct close_race : rl::test_suite<close_race<SPSC>, 3>,
		    queue_fixture<1, SPSC> {
	enum { N = 2 };
	int put_rc[N];
	void *got[N + 1];
	unsigned ngot;
	void before()
	{
		this->make_queue();
		ngot = 0;
	}
	void thread(unsigned index)
	{
		pcq_t *q = &this->q;
		if (index == 0) {
			for (unsigned i = 0; i < N; i++) {
				put_rc[i] = pcq_put(q, tag(0, i));
				RL_ASSERT(put_rc[i] == 0 || put_rc[i] == EPIPE);
			}
		} else if (index == 1) {
			pcq_close(q);
		} else {
			for (;;) {
				void *item = NULL;
				int rc = pcq_get(q, &item);
				if (rc == EPIPE)
					break;
				RL_ASSERT(rc == 0 && ngot < N);
				got[ngot++] = item;
			}
			RL_ASSERT(pcq_get(q, &got[N]) == EPIPE);
		}
	}
	void after()
	{
		this->check_waiters();
		unsigned accepted = 0;
		for (unsigned i = 0; i < N; i++) {
			if (put_rc[i] == 0) {
				RL_ASSERT(accepted < ngot &&
					  got[accepted] == tag(0, i));
				accepted++;
			} else {
				/* after one EPIPE, every later put fails */
				for (unsigned j = i; j < N; j++)
					RL_ASSERT(put_rc[j] == EPIPE);
				break;
			}
		}
		RL_ASSERT(accepted == ngot);
	}
};

/* ---- bulk calls: pcq_put_many and pcq_get_many ------------------------ */

/* Takes up to n more items, waiting for the first, into got[*ngot..]:
 * returns pcq_get_many's result. */
static int get_some(pcq_t *q, void **got, unsigned *ngot, size_t n)
{
	size_t k = 0;
	int rc = pcq_get_many(q, got + *ngot, n, &k, UINT64_MAX);
	RL_ASSERT(rc == 0 ? k >= 1 && k <= n : k == 0);
	*ngot += (unsigned)k;
	return rc;
}

/* Producer p puts its items (p, 0), (p, 1) in one batch, blocking. */
static void put_two(pcq_t *q, unsigned p)
{
	void *items[2] = { tag(p, 0), tag(p, 1) };
	size_t done = 0;
	RL_ASSERT(pcq_put_many(q, items, 2, &done, UINT64_MAX) == 0 &&
		  done == 2);
}

/* Counts items of producers first .. first + 1, 2 each, into seen. */
static void count_two(int seen[2][2], void *const *got, size_t n,
		      unsigned first)
{
	for (size_t i = 0; i < n; i++)
		seen[tag_producer(got[i]) - first][tag_seq(got[i])]++;
}

static void check_each_once(int seen[2][2])
{
	for (unsigned p = 0; p < 2; p++)
		for (unsigned i = 0; i < 2; i++)
			RL_ASSERT(seen[p][i] == 1);
}

/* SPSC, capacity 3: batches of 2, 3 and 2 (7 items, positions 0..6: the
 * later batches cross the ring's end, and a batch of 3 waits for the whole
 * ring, putting each item as soon as there is room: partial puts and new
 * waits); the consumer takes batches of up to 2. Intact and in order.
 * R1/A1 weakened: race on a ring slot; R2/A2: race on its reuse. */
struct bulk_spsc_order : rl::test_suite<bulk_spsc_order, 2>,
			 queue_fixture<3, true> {
	enum { N = 7 };
	void before() { make_queue(); }
	void after() { check_waiters(); }
	void thread(unsigned index)
	{
		if (index == 0) {
			void *items[N];
			for (unsigned i = 0; i < N; i++)
				items[i] = tag(0, i);
			static const unsigned batch[] = { 2, 3, 2 };
			unsigned at = 0;
			for (unsigned b : batch) {
				size_t done = 0;
				RL_ASSERT(pcq_put_many(&q, items + at, b, &done,
						       UINT64_MAX) == 0 &&
					  done == b);
				at += b;
			}
		} else {
			void *got[N + 1];
			unsigned ngot = 0;
			while (ngot < N)
				RL_ASSERT(get_some(&q, got, &ngot,
						   N - ngot < 2 ? 1 : 2) == 0);
			for (unsigned i = 0; i < N; i++)
				RL_ASSERT(got[i] == tag(0, i));
		}
	}
};

/* MPMC, 2 producers x (a batch of 2, then a single put), 2 consumers
 * taking batches of up to 2, 3 items each: exactly once, each producer's
 * items in order at each consumer. Capacity 3 is not a power of two: runs
 * of slots cross the skip from index 2 to the next lap's 0. */
template <size_t CAP>
struct bulk_mpmc_once : rl::test_suite<bulk_mpmc_once<CAP>, 4>,
			queue_fixture<CAP, false> {
	enum { P = 2, PER = 3 };
	void *got[2][PER];
	void before() { this->make_queue(); }
	void thread(unsigned index)
	{
		pcq_t *q = &this->q;
		if (index < P) {
			void *items[2] = { tag(index, 0), tag(index, 1) };
			size_t done = 0;
			RL_ASSERT(pcq_put_many(q, items, 2, &done, UINT64_MAX) ==
					  0 &&
				  done == 2);
			RL_ASSERT(pcq_put(q, tag(index, 2)) == 0);
		} else {
			unsigned c = index - P, ngot = 0;
			while (ngot < PER)
				RL_ASSERT(get_some(q, got[c], &ngot,
						   PER - ngot < 2 ? 1 : 2) == 0);
			unsigned last[P] = { 0, 0 };
			for (unsigned i = 0; i < PER; i++) {
				unsigned p = tag_producer(got[c][i]);
				RL_ASSERT(p < P && tag_seq(got[c][i]) < PER);
				RL_ASSERT(tag_seq(got[c][i]) + 1 > last[p]);
				last[p] = tag_seq(got[c][i]) + 1;
			}
		}
	}
	void after()
	{
		this->check_waiters();
		int seen[P][PER] = {};
		for (unsigned c = 0; c < 2; c++)
			for (unsigned i = 0; i < PER; i++)
				seen[tag_producer(got[c][i])]
				    [tag_seq(got[c][i])]++;
		for (unsigned p = 0; p < P; p++)
			for (unsigned i = 0; i < PER; i++)
				RL_ASSERT(seen[p][i] == 1);
	}
};

/* The sleep/wake handshake with batches, capacity 1: a put_many of 3 puts
 * one item per lap of the ring, each time beginning a new wait (its first
 * attempt is timed and may time out at any point: then the rest is put
 * blocking); the getter takes batches of up to 2. A lost wake-up is a
 * Relacy deadlock. */
template <bool SPSC>
struct bulk_handshake : rl::test_suite<bulk_handshake<SPSC>, 2>,
			queue_fixture<1, SPSC> {
	enum { N = 3 };
	void before() { this->make_queue(); }
	void after() { this->check_waiters(); }
	void thread(unsigned index)
	{
		pcq_t *q = &this->q;
		if (index == 0) {
			void *items[N] = { tag(0, 0), tag(0, 1), tag(0, 2) };
			size_t done = 0;
			int rc = pcq_put_many(q, items, N, &done, 1000);
			RL_ASSERT(rc == 0 ? done == N
					  : rc == ETIMEDOUT && done < N);
			if (rc == ETIMEDOUT) {
				size_t more = 0;
				RL_ASSERT(pcq_put_many(q, items + done, N - done,
						       &more, UINT64_MAX) == 0 &&
					  more == N - done);
			}
		} else {
			void *got[N + 1];
			unsigned ngot = 0;
			while (ngot < N)
				RL_ASSERT(get_some(q, got, &ngot, 2) == 0);
			for (unsigned i = 0; i < N; i++)
				RL_ASSERT(got[i] == tag(0, i));
		}
	}
};

/* Two batches out of order with two getters asleep, capacity 4: the bulk
 * twin of mpmc_two_getters. Each getter wants 2 items (batches of up to
 * 2); each putter puts a batch of 2. The batch that claimed the first
 * positions may publish last, after the getters slept: its one wake-up
 * count, from its first position, must reach both. */
struct bulk_two_getters : rl::test_suite<bulk_two_getters, 4>,
			  queue_fixture<4, false> {
	void *got[2][3];
	unsigned ngot[2];
	void before()
	{
		make_queue();
		ngot[0] = ngot[1] = 0;
	}
	void thread(unsigned index)
	{
		if (index < 2) {
			while (ngot[index] < 2)
				RL_ASSERT(get_some(&q, got[index], &ngot[index],
						   2 - ngot[index]) == 0);
		} else {
			put_two(&q, index);
		}
	}
	void after()
	{
		check_waiters();
		int seen[2][2] = {};
		for (unsigned c = 0; c < 2; c++)
			count_two(seen, got[c], 2, 2);
		check_each_once(seen);
	}
};

/* The mirror, capacity 2: two batches of 2 into a ring of 2, so a putter
 * sleeps with its batch half put (or whole); two batch gets of up to 2
 * hand slots back out of order. What the gets leave is drained at the
 * end: every item once. */
struct bulk_two_putters : rl::test_suite<bulk_two_putters, 4>,
			  queue_fixture<2, false> {
	void *got[2][2];
	unsigned ngot[2];
	void before()
	{
		make_queue();
		ngot[0] = ngot[1] = 0;
	}
	void thread(unsigned index)
	{
		if (index < 2) {
			put_two(&q, index);
		} else {
			unsigned c = index - 2;
			RL_ASSERT(get_some(&q, got[c], &ngot[c], 2) == 0);
		}
	}
	void after()
	{
		check_waiters();
		int seen[2][2] = {};
		for (unsigned c = 0; c < 2; c++)
			count_two(seen, got[c], ngot[c], 0);
		void *rest[4];
		size_t k = 0;
		int rc = pcq_get_many(&q, rest, 4, &k, 0);
		RL_ASSERT(ngot[0] + ngot[1] + k == 4);
		RL_ASSERT(rc == (k > 0 ? 0 : EAGAIN));
		count_two(seen, rest, k, 0);
		check_each_once(seen);
	}
};

/* Close with a batch in flight, capacity 2. Thread 0 puts a batch of 3
 * (it fills the ring and waits for room; close ends the wait), thread 1
 * closes, thread 2 takes batches of up to 2 until EPIPE. The first *done
 * items are got, in order, nothing else; nobody sleeps for ever. SPSC:
 * put_claimed = pos + k (C1) against closed, F_w/F_s. */
template <bool SPSC>
struct bulk_close : rl::test_suite<bulk_close<SPSC>, 3>,
		    queue_fixture<2, SPSC> {
	enum { N = 3 };
	size_t done;
	int put_rc;
	void *got[N + 2];
	unsigned ngot;
	void before()
	{
		this->make_queue();
		ngot = 0;
		done = 0;
	}
	void thread(unsigned index)
	{
		pcq_t *q = &this->q;
		if (index == 0) {
			void *items[N] = { tag(0, 0), tag(0, 1), tag(0, 2) };
			put_rc = pcq_put_many(q, items, N, &done, UINT64_MAX);
			RL_ASSERT(put_rc == 0 ? done == N
					      : put_rc == EPIPE && done < N);
		} else if (index == 1) {
			pcq_close(q);
		} else {
			while (get_some(q, got, &ngot, 2) != EPIPE)
				RL_ASSERT(ngot <= N);
			size_t k = 0;
			RL_ASSERT(pcq_get_many(q, got + ngot, 2, &k, 0) ==
					  EPIPE &&
				  k == 0);
		}
	}
	void after()
	{
		this->check_waiters();
		RL_ASSERT(ngot == done);
		for (unsigned i = 0; i < ngot; i++)
			RL_ASSERT(got[i] == tag(0, i));
	}
};

/* ---- driver --------------------------------------------------------- */

template <typename T> static bool run(const char *name, rl::test_params &p)
{
	/* Relacy prints the failing execution's history: to stderr with
	 * PCQ_RL_VERBOSE=1, else nowhere. (Not into a stringstream: Relacy
	 * replaces malloc while it simulates.) */
	static std::ofstream null("/dev/null");
	std::ostream *out = getenv("PCQ_RL_VERBOSE") ? &std::cerr : &null;
	p.output_stream = out;
	p.progress_stream = &null;
	(void)name;
	return rl::simulate<T>(p);
}

struct entry {
	const char *name;
	bool (*fn)(const char *, rl::test_params &);
};
static const entry tests[] = {
	{ "spsc_order", run<spsc_order> },
	{ "mpmc_once_cap1", run<mpmc_once<1> > },
	{ "mpmc_once_cap2", run<mpmc_once<2> > },
	{ "mpmc_once_cap3", run<mpmc_once<3> > },
	{ "handshake_spsc", run<handshake<true, false> > },
	{ "handshake_mpmc", run<handshake<false, false> > },
	{ "handshake_spsc_timed", run<handshake<true, true> > },
	{ "handshake_mpmc_timed", run<handshake<false, true> > },
	{ "mpmc_two_getters", run<mpmc_two_getters> },
	{ "mpmc_two_putters", run<mpmc_two_putters> },
	{ "close_spsc", run<close_race<true> > },
	{ "close_mpmc", run<close_race<false> > },
	{ "bulk_spsc_order", run<bulk_spsc_order> },
	{ "bulk_mpmc_once_cap2", run<bulk_mpmc_once<2> > },
	{ "bulk_mpmc_once_cap3", run<bulk_mpmc_once<3> > },
	{ "bulk_handshake_spsc", run<bulk_handshake<true> > },
	{ "bulk_handshake_mpmc", run<bulk_handshake<false> > },
	{ "bulk_two_getters", run<bulk_two_getters> },
	{ "bulk_two_putters", run<bulk_two_putters> },
	{ "bulk_close_spsc", run<bulk_close<true> > },
	{ "bulk_close_mpmc", run<bulk_close<false> > },
};

static bool parse_order(const char *s, rl::memory_order *mo)
{
	static const struct {
		const char *name;
		rl::memory_order mo;
	} orders[] = { { "relaxed", rl::mo_relaxed }, { "acquire", rl::mo_acquire },
		       { "release", rl::mo_release }, { "acq_rel", rl::mo_acq_rel },
		       { "seq_cst", rl::mo_seq_cst } };
	for (auto &o : orders)
		if (strcmp(s, o.name) == 0) {
			*mo = o.mo;
			return true;
		}
	return false;
}

/* FILE:LINE:ORDER[@CALLER] */
static bool parse_site(const char *arg, pcq_rl_site *s)
{
	char buf[200], order[32];
	snprintf(buf, sizeof buf, "%s", arg);
	memset(s, 0, sizeof *s);
	char *at = strchr(buf, '@');
	if (at != NULL) {
		*at++ = '\0';
		if (strcmp(at, "-") == 0) {
			s->caller = -1;
		} else {
			char *colon = strchr(at, ':');
			if (colon == NULL)
				return false;
			*colon = '\0';
			snprintf(s->caller_file, sizeof s->caller_file, "%s", at);
			s->caller = atoi(colon + 1);
			if (s->caller <= 0)
				return false;
		}
	}
	char *c1 = strchr(buf, ':');
	if (c1 == NULL)
		return false;
	*c1 = '\0';
	snprintf(s->file, sizeof s->file, "%s", buf);
	if (sscanf(c1 + 1, "%d:%31s", &s->line, order) != 2)
		return false;
	return parse_order(order, &s->expect);
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "";
	rl::test_params p;
	p.iteration_count = 10000;
	p.execution_depth_limit = 20000;
	park_asymmetric = true;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "-i") == 0 && i + 1 < argc) {
			p.iteration_count = strtoull(argv[++i], NULL, 10);
		} else if (strcmp(argv[i], "-c") == 0) {
			pcq_rl_force_sc = true;
		} else if (strcmp(argv[i], "-s") == 0) {
			park_asymmetric = false;
		} else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
			pcq_rl_spin_tries = atoi(argv[++i]);
		} else if (strcmp(argv[i], "-m") == 0 && i + 1 < argc &&
			   pcq_rl_nsites < 8 &&
			   parse_site(argv[i + 1], &pcq_rl_sites[pcq_rl_nsites])) {
			pcq_rl_nsites++;
			i++;
		} else {
			fprintf(stderr, "pcq_rl: bad argument %s\n", argv[i]);
			return 2;
		}
	}
	for (const entry &e : tests) {
		if (strcmp(e.name, name) != 0)
			continue;
		bool ok = e.fn(e.name, p);
		rl::iteration_t done = ok ? p.iteration_count : p.stop_iteration;
		printf("%s %llu %s", name, (unsigned long long)done,
		       ok ? "passed" : rl::test_result_str(p.test_result));
		int rc = ok ? 0 : 1;
		for (int i = 0; i < pcq_rl_nsites; i++) {
			printf(" %s:%d=%ld", pcq_rl_sites[i].file,
			       pcq_rl_sites[i].line, pcq_rl_sites[i].hits);
			if (pcq_rl_sites[i].hits == 0 && ok)
				rc = 2; /* never weakened: proves nothing */
		}
		if (pcq_rl_drift) {
			printf(" ORDER-DRIFT");
			rc = 2;
		}
		printf("\n");
		return rc;
	}
	fprintf(stderr, "pcq_rl: unknown test '%s'; tests:", name);
	for (const entry &e : tests)
		fprintf(stderr, " %s", e.name);
	fprintf(stderr, "\n");
	return 2;
}
