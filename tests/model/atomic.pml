/*
 * atomic.pml - the atomic backend's protocol as coded in src/atomic/:
 * the MPMC ring (mpmc.h) or, with -DSPSC, the SPSC ring (spsc.h), the slow
 * path wait_until (queue.c) and the parking protocol (park.h, park.c).
 *
 * Spin interleaves whole statements under sequential consistency, so each
 * atomic load, store, CAS or fetch-op of the C code is one statement here,
 * and the fences F_w/F_s are implicit (see docs/verification-model.md).
 *
 * Counters are a few bits wide so that they wrap within a run. MPMC:
 * positions, turns and get_pos count modulo M = (MASK+1) * 4 (four laps),
 * and POS_CLOSED is the bit just above them; the ring starts in the last
 * lap before the wrap (every slot's turn = that lap's base: the state the
 * code reaches after that many laps), so the wrap comes after CAP puts.
 * Turn differences are read as signed M-bit numbers, as turn_diff does.
 * Runs put at most 4 * CAP items (one wrap of positions), so no thread can
 * hold a position a whole wrap stale (an ABA that needs 2^63 operations in
 * the code).
 * SPSC: put_pos, get_pos and their copies count modulo SM (4, or 2 for
 * capacity 1). The waitq's seq does not wrap within a run.
 *
 * Bulk calls (-DBULK=2 or 3, common.pml): the rings' try calls are the bulk
 * ones (mpmc_try_put_many ... spsc_try_get_many) with n = nb, a put going
 * on from items[done]; the single calls are the same with nb = 1. Item j of
 * a put is v + j (v: the call's first item).
 *
 * The futex: futex_wait(seq, seen) returns at once if seq != seen, else
 * sleeps until a futex_wake picks it; a timed wait may time out at any
 * moment; and up to SPUR times in a run any wait may return spuriously.
 * futex_wake(n) wakes n of the sleepers, chosen in every possible way.
 * The waitq is the code's since commit 9fb4743: one `sleepers` word holding
 * waiters and woken (wake-ups sent, not yet taken back), updated by single
 * atomic steps as the code's fetch_add/CAS loops do.
 *
 * Mutants (spin -DMUTANT_...; each must produce a counter-example):
 *   ANNOUNCE_LATE     the waiter announces itself after the re-check
 *   WAKE_EARLY        wakers read `waiters` before publishing their change
 *   CLOSE_WAKE_ONE    close sends one wake-up per waitq, not all
 *   RETRACT_KEEPS_WOKEN  waitq_retract does not take back a wake-up
 *   REACHABLE_ONE     MPMC publish wakes one getter, not one per item it
 *                     made reachable (the code before commit 9fb4743)
 *   NO_RECHECK        a wake-up (even spurious) is taken as success
 *   TIMEOUT_NO_RETRACT a timed-out waiter does not retract (waiters stays up)
 *   MASK0             MPMC capacity 1 with index_mask 0 (an old bug)
 *   GET_EPIPE_EARLY   MPMC get says EPIPE on a closed ring without checking
 *                     that no put has claimed its position
 *   SPSC_NO_CLAIM     SPSC put without the put_claimed announcement
 *   REACHABLE_STOPS_AT_TAKEN  MPMC publish counts reachable slots only up
 *                     to the first one taken again (the code before the
 *                     fix this model found: capacity 4, two batches,
 *                     three getters, one asleep with an item queued)
 * and on the bulk paths:
 *   BULK_WAKE_RUN     an MPMC batch wakes as many as it put (k), ignoring
 *                     the filled slots after its run
 *   BULK_WAKE_LAST    an MPMC batch counts reachable slots from its last
 *                     position, not its first
 *   BULK_SCAN_FIRST   MPMC put_many claims n slots having checked only the
 *                     first one's turn
 *   SPSC_CLAIM_ONE    SPSC put_many announces put_claimed = pos + 1, not
 *                     pos + k (the bug the contract tests caught)
 *   BULK_RESUME_AT_0  a put that moved some items goes on from items[0],
 *                     not items[done]
 *   NEW_WAIT_NO_RECHECK  a put that moved some items and found the queue
 *                     full again sleeps at once: announces, no re-check
 and on the pollable fds (-DPOLL, below):
 *   FD_NO_RECHECK     poll_arm returns EAGAIN after arming, no re-check
 *   FD_NOT_OWED       waitq_owed ignores FD_ARMED (wakers skip an armed fd)
 *   FD_ARM_LATE       drain, re-check, then set FD_ARMED
 *   FD_DRAIN_LATE     set FD_ARMED, then drain (a write in between is lost)
 *   FD_DISARM_SILENT  waitq_disarm_fd clears FD_ARMED without writing the fd
 *   FD_CLOSE_NO_FIRE  close's wake-ups do not claim and write an armed fd
 *
 * The pollable fds (-DPOLL=1: the get fd on `items`, 2: the put fd on
 * `spaces`, 3: both; made before the threads start, readable): FD_ARMED
 * is `armed[w]`, the eventfd's counter being non-zero the ghost
 * `fdready[w]`. waitq_owed is also true when armed; waitq_wake_slow's CAS
 * clears FD_ARMED and the waker then writes the fd (two steps); every try
 * call (timeout 0) on a side with an fd that finds nothing arms it
 * (poll_arm: drain, CAS set FD_ARMED, re-check, disarm if the re-check
 * proceeds). Pollers (threads.pml) wait until fdready and then call with
 * timeout 0 until EAGAIN.
 *
 * And one repair, to check a proposed fix of the code:
 *   FIX_MPMC_CLOSED_PUT_WAKES_ALL  a put that publishes into a closed ring
 *                     (it claimed its position before the close) wakes
 *                     every sleeping getter, not one
 */
