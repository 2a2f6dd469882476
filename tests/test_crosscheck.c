/*
 * test_crosscheck.c - the two backends side by side, in one process.
 *
 * Both libraries are loaded with dlopen(RTLD_LOCAL), so each keeps its own
 * pcq_* functions, and every scenario is run against both: seeded random
 * sequences of calls must give identical results step by step, and the
 * blocking scenarios must give identical outcomes - pcq_stats's waits
 * included: both backends must count the same waits for the same calls.
 * A failure prints the step, the call and what each backend answered.
 */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pcq.h"

#define MS 1000000ull

struct lib {
	const char *name;
	pcq_t *(*create)(size_t, unsigned);
	void (*destroy)(pcq_t *);
	int (*put)(pcq_t *, void *);
	int (*get)(pcq_t *, void **);
	int (*try_put)(pcq_t *, void *);
	int (*try_get)(pcq_t *, void **);
	int (*put_timed)(pcq_t *, void *, uint64_t);
	int (*get_timed)(pcq_t *, void **, uint64_t);
	void (*close)(pcq_t *);
	size_t (*size)(const pcq_t *);
	int (*stats)(const pcq_t *, struct pcq_stats *);
	int (*put_many)(pcq_t *, void *const *, size_t, size_t *, uint64_t);
	int (*get_fd)(pcq_t *);
	int (*put_fd)(pcq_t *);
	int (*get_many)(pcq_t *, void **, size_t, size_t *, uint64_t);
	const char *(*backend)(void);
};

static struct lib libs[2];

static void load(struct lib *l, const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	cr_assert_not_null(h, "dlopen %s: %s", path, dlerror());
#define SYM(f) *(void **)&l->f = dlsym(h, "pcq_" #f)
	SYM(create); SYM(destroy); SYM(put); SYM(get); SYM(try_put);
	SYM(try_get); SYM(put_timed); SYM(get_timed); SYM(close); SYM(size);
	SYM(stats); SYM(put_many); SYM(get_many); SYM(get_fd); SYM(put_fd);
	SYM(backend);
#undef SYM
	cr_assert_not_null(l->backend);
	cr_assert_not_null(l->stats);
	cr_assert_not_null(l->put_many);
	cr_assert_not_null(l->get_many);
	cr_assert_not_null(l->get_fd);
	cr_assert_not_null(l->put_fd);
	l->name = l->backend();
}

static void load_both(void)
{
	load(&libs[0], "build/semaphore/libpcq.so");
	load(&libs[1], "build/atomic/libpcq.so");
	cr_assert_str_eq(libs[0].name, "semaphore");
	cr_assert_str_eq(libs[1].name, "atomic");
}

TestSuite(crosscheck, .init = load_both, .timeout = 60);

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* ---- single thread: random sequences, compared step by step ----------- */

enum { TRY_PUT, TRY_GET, PUT_T0, GET_T0, PUT_T1US, GET_T1US, PUT, GET, SIZE,
       CLOSE, PUT_MANY_T0, GET_MANY_T0, PUT_MANY_T1US, GET_MANY_T1US,
       PUT_MANY, GET_MANY, N_OPS };
static const char *op_name[] = { "try_put", "try_get", "put_timed(0)",
				 "get_timed(0)", "put_timed(1us)",
				 "get_timed(1us)", "put", "get", "size",
				 "close", "put_many(0)", "get_many(0)",
				 "put_many(1us)", "get_many(1us)", "put_many",
				 "get_many" };

/* A bulk step: put v, v+1, ... v+n-1 or get up to n; out is the count,
 * and for a get a digest of the items got, in order. */
static int step_many(const struct lib *l, pcq_t *q, int op, uintptr_t v,
		     size_t n, uintptr_t *out)
{
	void *items[8];
	size_t moved = 99;
	int rc;
	uint64_t timeout = op == PUT_MANY_T0 || op == GET_MANY_T0 ? 0
			   : op == PUT_MANY || op == GET_MANY ? UINT64_MAX
							      : 1000;
	if (op == PUT_MANY_T0 || op == PUT_MANY_T1US || op == PUT_MANY) {
		for (size_t i = 0; i < n; i++)
			items[i] = (void *)(v + i);
		rc = l->put_many(q, items, n, &moved, timeout);
		*out = moved;
	} else {
		rc = l->get_many(q, items, n, &moved, timeout);
		uintptr_t digest = moved;
		for (size_t i = 0; i < moved && i < n; i++)
			digest = digest * 1000003u ^ (uintptr_t)items[i];
		*out = digest;
	}
	return rc;
}

