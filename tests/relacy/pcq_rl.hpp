/*
 * pcq_rl.hpp - the atomic backend's real code, compiled as C++ for Relacy.
 *
 * Included verbatim, unedited: src/pcq.c (the front end), src/atomic/park.h,
 * park.c, spsc.h, mpmc.h, queue.c. Replaced:
 *   <stdatomic.h>  by shim/stdatomic.h: C11 atomics as rl::atomic, every
 *                  memory_order token tagged with its file and line;
 *   policy.h/.c   by a stub that spins a given number of tries;
 *   ring.h         by the transcription of struct pcq below (same fields,
 *                  same order; plain mutable fields become rl::var so that
 *                  Relacy sees races on them); tests/relacy/check_edges.sh
 *                  checks that the field list still matches ring.h;
 *   syscall()      by pcq_rl_syscall: membarrier and futex models;
 *   calloc, aligned_alloc: only so that backend_create compiles as C++
 *                  (the tests build their queue in place, see make_queue).
 *
 * Mutants. A mutant names sites "file:line" (the line of a memory_order
 * token, or of the syscall that is membarrier) and pcq_rl_order weakens
 * the order written there to relaxed. fence_fast() and fence_slow() calls
 * in spsc.h are tagged with their call site, so a fence can be weakened at
 * one caller only ("park.h:77@spsc.h:62"); "@-" means "only when called
 * from park.h/park.c themselves" (the wake-up and announce handshakes).
 */
#ifndef PCQ_RL_HPP
#define PCQ_RL_HPP

#include <relacy/relacy.hpp>

#include <errno.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <stdatomic.h> /* shim/stdatomic.h */

/* relacy.hpp makes errno an rvalue (rl::get_errno()); the sources assign
 * it. One per simulated thread, as the real one. */
static int pcq_rl_errnos[16];
#undef errno
#define errno (pcq_rl_errnos[rl::thread_index()])

/* ---- mutants --------------------------------------------------------- */

struct pcq_rl_site {
	char file[64];
	int line;
	rl::memory_order expect; /* the order the source must have there */
	int caller;              /* 0: any caller; -1: untagged; else tag */
	char caller_file[64];
	long hits;               /* times the order was weakened */
};
static pcq_rl_site pcq_rl_sites[8];
static int pcq_rl_nsites;
static bool pcq_rl_drift; /* a site had another order than expected */
static bool pcq_rl_force_sc; /* -c: every order seq_cst (protocol bugs) */

/* Per thread: the spsc.h call site of the fence_fast/fence_slow call
 * running now (0: none). Consumed by the fence's first order token. */
static const char *pcq_rl_tag_file[16];
static int pcq_rl_tag_line[16];

static const char *pcq_rl_base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

pcq_rl_mo pcq_rl_order(rl::memory_order mo, const char *file, int line)
{
	unsigned t = rl::thread_index();
	const char *tag_file = pcq_rl_tag_file[t];
	int tag_line = pcq_rl_tag_line[t];
	pcq_rl_tag_file[t] = NULL;
	pcq_rl_tag_line[t] = 0;
	if (pcq_rl_force_sc)
		mo = rl::mo_seq_cst;
	pcq_rl_mo o = { mo, file, line };
	for (int i = 0; i < pcq_rl_nsites; i++) {
		pcq_rl_site *s = &pcq_rl_sites[i];
		if (s->line != line || strcmp(s->file, pcq_rl_base(file)) != 0)
			continue;
		if (s->expect != mo) {
			pcq_rl_drift = true;
			continue;
		}
		if (s->caller < 0 && tag_file != NULL)
			continue;
		if (s->caller > 0 &&
		    (tag_file == NULL || tag_line != s->caller ||
		     strcmp(pcq_rl_base(tag_file), s->caller_file) != 0))
			continue;
		s->hits++;
		o.mo = rl::mo_relaxed;
	}
	return o;
}

template <typename F> static F pcq_rl_tag(const char *file, int line, F f)
{
	unsigned t = rl::thread_index();
	pcq_rl_tag_file[t] = file;
	pcq_rl_tag_line[t] = line;
	return f;
}

/* ---- the queue's state: ring.h, transcribed --------------------------- */

#include "park.h"

/* ---- the waiting policy (policy.h), replaced by a count of tries ------ */

/* policy.c only decides how long a wait spins before it enters park.h's
 * protocol; its own atomics are estimates and counts, relaxed and ordered
 * with nothing. The protocol is the same for any spin, and a shorter one
 * makes the search shorter: a wait tries pcq_rl_spin_tries times (-t),
 * then announces itself. */