#ifndef CAP
#define CAP 1
#endif
#ifdef SPSC
#undef NP
#undef NC
#define NP 1
#define NC 1
#define CLOSED_NOW closed
#if CAP == 1
#define SM 2
#else
#define SM 4
#endif
#define SSTART (SM - 1)
#define DIST(a, b) (((a) + SM - (b)) % SM)

#else
#define CLOSED_NOW (put_pos >= M)
#ifdef MUTANT_MASK0
#define MASK 0
#else
#if CAP <= 2
#define MASK 1
#else
#define MASK 3
#endif
#endif
#define M ((MASK + 1) * 4)             /* positions count modulo M */
#define START (M - (MASK + 1))         /* the last lap before the wrap */
#define POS(x) ((x) % M)               /* put_pos & ~POS_CLOSED */
#define BASE(x) ((x) - ((x) & MASK))   /* lap_base */
#define NEXT(x) ((((x) & MASK) == CAP - 1 -> ((x) | MASK) + 1 : (x) + 1) % M)
#define IDX(x) ((x) & MASK)
/* turn_diff(a, b): a - b as a signed M-bit number */
#define SDIFF(a, b) (((a) + 2 * M - (b)) % M >= M / 2 -> ((a) + 2 * M - (b)) % M - M : ((a) + 2 * M - (b)) % M)

#endif
#define AVAIL (held > 0)
#ifndef POLL
#define POLL 0
#endif
#if POLL
/* sa: the armed bit as waitq_wake_slow loaded it; ar: this thread's arming
 * or disarming holds the fd (it drained it, or cleared FD_ARMED, and has
 * not yet set FD_ARMED or fired); nf: close's wake-up (FD_CLOSE_NO_FIRE). */
#define PLOCALS ; bool sa, ar, nf
#else
#define PLOCALS
#endif
#define LOCALS byte k, v, rc, pos, now, turn, seen, slept, claimed, wc; \
	short d; bool ok, fin, timed; byte sw, sk, kk, n, rp, rt; \
	byte nb, done, before, moved, end, last, j, room, sc PLOCALS

#include "common.pml"

/* ---- park.h / park.c ---- */
#define ITEMS  0 /* getters sleep here */
#define SPACES 1 /* putters sleep here */
#define ALL    9 /* INT32_MAX: more than there can be sleepers */
typedef waitq_t {
	byte seq;      /* the futex word */
	byte waiters;  /* `sleepers` low half: threads between announce and retract */
	byte woken;    /* `sleepers` high half: wake-ups sent, not taken back */
	byte inkernel  /* ghost: bit _pid set while that thread is in futex_wait */
};
waitq_t wq[2];

#if POLL
/* The pollable fds (-DPOLL: bit 0 the get fd, on ITEMS; bit 1 the put fd,
 * on SPACES), made before any thread starts (pollfd_make(true)). */
bool armed[2];           /* FD_ARMED, bit 31 of `sleepers` */
bool fdready[2] = true;  /* ghost: the eventfd's counter is not 0 */
/* ghost: threads that hold the fd's readiness in their hands: an armer
 * between its drain and its CAS setting FD_ARMED, a waker or disarmer
 * between its CAS clearing FD_ARMED and its write. Readiness is never
 * dropped: fdready || armed || fdbusy > 0, always (FD_HELD). */
byte fdbusy[2];
#define FD_HELD(w) (fdready[w] || armed[w] || fdbusy[w] > 0)
#endif