static bool fd_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, 0) == 1;
}

/* Where the contract fixes a pollable fd's readiness, both backends'
 * must be as it says: readable while q can serve that side or is closed;
 * unreadable right after a call of that side that must not wait said
 * EAGAIN. Elsewhere an fd may be spuriously readable, so nothing is
 * checked. Returns a message, or NULL. */
static const char *check_fds(const struct lib *l, pcq_t *q, int op, int rc,
			     size_t cap, bool closed)
{
	size_t held = l->size(q);
	bool get_ready = fd_readable(l->get_fd(q));
	bool put_ready = fd_readable(l->put_fd(q));
	if ((held > 0 || closed) && !get_ready)
		return "get fd unreadable with an item held or closed";
	if ((held < cap || closed) && !put_ready)
		return "put fd unreadable with a free slot or closed";
	bool get_poll = op == TRY_GET || op == GET_T0 || op == GET_MANY_T0;
	bool put_poll = op == TRY_PUT || op == PUT_T0 || op == PUT_MANY_T0;
	if (rc == EAGAIN && get_poll && get_ready)
		return "get fd readable after a try's EAGAIN";
	if (rc == EAGAIN && put_poll && put_ready)
		return "put fd readable after a try's EAGAIN";
	return NULL;
}

/* One step on one backend: the return code and the item or size. */
static void step(const struct lib *l, pcq_t *q, int op, uintptr_t v,
		 size_t n, int *rc, uintptr_t *out)
{
	void *item = (void *)~(uintptr_t)0;
	*rc = 0;
	if (op >= PUT_MANY_T0) {
		*rc = step_many(l, q, op, v, n, out);
		return;
	}
	switch (op) {
	case TRY_PUT: *rc = l->try_put(q, (void *)v); break;
	case TRY_GET: *rc = l->try_get(q, &item); break;
	case PUT_T0: *rc = l->put_timed(q, (void *)v, 0); break;
	case GET_T0: *rc = l->get_timed(q, &item, 0); break;
	case PUT_T1US: *rc = l->put_timed(q, (void *)v, 1000); break;
	case GET_T1US: *rc = l->get_timed(q, &item, 1000); break;
	case PUT: *rc = l->put(q, (void *)v); break;
	case GET: *rc = l->get(q, &item); break;
	case SIZE: item = (void *)l->size(q); break;
	case CLOSE: l->close(q); break;
	}
	*out = (uintptr_t)item;
}

