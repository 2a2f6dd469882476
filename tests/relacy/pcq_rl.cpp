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
 * of src/pcq.c: pcq_put, pcq_get, the timed calls, pcq_close.
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