short held; /* ghost: items claimed by puts and not yet by gets */

/* futex_wake(&w->seq, kk): wake up to kk of the threads in the kernel,
 * chosen in every possible way, in one step: the kernel wakes them under
 * the hash-bucket lock that futex_wait queues under, so one call never
 * wakes a thread twice (a thread it woke cannot sleep again meanwhile). */
inline futex_wake(w, kk)
{
	atomic {
		do
		:: kk == 0 -> break
		:: else ->
			if
			:: (wq[w].inkernel & 2) -> wq[w].inkernel = wq[w].inkernel & ~2
			:: (wq[w].inkernel & 4) -> wq[w].inkernel = wq[w].inkernel & ~4
			:: (wq[w].inkernel & 8) -> wq[w].inkernel = wq[w].inkernel & ~8
			:: (wq[w].inkernel & 16) -> wq[w].inkernel = wq[w].inkernel & ~16
			:: (wq[w].inkernel & 32) -> wq[w].inkernel = wq[w].inkernel & ~32
			:: wq[w].inkernel == 0 -> kk = 1
			fi;
			kk--
		od
	}
}

/* waitq_wake_slow(w, n): count the wake-ups (CAS: woken += k, k = the
 * sleepers without one, at most n), then seq++ (release), futex_wake(k). */
#if POLL
/* The armed bit as this waker's CAS sees it: close's wake-up under
 * FD_CLOSE_NO_FIRE neither sees nor claims it. */
#define ARMED_SEEN(w) (armed[w] && !nf)
#endif
inline waitq_wake_slow(w, n)
{
#if POLL
	/* With FD_ARMED in the word: the CAS also clears it (claims the fd,
	 * FD2), and if it was set the waker writes the fd, whatever k. */
	atomic { sw = wq[w].waiters; sk = wq[w].woken; sa = ARMED_SEEN(w) };
	do
	:: atomic {
		kk = (n < sw - sk -> n : sw - sk);
		if
		:: kk == 0 && !sa -> break  /* next == s: nothing owed */
		:: else -> skip
		fi;
		if  /* CAS sleepers: (sw, sa, sk) -> (sw, 0, sk + kk) */
		:: wq[w].waiters == sw && wq[w].woken == sk && ARMED_SEEN(w) == sa ->
			wq[w].woken = sk + kk;
			if
			:: sa -> armed[w] = false; fdbusy[w]++
			:: else -> skip
			fi;
			break
		:: else -> sw = wq[w].waiters; sk = wq[w].woken; sa = ARMED_SEEN(w)
		fi
	   }
	od;
	if  /* pollfd_fire */
	:: atomic { sa -> fdready[w] = true; fdbusy[w]--; sa = false }
	:: else -> skip
	fi;
#else
	atomic { sw = wq[w].waiters; sk = wq[w].woken };   /* load sleepers */
	do
	:: atomic {
		kk = (n < sw - sk -> n : sw - sk);
		if
		:: kk == 0 -> break
		:: else -> skip
		fi;
		if  /* CAS sleepers: (sw, sk) -> (sw, sk + kk) */
		:: wq[w].waiters == sw && wq[w].woken == sk ->
			wq[w].woken = sk + kk; break
		:: else -> sw = wq[w].waiters; sk = wq[w].woken
		fi
	   }
	od;
#endif
	if
	:: atomic { kk > 0 -> wq[w].seq++ };  /* fetch_add, release */
		futex_wake(w, kk)
	:: kk == 0 -> skip
	fi;
	atomic { sw = 0; sk = 0; kk = 0 }
}

/* waitq_wake(w, n) after F_w: a system call only if some sleeper has no
 * wake-up coming. WAKE_EARLY reads sleepers before the publishing store
 * (READ_WAITERS_EARLY) and decides on that. */
#ifdef MUTANT_WAKE_EARLY
#define READ_WAITERS_EARLY(w) atomic { wc = wq[w].waiters - wq[w].woken }
#define WAKE_DUE(w) (wc != 0)
#else
#define READ_WAITERS_EARLY(w) skip
#if POLL && !defined(MUTANT_FD_NOT_OWED)
/* waitq_owed: a sleeper has none coming, or the fd is armed (FD_NOT_OWED:
 * the armed bit ignored) */
#define WAKE_DUE(w) (wq[w].woken != wq[w].waiters || armed[w])
#else
#define WAKE_DUE(w) (wq[w].woken != wq[w].waiters)
#endif
#endif
inline waitq_wake(w, n)
{
	if
	:: WAKE_DUE(w) -> wc = 0; waitq_wake_slow(w, n)
	:: else -> wc = 0
	fi
}