Test(crosscheck, random_sequences_give_identical_results)
{
	const char *env = getenv("PCQ_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : now_ns() | 1;
	fprintf(stderr, "crosscheck: seed %llu (PCQ_SEED repeats it)\n",
		(unsigned long long)seed);
	const unsigned flags[] = { 0, PCQ_SP, PCQ_SC, PCQ_SP | PCQ_SC };
	uint64_t s = seed;
	long steps = 0;
	enum { TRACE = 12 };
	char trace[TRACE][96]; /* the last steps, printed on a mismatch */
	for (int run = 0; run < 400; run++) {
		size_t cap = 1 + rng(&s) % 9;
		unsigned fl = flags[rng(&s) % 4];
		pcq_t *q[2] = { libs[0].create(cap, fl), libs[1].create(cap, fl) };
		size_t held = 0;
		bool closed = false;
		/* Half the runs with pollable fds, made at a random step. */
		int fds_at = rng(&s) % 2 ? (int)(rng(&s) % 300) : -1;
		for (int i = 0; i < 300; i++, steps++) {
			int op = (int)(rng(&s) % N_OPS);
			size_t n = 1 + rng(&s) % 8;
			/* Blocking calls only where they cannot block. */
			if ((op == PUT && (held == cap || closed)) ||
			    (op == GET && held == 0 && !closed))
				op = op == PUT ? TRY_PUT : TRY_GET;
			if ((op == PUT_MANY && (held + n > cap || closed)) ||
			    (op == GET_MANY && held == 0 && !closed))
				op = op == PUT_MANY ? PUT_MANY_T0 : GET_MANY_T0;
			if (op == CLOSE && rng(&s) % 8 != 0)
				op = SIZE; /* close rarely: a run would end */
			uintptr_t v = (uintptr_t)rng(&s);
			int rc[2];
			uintptr_t out[2];
			struct pcq_stats st[2];
			for (int b = 0; b < 2; b++) {
				step(&libs[b], q[b], op, v, n, &rc[b],
				     &out[b]);
				libs[b].stats(q[b], &st[b]);
			}
			snprintf(trace[i % TRACE], sizeof trace[0],
				 "step %d: %s n=%zu -> %d/%#lx, %d/%#lx", i,
				 op_name[op], n, rc[0], (unsigned long)out[0],
				 rc[1], (unsigned long)out[1]);
			bool same = rc[0] == rc[1] && out[0] == out[1] &&
				    st[0].put_waits == st[1].put_waits &&
				    st[0].get_waits == st[1].get_waits;
			for (int k = i < TRACE ? 0 : i - TRACE + 1; !same && k <= i;
			     k++)
				fprintf(stderr, "  %s\n", trace[k % TRACE]);
			cr_assert(rc[0] == rc[1] && out[0] == out[1],
				  "run %d step %d (capacity %zu, flags %u): %s "
				  "-> semaphore %d/%#lx, atomic %d/%#lx",
				  run, i, cap, fl, op_name[op], rc[0],
				  (unsigned long)out[0], rc[1],
				  (unsigned long)out[1]);
			cr_assert(same,
				  "run %d step %d: %s -> waits: semaphore "
				  "put %llu get %llu, atomic put %llu get %llu",
				  run, i, op_name[op],
				  (unsigned long long)st[0].put_waits,
				  (unsigned long long)st[0].get_waits,
				  (unsigned long long)st[1].put_waits,
				  (unsigned long long)st[1].get_waits);
			/* Exact: no other call runs. */
			held = libs[0].size(q[0]);
			if (i == fds_at)
				for (int b = 0; b < 2; b++)
					cr_assert(libs[b].get_fd(q[b]) >= 0 &&
						  libs[b].put_fd(q[b]) >= 0);
			for (int b = 0; fds_at >= 0 && i >= fds_at && b < 2;
			     b++) {
				/* Made after this step: its EAGAIN was
				 * before the fd existed. */
				const char *bad = check_fds(&libs[b], q[b],
							    i == fds_at ? SIZE : op,
							    rc[b], cap,
							    closed || op == CLOSE);
				cr_assert(bad == NULL, "run %d step %d: %s: %s "
					  "(%s)", run, i, libs[b].name, bad,
					  op_name[op]);
			}
			if (op == CLOSE)
				closed = true;
		}
		libs[0].destroy(q[0]);
		libs[1].destroy(q[1]);
	}
	fprintf(stderr, "crosscheck: %ld steps identical\n", steps);
}

/* ---- threads: blocking scenarios, compared by outcome ----------------- */

struct waiter {
	const struct lib *l;
	pcq_t *q;
	bool is_put;
	uint64_t timeout; /* 0: blocking call */
	void *item;
	int rc;
	uint64_t took_ns, cpu_ns;
	atomic_bool done;
	pthread_t t;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	uint64_t t0 = now_ns();
	if (w->is_put)
		w->rc = w->timeout ? w->l->put_timed(w->q, w->item, w->timeout)
				   : w->l->put(w->q, w->item);
	else
		w->rc = w->timeout ? w->l->get_timed(w->q, &w->item, w->timeout)
				   : w->l->get(w->q, &w->item);
	w->took_ns = now_ns() - t0;
	struct timespec cpu;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
	w->cpu_ns = (uint64_t)cpu.tv_sec * 1000000000ull + (uint64_t)cpu.tv_nsec;
	atomic_store(&w->done, true);
	return NULL;
}

static void start(struct waiter *w, const struct lib *l, pcq_t *q,
		  bool is_put, void *item, uint64_t timeout)
{
	*w = (struct waiter){ .l = l, .q = q, .is_put = is_put, .item = item,
			      .timeout = timeout };
	pthread_create(&w->t, NULL, waiter_main, w);
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

/* Waits (bounded) for the waiter and joins it; false if it never returns. */
static bool finish(struct waiter *w)
{
	for (int i = 0; i < 5000 && !atomic_load(&w->done); i++)
		nap_ms(1);
	if (!atomic_load(&w->done))
		return false;
	pthread_join(w->t, NULL);
	return true;
}

/* Each scenario writes what it observed into `out`; the test compares the
 * two backends' texts. Observations are things the contract fixes: return
 * codes, items, order, whether a call had returned, whether it slept. */
typedef void scenario_fn(const struct lib *l, char *out, size_t n);

/* Appends q's waits to out, and whether each wait slept at least once
 * (every wait of a scenario lasts far longer than any spin). */
static void append_waits(const struct lib *l, pcq_t *q, char *out, size_t n)
{
	struct pcq_stats s;
	l->stats(q, &s);
	size_t len = strlen(out);
	snprintf(out + len, n - len, "; waits put=%llu get=%llu, each slept=%d",
		 (unsigned long long)s.put_waits,
		 (unsigned long long)s.get_waits,
		 s.put_sleeps >= s.put_waits && s.get_sleeps >= s.get_waits);
}

static void run_both(scenario_fn *fn, const char *what)
{
	char out[2][512];
	for (int b = 0; b < 2; b++)
		fn(&libs[b], out[b], sizeof(out[b]));
	fprintf(stderr, "%s: %s\n", what, out[0]);
	cr_assert_str_eq(out[0], out[1], "%s:\n  semaphore: %s\n  atomic:    %s",
			 what, out[0], out[1]);
}

static void getter_blocks_then_put_arrives(const struct lib *l, char *out,
					   size_t n)
{
	pcq_t *q = l->create(2, 0);
	struct waiter w;
	start(&w, l, q, false, NULL, 0);
	nap_ms(300);
	bool early = atomic_load(&w.done);
	int prc = l->put(q, (void *)0x77);
	bool ok = finish(&w);
	/* "slept": under 30 ms of CPU over a wait of more than 300 ms. */
	snprintf(out, n, "returned early=%d; put=%d; get returned=%d rc=%d "
		 "item=%p; slept=%d; size=%zu", early, prc, ok, w.rc, w.item,
		 w.cpu_ns < 30 * MS, l->size(q));
	append_waits(l, q, out, n);
	l->destroy(q);
}

static void putters_blocked_on_full_then_close(const struct lib *l,
					       char *out, size_t n)
{
	pcq_t *q = l->create(1, 0);
	l->put(q, (void *)1);
	struct waiter w[4];
	for (int i = 0; i < 4; i++)
		start(&w[i], l, q, true, (void *)(uintptr_t)(10 + i),
		      i % 2 ? 60000 * MS : 0);
	nap_ms(300);
	int early = 0;
	for (int i = 0; i < 4; i++)
		early += atomic_load(&w[i].done);
	l->close(q);
	int len = snprintf(out, n, "early=%d;", early);
	for (int i = 0; i < 4; i++) {
		bool ok = finish(&w[i]);
		len += snprintf(out + len, n - (size_t)len,
				" putter%d returned=%d rc=%d slept=%d", i, ok,
				w[i].rc, w[i].cpu_ns < 30 * MS);
	}
	void *item = NULL;
	int g1 = l->get(q, &item);
	int g2 = l->get(q, &item);
	snprintf(out + len, n - (size_t)len, "; drain=%d,%d item=%p", g1, g2,
		 item);
	append_waits(l, q, out, n);
	l->destroy(q);
}

static void getters_blocked_on_empty_then_close(const struct lib *l,
						char *out, size_t n)
{
	pcq_t *q = l->create(3, 0);
	struct waiter w[4];
	for (int i = 0; i < 4; i++)
		start(&w[i], l, q, false, NULL, i % 2 ? 60000 * MS : 0);
	nap_ms(300);
	l->close(q);
	int len = 0;
	for (int i = 0; i < 4; i++) {
		bool ok = finish(&w[i]);
		len += snprintf(out + len, n - (size_t)len,
				"getter%d returned=%d rc=%d slept=%d; ", i, ok,
				w[i].rc, w[i].cpu_ns < 30 * MS);
	}
	snprintf(out + len, n - (size_t)len, "put after close=%d",
		 l->put(q, NULL));
	append_waits(l, q, out, n);
	l->destroy(q);
}

static void putter_blocked_released_by_one_get(const struct lib *l,
					       char *out, size_t n)
{
	pcq_t *q = l->create(2, PCQ_SP | PCQ_SC);
	l->put(q, (void *)1);
	l->put(q, (void *)2);
	struct waiter w;
	start(&w, l, q, true, (void *)3, 0);
	nap_ms(300);
	bool early = atomic_load(&w.done);
	void *a = NULL, *b = NULL, *c = NULL;
	int r1 = l->get(q, &a);
	bool ok = finish(&w);
	int r2 = l->get(q, &b);
	int r3 = l->get(q, &c);
	snprintf(out, n, "early=%d; get=%d %p; putter returned=%d rc=%d "
		 "slept=%d; then %d %p, %d %p; try_get=%d", early, r1, a, ok,
		 w.rc, w.cpu_ns < 30 * MS, r2, b, r3, c, l->try_get(q, &c));
	append_waits(l, q, out, n);
	l->destroy(q);
}

static void timed_get_times_out_then_close_cuts_one_short(
	const struct lib *l, char *out, size_t n)
{
	pcq_t *q = l->create(1, 0);
	struct waiter w;
	start(&w, l, q, false, NULL, 100 * MS);
	bool ok = finish(&w);
	bool in_time = w.took_ns >= 100 * MS;
	struct waiter v;
	start(&v, l, q, false, NULL, 60000 * MS);
	nap_ms(100);
	l->close(q);
	bool ok2 = finish(&v);
	snprintf(out, n, "timed get returned=%d rc=%d not early=%d; "
		 "after close returned=%d rc=%d soon=%d", ok, w.rc, in_time,
		 ok2, v.rc, v.took_ns < 5000 * MS);
	append_waits(l, q, out, n);
	l->destroy(q);
}

/* A poller: waits in poll(2) on the get fd, takes what is there with a
 * try until EAGAIN, polls again; stops at EPIPE. Records what it saw. */
struct poller {
	const struct lib *l;
	pcq_t *q;
	int polls, items;
	atomic_int waiting; /* polls begun */
	int rc;
	pthread_t t;
};

static void *poller_main(void *arg)
{
	struct poller *p = arg;
	int fd = p->l->get_fd(p->q);
	for (;;) {
		void *item;
		int rc = p->l->try_get(p->q, &item);
		if (rc == 0) {
			p->items++;
			continue;
		}
		if (rc == EPIPE) {
			p->rc = rc;
			return NULL;
		}
		atomic_fetch_add(&p->waiting, 1);
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		if (poll(&pf, 1, 5000) == 1)
			p->polls++;
	}
}

static void poller_wakes_on_put_and_close(const struct lib *l, char *out,
					  size_t n)
{
	pcq_t *q = l->create(2, 0);
	struct poller p = { .l = l, .q = q, .rc = -1 };
	pthread_create(&p.t, NULL, poller_main, &p);
	nap_ms(300);
	int waiting = atomic_load(&p.waiting);
	int r1 = l->put(q, (void *)1), r2 = l->put(q, (void *)2);
	for (int i = 0; i < 5000 && atomic_load(&p.waiting) < 2; i++)
		nap_ms(1);
	nap_ms(300);
	int items = p.items;
	l->close(q);
	pthread_join(p.t, NULL);
	snprintf(out, n, "poller waiting before the puts: %d; puts %d %d; "
		 "items seen before close: %d; after close rc=%d, items %d",
		 waiting, r1, r2, items, p.rc, p.items);
	append_waits(l, q, out, n);
	l->destroy(q);
}

Test(crosscheck, a_poller_wakes_on_a_put_and_on_close)
{
	run_both(poller_wakes_on_put_and_close, "poller on the get fd");
}

Test(crosscheck, getter_blocks_on_empty_and_the_put_wakes_it)
{
	run_both(getter_blocks_then_put_arrives, "getter blocks, put arrives");
}

Test(crosscheck, putters_blocked_on_full_all_get_epipe_at_close)
{
	run_both(putters_blocked_on_full_then_close,
		 "4 putters blocked on full, close");
}

Test(crosscheck, getters_blocked_on_empty_all_get_epipe_at_close)
{
	run_both(getters_blocked_on_empty_then_close,
		 "4 getters blocked on empty, close");
}

Test(crosscheck, one_get_releases_one_blocked_putter_spsc)
{
	run_both(putter_blocked_released_by_one_get,
		 "putter blocked on full (SPSC), one get");
}

Test(crosscheck, timed_get_times_out_and_close_ends_a_long_one)
{
	run_both(timed_get_times_out_then_close_cuts_one_short,
		 "timed get: timeout, then close");
}