#define PCQ_POLICY_H
static int pcq_rl_spin_tries = 1;
struct wait_policy {
	atomic_uint_least64_t waits, sleeps; /* counted, as in policy.c */
};
struct spin {
	struct wait_policy *policy;
	int tries;
};
static void spin_start(struct spin *s, struct wait_policy *p, uint64_t)
{
	atomic_fetch_add_explicit(&p->waits, 1, memory_order_relaxed);
	s->policy = p;
	s->tries = 0;
}
static bool spin_on(struct spin *s)
{
	return ++s->tries < pcq_rl_spin_tries;
}
static void spin_sleeping(struct spin *s)
{
	atomic_fetch_add_explicit(&s->policy->sleeps, 1, memory_order_relaxed);
	s->tries = 0;
}
static void spin_end(struct spin *, const struct waitq *) {}
static void policy_init(struct wait_policy *) {}

/* A plain (non-atomic) field, as an rl::var: Relacy reports a data race on
 * any two accesses not ordered by happens-before. */
template <typename T> struct pcq_rl_plain {
	rl::var<T> v;
	pcq_rl_plain() : v(T()) {}
	operator T() const { return v($); }
	pcq_rl_plain &operator=(T x)
	{
		v($) = x;
		return *this;
	}
};

#define PCQ_RING_H /* ring.h's guard: the transcription below replaces it */
#define CACHE_LINE 64

/* ring.h: struct slot. */
struct slot {
	atomic_size_t turn;
	pcq_rl_plain<void *> item;
};

/* ring.h: struct pcq. Same fields, same order (check_edges.sh); _Alignas
 * and the _Static_assert on the layout dropped: layout is not modelled. */
struct pcq {
	size_t capacity;
	bool spsc;
	bool asymmetric;
	size_t index_mask;
	pcq_rl_plain<void *> *ring;
	struct slot *slots;
	atomic_bool closed;

	atomic_size_t put_pos;

	atomic_size_t put_claimed;
	pcq_rl_plain<size_t> put_index;
	pcq_rl_plain<size_t> get_pos_seen;

	atomic_size_t get_pos;

	pcq_rl_plain<size_t> get_index;
	pcq_rl_plain<size_t> put_pos_seen;
	pcq_rl_plain<bool> drained;

	struct waitq items;
	struct waitq spaces;

	struct wait_policy getting;
	struct wait_policy putting;

	/* Only for backend_create's `*q = (struct pcq){...}`, which the
	 * model never runs (rl::atomic cannot be copied). */
	pcq &operator=(const pcq &)
	{
		RL_VERIFY(false);
		return *this;
	}
};

/* ---- the rings, with their fence calls tagged by call site ------------ */

#define fence_fast pcq_rl_tag(__FILE__, __LINE__, fence_fast)
#define fence_slow pcq_rl_tag(__FILE__, __LINE__, fence_slow)
#include "spsc.h"
#include "mpmc.h"
#undef fence_fast
#undef fence_slow

/* ---- the kernel: membarrier and futex --------------------------------- */

/* A seq_cst fence run by thread i at its current point. Relacy keeps the
 * threads' state in one array, so thread i's is found from the caller's. */
template <rl::thread_id_t N> static void pcq_rl_fence_on(unsigned i)
{
	typedef rl::aligned<rl::thread_info<N> > slot_t; /* the array's type */
	slot_t *self = static_cast<slot_t *>(
		static_cast<rl::thread_info<N> *>(rl::ctx().threadx_));
	rl::thread_info<N> *t = self - rl::thread_index() + i;
	RL_VERIFY(t->index_ == i);
	t->atomic_thread_fence_seq_cst(rl::ctx().seq_cst_fence_order_);
}

/* MODELLING CHOICE: membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED). The
 * caller runs a full barrier, then every other thread of the process runs
 * one wherever it is in its program at that moment (the IPI, or the
 * context switch of a thread not running), then the caller another one
 * before the call returns. In Relacy: a seq_cst fence in the caller, one
 * applied to every other thread at its current point, one in the caller.
 * F_w, the waker's half, is then only what it is in the source: a
 * compiler barrier (atomic_signal_fence), which Relacy does not need. */