/* waitq_announce: seen = seq (acquire); waiters++ (fetch_add); F_s */
inline waitq_announce(w)
{
	seen = wq[w].seq;
	wq[w].waiters++
}

/* waitq_sleep = futex_wait(&seq, seen, deadline): 0 or ETIMEDOUT. */
inline waitq_sleep(w)
{
	atomic {
		if
		:: wq[w].seq != seen -> slept = OK          /* EAGAIN: 0 */
		:: wq[w].seq == seen -> wq[w].inkernel = wq[w].inkernel | (1 << _pid); slept = NONE
		fi
	};
	if
	:: slept == NONE ->
		if
		:: (wq[w].inkernel & (1 << _pid)) == 0 -> slept = OK  /* woken */
		:: atomic { timed -> wq[w].inkernel = wq[w].inkernel & ~(1 << _pid); slept = ETIMEDOUT }
		:: atomic { spur > 0 -> spur--; wq[w].inkernel = wq[w].inkernel & ~(1 << _pid); slept = OK }
		fi
	:: else -> skip
	fi
}

/* waitq_retract: leave, taking back a wake-up if one was sent (a CAS loop
 * on sleepers: one atomic update). */
inline waitq_retract(w)
{
	atomic {
		assert(wq[w].waiters > 0);  /* never negative */
		wq[w].waiters--;
#ifndef MUTANT_RETRACT_KEEPS_WOKEN
		if
		:: wq[w].woken > 0 -> wq[w].woken--
		:: else -> skip
		fi;
#endif
		assert(wq[w].woken <= wq[w].waiters);
		seen = 0; slept = 0  /* dead */
	}
}

#ifndef SPSC
/* ---- mpmc.h ---- */
byte put_pos = START; /* bit M is POS_CLOSED */
byte get_pos = START;
byte slot_turn[CAP] = START; /* every slot empty for lap START */
byte slot_item[CAP];

/* mpmc_reachable(q, from, ahead): one for the slot at `from`, and one for
 * each slot after it that is ready for the same side (relaxed turn loads,
 * up to capacity in all). Into n. */
inline mpmc_reachable(from, ahead)
{
	atomic { n = 1; rp = NEXT(from) };
	do
	:: atomic { n + sc < CAP ->
#ifdef MUTANT_REACHABLE_STOPS_AT_TAKEN
		rt = slot_turn[IDX(rp)];
		if
		:: rt == (BASE(rp) + ahead) % M -> n++; rp = NEXT(rp)
		:: else -> break
		fi }
#else
		/* A slot already taken again (by an awake thread: turn past
		 * ready) does not end the run; one not yet ready does. */
		rt = slot_turn[IDX(rp)]; d = SDIFF(rt, (BASE(rp) + ahead) % M);
		if
		:: d == 0 -> n++; rp = NEXT(rp)
		:: d > 0 -> rp = NEXT(rp); sc++
		:: d < 0 -> break
		fi }
#endif
	:: atomic { n + sc >= CAP -> break }
	od;
	atomic { rp = 0; rt = 0; sc = 0; d = 0 }
}

/* How many a call that published positions pos .. last (`moved` of them)
 * wakes, if someone sleeps: mpmc_reachable from its first position. */
#if defined(MUTANT_REACHABLE_ONE)
#define WAKE_COUNT(ahead) n = 1
#elif defined(MUTANT_BULK_WAKE_RUN)
#define WAKE_COUNT(ahead) n = moved
#elif defined(MUTANT_BULK_WAKE_LAST)
#define WAKE_COUNT(ahead) mpmc_reachable(last, ahead)
#else
#define WAKE_COUNT(ahead) mpmc_reachable(pos, ahead)
#endif

/* mpmc_wake_getters(q, pos) after F_w: if a sleeper has no wake-up coming,
 * wake every sleeper if put_pos is closed (the repair), else the count. */
inline mpmc_wake_getters()
{
	if
	:: atomic { WAKE_DUE(ITEMS) -> wc = 0 };
#ifdef FIX_MPMC_CLOSED_PUT_WAKES_ALL
		if
		:: atomic { put_pos >= M -> n = ALL }
		:: put_pos < M -> WAKE_COUNT(1)
		fi;
#else
		WAKE_COUNT(1);
#endif
		waitq_wake_slow(ITEMS, n);
		n = 0
	:: atomic { !WAKE_DUE(ITEMS) -> wc = 0 }
	fi
}

/* mpmc_wake_putters(q, pos): slots handed to the next lap (base + lap). */
inline mpmc_wake_putters()
{
	if
	:: atomic { WAKE_DUE(SPACES) -> wc = 0 };
		WAKE_COUNT(MASK + 1);
		waitq_wake_slow(SPACES, n);
		n = 0
	:: atomic { !WAKE_DUE(SPACES) -> wc = 0 }
	fi
}

/* mpmc_try_put_many(q, items + done, nb - done, &done): the items are
 * v + done, v + done + 1, ... Each turn load decides, in its step, whether
 * the run goes on. */
inline mpmc_try_put()
{
	atomic { pos = put_pos; moved = 0; end = pos };
	do
	:: atomic { pos >= M -> rc = EPIPE; break }
	:: pos < M ->
		/* The run of slots empty for their lap from pos on, up to
		 * nb - done; d: the first slot's turn against its lap base
		 * (the last one read, when the run stops early). */
		do
		:: atomic { turn = slot_turn[IDX(end)]; d = SDIFF(turn, BASE(end)); turn = 0;  /* A2 */
			if
			:: d != 0 -> break
			:: else ->
				end = NEXT(end); moved++;
				if
				:: moved == nb - done -> break
				:: else ->
#ifdef MUTANT_BULK_SCAN_FIRST
					/* the rest taken on trust */
					do
					:: moved < nb - done -> end = NEXT(end); moved++
					:: else -> break
					od;
					break
#else
					skip
#endif
				fi
			fi }
		od;
		if
		:: atomic { moved > 0 ->  /* CAS put_pos: pos -> end */
			if
			:: put_pos == pos -> put_pos = end; ok = true;
				held = held + moved; assert(held <= CAP);
				j = 0; last = pos
			:: else -> pos = put_pos; ok = false; moved = 0; end = pos
			fi };
			if
			:: ok ->
				READ_WAITERS_EARLY(ITEMS);
				do
				:: 
#ifdef MUTANT_BULK_RESUME_AT_0
					slot_item[IDX(last)] = v + j;
#else
					slot_item[IDX(last)] = v + done + j;
#endif
					atomic { slot_turn[IDX(last)] = (BASE(last) + 1) % M;  /* R1 */
						j++;
						if
						:: j == moved -> break
						:: else -> last = NEXT(last)
						fi }
				od;
				mpmc_wake_getters();
				atomic { done = done + moved; rc = (done == nb -> OK : EAGAIN); break }
			:: !ok -> skip
			fi
		:: atomic { moved == 0 && d < 0 ->  /* full, unless put_pos moved on */
			now = put_pos;
			if
			:: now == pos -> rc = EAGAIN; break
			:: else -> pos = now; end = pos
			fi }
		:: atomic { moved == 0 && d > 0 -> pos = put_pos; end = pos }
		fi
	od;
	atomic { pos = 0; now = 0; turn = 0; d = 0; ok = false; moved = 0; end = 0; last = 0; j = 0 }
}

/* mpmc_try_get_many(q, items, nb, &done): v = the first item taken. The
 * items leave the queue at the CAS (the ledger is checked there). */
inline mpmc_try_get()
{
	atomic { pos = get_pos; moved = 0; end = pos };
	do
	:: do
		:: atomic { turn = slot_turn[IDX(end)]; d = SDIFF(turn, BASE(end) + 1); turn = 0;  /* A1 */
			if
			:: d != 0 -> break
			:: else ->
				end = NEXT(end); moved++;
				if
				:: moved == nb -> break
				:: else -> skip
				fi
			fi }
		od;
		if
		:: atomic { moved > 0 ->  /* CAS get_pos: pos -> end */
			if
			:: get_pos == pos -> get_pos = end; ok = true;
				claimed = slot_item[IDX(pos)];
				j = 0; last = pos;
				do
				:: ledger_take(slot_item[IDX(last)]);
					j++;
					if
					:: j == moved -> break
					:: else -> last = NEXT(last)
					fi
				od;
				held = held - moved; assert(held >= 0);
				j = 0; last = pos
			:: else -> pos = get_pos; ok = false; moved = 0; end = pos
			fi };
			if
			:: ok ->
				READ_WAITERS_EARLY(SPACES);
				do
				:: atomic { now = slot_item[IDX(last)];
						if
						:: j == 0 -> v = now; assert(v == claimed)
						:: else -> skip
						fi;
						now = 0 };
					atomic { slot_turn[IDX(last)] = (BASE(last) + MASK + 1) % M;  /* R2 */
						j++;
						if
						:: j == moved -> break
						:: else -> last = NEXT(last)
						fi }
				od;
				mpmc_wake_putters();
				atomic { done = moved; rc = OK; break }
			:: !ok -> skip
			fi
		:: atomic { moved == 0 && d < 0 -> now = put_pos };  /* not filled for this lap */
#ifdef MUTANT_GET_EPIPE_EARLY
			if
			:: now >= M -> rc = EPIPE; break
			:: else -> skip
			fi;
#endif
			if
			:: atomic { POS(now) == pos -> rc = (now >= M -> EPIPE : EAGAIN); break }
			:: atomic { POS(now) != pos -> now = get_pos;
				if
				:: now == pos -> rc = EAGAIN; break  /* a put is filling it */
				:: else -> pos = now; end = pos
				fi }
			fi
		:: atomic { moved == 0 && d > 0 -> pos = get_pos; end = pos }
		fi
	od;
	atomic { pos = 0; now = 0; turn = 0; d = 0; ok = false; claimed = 0; moved = 0; end = 0; last = 0; j = 0 }
}