static void pcq_rl_membarrier(rl::memory_order mo, const char *file, int line)
{
	pcq_rl_mo o = { mo, file, line };
	if (mo == rl::mo_relaxed)
		return; /* a mutant: no barrier anywhere */
	atomic_thread_fence(o);
	unsigned self = rl::thread_index();
	rl::thread_id_t n = rl::ctx().get_thread_count();
	for (unsigned i = 0; i < n; i++) {
		if (i == self)
			continue;
		switch (n) {
		case 2: pcq_rl_fence_on<2>(i); break;
		case 3: pcq_rl_fence_on<3>(i); break;
		case 4: pcq_rl_fence_on<4>(i); break;
		default: RL_VERIFY(!"thread count not modelled");
		}
	}
	atomic_thread_fence(o);
}

/* A futex word's wait queue. The kernel checks the word and queues the
 * waiter under the hash-bucket lock, and FUTEX_WAKE takes the same lock:
 * a mutex plus a condition variable is that. Spurious wake-ups allowed
 * (Relacy injects up to 10 per condvar per execution, random scheduler). */
struct pcq_rl_futex : rl::condvar<rl::condvar_tag_std> {
	rl::mutex m;
	const void *word;
	pcq_rl_futex() : word(NULL)
	{
		rl::condvar<rl::condvar_tag_std>::init(true, $);
	}
	~pcq_rl_futex() { rl::condvar<rl::condvar_tag_std>::deinit($); }
};
static pcq_rl_futex *pcq_rl_futexes[4];

/* Called by each execution's set-up. */
static void pcq_rl_reset(void)
{
	memset(pcq_rl_tag_file, 0, sizeof pcq_rl_tag_file);
	memset(pcq_rl_tag_line, 0, sizeof pcq_rl_tag_line);
}

static pcq_rl_futex *pcq_rl_futex_of(const void *word)
{
	for (int i = 0; i < 4; i++)
		if (pcq_rl_futexes[i] != NULL && pcq_rl_futexes[i]->word == word)
			return pcq_rl_futexes[i];
	RL_VERIFY(!"futex word not registered");
	return NULL;
}

static long pcq_rl_syscall(const char *file, int line, long nr, ...)
{
	va_list ap;
	va_start(ap, nr);
	long rc = 0;
	if (nr == SYS_membarrier) {
		int cmd = va_arg(ap, int);
		if (cmd == MEMBARRIER_CMD_PRIVATE_EXPEDITED) {
			pcq_rl_mo o = pcq_rl_order(rl::mo_seq_cst, file, line);
			pcq_rl_membarrier(o.mo, file, line);
		}
	} else if (nr == SYS_futex) {
		rl::atomic<unsigned> *word =
			va_arg(ap, rl::atomic<unsigned> *);
		int op = va_arg(ap, int);
		unsigned val = va_arg(ap, unsigned);
		const void *timeout = va_arg(ap, const void *);
		pcq_rl_futex *f = pcq_rl_futex_of(word);
		f->m.lock($);
		if (op == FUTEX_WAIT_BITSET_PRIVATE) {
			if (word->load(rl::mo_relaxed, $) != val) {
				errno = EAGAIN;
				rc = -1;
			} else if (f->wait(f->m, timeout != NULL, $) ==
				   rl::sema_wakeup_reason_timeout) {
				errno = ETIMEDOUT;
				rc = -1;
			}
		} else if (op == FUTEX_WAKE_PRIVATE) {
			/* Exactly val waiters (the kernel wakes them under the
			 * bucket lock, so none twice): notify_one val times under
			 * the lock; INT32_MAX (more than there are threads) is
			 * notify_all. */
			if (val >= (unsigned)rl::ctx().get_thread_count())
				f->notify_all($);
			else
				for (unsigned i = 0; i < val; i++)
					f->notify_one($);
		} else {
			RL_VERIFY(!"unmodelled futex op");
		}
		f->m.unlock($);
	} else {
		RL_VERIFY(!"unmodelled system call");
	}
	va_end(ap);
	return rc;
}

/* ---- the rest of the backend and the front end, verbatim ---------------- */

#define syscall(...) pcq_rl_syscall(__FILE__, __LINE__, __VA_ARGS__)
#include "../../src/atomic/park.c"
#undef syscall

/* backend_create is compiled, not run: C's void * conversions. */
struct pcq_rl_voidp {
	void *p;
	template <typename T> operator T *() const { return (T *)p; }
};
#define calloc(n, s) (pcq_rl_voidp{ calloc(n, s) })
#define aligned_alloc(a, s) (pcq_rl_voidp{ aligned_alloc(a, s) })
#include "../../src/atomic/queue.c"
#undef calloc
#undef aligned_alloc

#include "../../src/pcq.c"

#endif