#define TRY_PUT mpmc_try_put()
#define TRY_GET mpmc_try_get()

inline close_ring()
{
	put_pos = put_pos | M  /* fetch_or POS_CLOSED */
}

#else
/* ---- spsc.h ---- */
bool closed;
byte put_pos = SSTART, get_pos = SSTART;
byte put_claimed = SSTART; /* put_pos + k while a put of k runs */
byte put_index, get_pos_seen = SSTART;  /* the producer's */
byte get_index, put_pos_seen = SSTART;  /* the consumer's */
bool drained;
byte ring[CAP];

/* spsc_try_put_many(q, items + done, nb - done, &done): the items are
 * v + done, v + done + 1, ... The slot stores and put_index (the
 * producer's own) are one step per item. */
inline spsc_try_put()
{
	atomic { pos = put_pos; fin = false; room = CAP - DIST(pos, get_pos_seen) };
	if
	:: atomic { room < nb - done ->
		get_pos_seen = get_pos;  /* A2 */
		room = CAP - DIST(pos, get_pos_seen) };
		if
		:: atomic { room == 0 -> rc = (closed -> EPIPE : EAGAIN); fin = true }
		:: room > 0 -> skip
		fi
	:: room >= nb - done -> skip
	fi;
	if
	:: fin -> skip
	:: atomic { !fin ->
		moved = (nb - done < room -> nb - done : room);
#if defined(MUTANT_SPSC_NO_CLAIM)
		skip };
#elif defined(MUTANT_SPSC_CLAIM_ONE)
		put_claimed = (pos + 1) % SM };  /* C1, one item only */
#else
		put_claimed = (pos + moved) % SM };  /* C1 */
#endif
		if
		:: closed ->
			put_claimed = pos;
			waitq_wake(ITEMS, 1);
			rc = EPIPE
		:: !closed ->
			READ_WAITERS_EARLY(ITEMS);
			j = 0;
			do
			:: atomic {
#ifdef MUTANT_BULK_RESUME_AT_0
				ring[put_index] = v + j;
#else
				ring[put_index] = v + done + j;
#endif
				put_index = (put_index + 1 == CAP -> 0 : put_index + 1);
				j++;
				if
				:: j == moved -> break
				:: else -> skip
				fi }
			od;
			atomic { put_pos = (pos + moved) % SM;  /* R1 */
				held = held + moved; assert(held <= CAP) };
			waitq_wake(ITEMS, 1);
			atomic { done = done + moved; rc = (done == nb -> OK : EAGAIN) }
		fi
	fi;
	atomic { pos = 0; fin = false; room = 0; moved = 0; j = 0 }
}

/* spsc_try_get_many(q, items, nb, &done): v = the first item taken. The
 * ring reads and get_index (the consumer's own) are one step per item;
 * the items leave the queue there. room: the code's `held`. */
inline spsc_try_get()
{
	atomic { pos = get_pos; fin = false; room = DIST(put_pos_seen, pos) };
	if
	:: atomic { room < nb ->
		put_pos_seen = put_pos;  /* A1 */
		room = DIST(put_pos_seen, pos) };
		if
		:: room == 0 ->  /* spsc_closed_empty */
			fin = true;
			if
			:: drained -> rc = EPIPE
			:: else ->
				if
				:: !closed -> rc = EAGAIN
				:: else ->
					if
					:: put_claimed != pos -> rc = EAGAIN
					:: else -> drained = true; rc = EPIPE
					fi
				fi
			fi
		:: room > 0 -> skip
		fi
	:: room >= nb -> skip
	fi;
	if
	:: fin -> skip
	:: !fin ->
		atomic { moved = (nb < room -> nb : room); j = 0 };
		do
		:: atomic { now = ring[get_index]; ledger_take(now);
				held--; assert(held >= 0);
				if
				:: j == 0 -> v = now
				:: else -> skip
				fi;
				now = 0;
				get_index = (get_index + 1 == CAP -> 0 : get_index + 1);
				j++;
				if
				:: j == moved -> break
				:: else -> skip
				fi }
		od;
		READ_WAITERS_EARLY(SPACES);
		get_pos = (pos + moved) % SM;  /* R2 */
		waitq_wake(SPACES, 1);
		atomic { done = moved; rc = OK }
	fi;
	atomic { pos = 0; fin = false; room = 0; moved = 0; j = 0 }
}

#define TRY_PUT spsc_try_put()
#define TRY_GET spsc_try_get()

inline close_ring()
{
	closed = true
}
#endif

/* The attempt of wait_until: try_put_op for putters (the rest of the
 * items, from items[done]), try_get_op for getters. */
inline attempt(w)
{
	if
	:: w == SPACES -> TRY_PUT
	:: else -> TRY_GET
	fi
}

#if POLL
/* ---- park.c waitq_arm_fd, waitq_disarm_fd; queue.c poll_arm ----
 * A call that must not wait found nothing to do (rc == EAGAIN): arm the
 * fd (drain it, CAS set FD_ARMED: FD1; F_s implicit), re-check, and if
 * the re-check can proceed disarm (CAS clear FD_ARMED, and the thread
 * that cleared it writes the fd). Returns the re-check's rc, or EAGAIN
 * without a re-check if the fd was armed already. The mutants:
 *   FD_NO_RECHECK   no re-check after arming
 *   FD_ARM_LATE     drain, re-check, and set FD_ARMED only if that found
 *                   nothing (else write the fd back)
 *   FD_DRAIN_LATE   set FD_ARMED, then drain
 *   FD_DISARM_SILENT  disarm clears FD_ARMED without writing the fd */
inline waitq_disarm_fd(w)
{
	atomic {  /* load sleepers; CAS clear FD_ARMED while it is set */
		if
		:: armed[w] -> armed[w] = false; ar = true; fdbusy[w]++
		:: else -> ar = false
		fi
	};
	if
	:: atomic { ar ->
#ifndef MUTANT_FD_DISARM_SILENT
		fdready[w] = true;  /* pollfd_fire */
#endif
		fdbusy[w]--; ar = false }
	:: else -> skip
	fi
}

inline poll_arm(w)
{
	atomic { ar = !armed[w] };  /* load sleepers: armed already? */
	if
	:: !ar -> skip  /* armed already: EAGAIN */
	:: ar ->
#if defined(MUTANT_FD_ARM_LATE)
		atomic { fdready[w] = false; fdbusy[w]++ };  /* pollfd_drain */
		attempt(w);
		if
		:: rc == EAGAIN ->
			atomic {  /* CAS set FD_ARMED */
				fdbusy[w]--;
				if
				:: armed[w] -> skip
				:: else -> armed[w] = true
				fi;
				ar = false }
		:: else -> atomic { fdready[w] = true; fdbusy[w]--; ar = false }
		fi
#else
#if defined(MUTANT_FD_DRAIN_LATE)
		atomic {  /* CAS set FD_ARMED */
			if
			:: armed[w] -> ar = false
			:: else -> armed[w] = true
			fi };
		if
		:: ar -> atomic { fdready[w] = false }  /* pollfd_drain */
		:: else -> skip
		fi;
#else
		atomic { fdready[w] = false; fdbusy[w]++ };  /* pollfd_drain */
		atomic {  /* CAS set FD_ARMED (FD1), unless another armed it */
			fdbusy[w]--;
			if
			:: armed[w] -> ar = false
			:: else -> armed[w] = true
			fi };
#endif
		if
		:: ar ->
			ar = false;
#ifndef MUTANT_FD_NO_RECHECK
			attempt(w);  /* the re-check after F_s */
			if
			:: rc != EAGAIN -> waitq_disarm_fd(w)
			:: else -> skip
			fi
#else
			skip
#endif
		:: else -> skip
		fi
#endif
	fi
}
#endif

/* ---- queue.c sleep_once: announce, re-check, sleep if that found
 * nothing (a re-check that moved some items and found the queue full
 * again sleeps too: it looked after announcing), retract. ---- */
inline sleep_once(w)
{
#ifdef MUTANT_ANNOUNCE_LATE
	attempt(w);
	waitq_announce(w);
#else
	waitq_announce(w);
	attempt(w);  /* the re-check after F_s */
#endif
	if
	:: rc == EAGAIN ->
		waitq_sleep(w);
		atomic {
			if
			:: slept == ETIMEDOUT -> rc = ETIMEDOUT
			:: else ->
#ifdef MUTANT_NO_RECHECK
				rc = OK  /* the wake-up taken as success */
#else
				skip
#endif
			fi
		}
	:: rc != EAGAIN -> skip
	fi;
#ifdef MUTANT_TIMEOUT_NO_RETRACT
	if
	:: slept != ETIMEDOUT -> waitq_retract(w)
	:: else -> atomic { seen = 0; slept = 0 }
	fi
#else
	waitq_retract(w)
#endif
}

/* ---- queue.c wait_until ----
 * The waiting policy's spin (spin_on) is taken as spent at once: any bound
 * gives the same protocol. `before`: done when this wait began; a put that
 * moved some items and found the queue full again begins a new wait. A
 * timed call may find its deadline passed whenever it is stuck. */
inline wait_until(w)
{
	fin = false;
	before = done;
	do
	:: fin -> break
	:: else ->
		attempt(w);
		if
		:: rc == EAGAIN && done == before ->  /* stuck */
			if
			:: timed ->  /* the deadline passed while spinning */
				attempt(w);  /* timed_out: one last look */
				if
				:: rc == EAGAIN -> rc = ETIMEDOUT
				:: else -> skip
				fi;
				fin = true
			:: true ->  /* (a timed call may also still have time) */
				sleep_once(w);
				if
				:: rc == ETIMEDOUT ->
					attempt(w);  /* timed_out */
					if
					:: rc == EAGAIN -> rc = ETIMEDOUT
					:: else -> skip
					fi;
					fin = true
				:: else -> skip
				fi
			fi
		:: else -> skip
		fi;
		if
		:: fin -> skip
		:: rc != EAGAIN -> fin = true  /* done, or EPIPE */
		:: else ->
#ifdef MUTANT_NEW_WAIT_NO_RECHECK
			if
			:: done != before ->  /* "just found it full": sleep now */
				waitq_announce(w);
				waitq_sleep(w);
				waitq_retract(w)
			:: else -> skip
			fi;
#endif
			before = done  /* moved some: a new wait; else woken: retry */
		fi
	od;
	atomic { fin = false; before = 0 }
}

/* src/pcq.c put_within / get_within, timed_result; pcq_put_many and
 * pcq_get_many take the same two steps without timed_result (their slow
 * path never returns EAGAIN: check_*_result would catch it). */
inline pcq_put()
{
	TRY_PUT;
	if
	:: rc == EAGAIN && k != TRY ->
		timed = (k == TIMED);
		wait_until(SPACES);
		timed = false
#if POLL & 2
	:: rc == EAGAIN && k == TRY -> poll_arm(SPACES)  /* backend_put_poll */
#endif
	:: else -> skip
	fi;
	if
	:: k == TIMED && rc == EAGAIN && nb == 1 -> rc = ETIMEDOUT
	:: else -> skip
	fi
}

inline pcq_get()
{
	TRY_GET;
	if
	:: rc == EAGAIN && k != TRY ->
		timed = (k == TIMED);
#if LIVE
		if
		:: c == 0 && k == BLOCK -> gwait = true
		:: else -> skip
		fi;
#endif
		wait_until(ITEMS);
#if LIVE
		if
		:: c == 0 -> gwait = false
		:: else -> skip
		fi;
#endif
		timed = false
#if POLL & 1
	:: rc == EAGAIN && k == TRY -> poll_arm(ITEMS)  /* backend_get_poll */
#endif
	:: else -> skip
	fi;
	if
	:: k == TIMED && rc == EAGAIN && nb == 1 -> rc = ETIMEDOUT
	:: else -> skip
	fi
}

/* backend_close */
inline close_queue()
{
	close_ring();
#ifdef MUTANT_FD_CLOSE_NO_FIRE
	nf = true;  /* close's wake-ups leave an armed fd alone */
#endif
#ifdef MUTANT_CLOSE_WAKE_ONE
	waitq_wake(ITEMS, 1);
	waitq_wake(SPACES, 1)
#else
	waitq_wake(ITEMS, ALL);
	waitq_wake(SPACES, ALL)
#endif
}

inline final_check()
{
	assert(held == 0);
	assert(wq[ITEMS].waiters == 0 && wq[SPACES].waiters == 0);
	assert(wq[ITEMS].woken == 0 && wq[SPACES].woken == 0);
	assert(wq[ITEMS].inkernel == 0 && wq[SPACES].inkernel == 0)
#if POLL
	;
	assert(fdbusy[ITEMS] == 0 && fdbusy[SPACES] == 0)
#endif
}

#include "threads.pml"
