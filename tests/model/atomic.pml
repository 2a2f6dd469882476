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
#define LOCALS byte k, v, rc, pos, now, idx, turn, seen, slept, tries, claimed, wc; \
	short d; bool ok, fin, timed; byte sw, sk, kk, n, rp, rt

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

#define SPIN_TRIES 1 /* PARK_SPIN_TRIES: any bound gives the same protocol */

short held; /* ghost: items claimed by puts and not yet by gets */

/* futex_wake(&w->seq, kk): wake up to kk of the threads in the kernel,
 * chosen in every possible way. */
inline futex_wake(w, kk)
{
	do
	:: kk == 0 -> break
	:: else ->
		atomic {
			if
			:: (wq[w].inkernel & 2) -> wq[w].inkernel = wq[w].inkernel & ~2
			:: (wq[w].inkernel & 4) -> wq[w].inkernel = wq[w].inkernel & ~4
			:: (wq[w].inkernel & 8) -> wq[w].inkernel = wq[w].inkernel & ~8
			:: (wq[w].inkernel & 16) -> wq[w].inkernel = wq[w].inkernel & ~16
			:: wq[w].inkernel == 0 -> kk = 1
			fi;
			kk--
		}
	od
}

/* waitq_wake_slow(w, n): count the wake-ups (CAS: woken += k, k = the
 * sleepers without one, at most n), then seq++ (release), futex_wake(k). */
inline waitq_wake_slow(w, n)
{
	atomic { sw = wq[w].waiters; sk = wq[w].woken };   /* load sleepers */
	do
	:: atomic {
		kk = (n < sw - sk -> n : sw - sk);
		if
		:: kk == 0 -> sw = 0; sk = 0; break
		:: else -> skip
		fi;
		if  /* CAS sleepers: (sw, sk) -> (sw, sk + kk) */
		:: wq[w].waiters == sw && wq[w].woken == sk ->
			wq[w].woken = sk + kk; ok = true
		:: else -> sw = wq[w].waiters; sk = wq[w].woken; ok = false
		fi
	   };
		if
		:: ok -> break
		:: else -> skip
		fi
	od;
	if
	:: kk > 0 ->
		wq[w].seq++;
		futex_wake(w, kk)
	:: else -> skip
	fi;
	atomic { sw = 0; sk = 0; kk = 0; ok = false }
}

/* waitq_wake(w, n) after F_w: a system call only if some sleeper has no
 * wake-up coming. WAKE_EARLY reads sleepers before the publishing store
 * (READ_WAITERS_EARLY) and decides on that. */
#ifdef MUTANT_WAKE_EARLY
#define READ_WAITERS_EARLY(w) atomic { wc = wq[w].waiters - wq[w].woken }
#define WAKE_DUE(w) (wc != 0)
#else
#define READ_WAITERS_EARLY(w) skip
#define WAKE_DUE(w) (wq[w].woken != wq[w].waiters)
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
		assert(wq[w].woken <= wq[w].waiters)
	}
}

#ifndef SPSC
/* ---- mpmc.h ---- */
byte put_pos = START; /* bit M is POS_CLOSED */
byte get_pos = START;
byte slot_turn[CAP] = START; /* every slot empty for lap START */
byte slot_item[CAP];

/* mpmc_wake_getters/putters: if a sleeper has no wake-up coming, wake one
 * for this slot and one for each slot after it that is ready for the same
 * side (mpmc_reachable: relaxed turn loads, up to capacity in all). */
inline mpmc_wake(w, ahead)
{
	if
	:: WAKE_DUE(w) ->
		wc = 0;
		n = 1;
#ifndef MUTANT_REACHABLE_ONE
		rp = NEXT(pos);
		do
		:: n < CAP ->
			atomic { rt = slot_turn[IDX(rp)];
				ok = (rt == (BASE(rp) + ahead) % M) };
			if
			:: ok -> n++; rp = NEXT(rp)
			:: else -> break
			fi
		:: else -> break
		od;
		atomic { rp = 0; rt = 0; ok = false };
#endif
		waitq_wake_slow(w, n);
		n = 0
	:: else -> wc = 0
	fi
}

inline mpmc_try_put()
{
	pos = put_pos;
	do
	:: pos >= M -> rc = EPIPE; break
	:: else ->
		atomic { idx = IDX(pos); turn = slot_turn[idx]; d = SDIFF(turn, BASE(pos)); turn = 0 };
		if
		:: d == 0 ->
			atomic {  /* CAS put_pos: pos -> next */
				if
				:: put_pos == pos -> put_pos = NEXT(pos); ok = true;
					held++; assert(held <= CAP)
				:: else -> pos = put_pos; ok = false
				fi
			};
			if
			:: ok ->
				READ_WAITERS_EARLY(ITEMS);
				slot_item[idx] = v;
				slot_turn[idx] = (BASE(pos) + 1) % M;  /* R1 */
#ifdef FIX_MPMC_CLOSED_PUT_WAKES_ALL
				if
				:: put_pos >= M -> waitq_wake(ITEMS, ALL)
				:: else -> mpmc_wake(ITEMS, 1)
				fi;
#else
				mpmc_wake(ITEMS, 1);  /* mpmc_wake_getters */
#endif
				rc = OK;
				break
			:: else -> skip
			fi
		:: d < 0 ->  /* full, unless put_pos moved on */
			now = put_pos;
			if
			:: now == pos -> rc = EAGAIN; break
			:: else -> pos = now
			fi
		:: d > 0 -> pos = put_pos
		fi
	od;
	atomic { pos = 0; now = 0; idx = 0; turn = 0; d = 0; ok = false }
}

inline mpmc_try_get()
{
	pos = get_pos;
	do
	:: atomic { idx = IDX(pos); turn = slot_turn[idx]; d = SDIFF(turn, BASE(pos) + 1); turn = 0 };
		if
		:: d == 0 ->
			atomic {  /* CAS get_pos: pos -> next */
				if
				:: get_pos == pos -> get_pos = NEXT(pos); ok = true;
					claimed = slot_item[idx]; ledger_take(claimed);
					held--; assert(held >= 0)
				:: else -> pos = get_pos; ok = false
				fi
			};
			if
			:: ok ->
				v = slot_item[idx];
				assert(v == claimed);
				READ_WAITERS_EARLY(SPACES);
				slot_turn[idx] = (BASE(pos) + MASK + 1) % M;  /* R2 */
				mpmc_wake(SPACES, MASK + 1);  /* mpmc_wake_putters */
				rc = OK;
				break
			:: else -> skip
			fi
		:: d < 0 ->  /* not filled for this lap */
			now = put_pos;
#ifdef MUTANT_GET_EPIPE_EARLY
			if
			:: now >= M -> rc = EPIPE; break
			:: else -> skip
			fi;
#endif
			if
			:: POS(now) == pos -> rc = (now >= M -> EPIPE : EAGAIN); break
			:: else ->
				now = get_pos;
				if
				:: now == pos -> rc = EAGAIN; break  /* a put is filling it */
				:: else -> pos = now
				fi
			fi
		:: d > 0 -> pos = get_pos
		fi
	od;
	atomic { pos = 0; now = 0; idx = 0; turn = 0; d = 0; ok = false; claimed = 0 }
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
byte put_claimed = SSTART; /* put_pos + 1 while a put runs */
byte put_index, get_pos_seen = SSTART;  /* the producer's */
byte get_index, put_pos_seen = SSTART;  /* the consumer's */
bool drained;
byte ring[CAP];

inline spsc_try_put()
{
	pos = put_pos;
	fin = false;
	if
	:: DIST(pos, get_pos_seen) == CAP ->
		get_pos_seen = get_pos;  /* A2 */
		if
		:: DIST(pos, get_pos_seen) == CAP ->
			rc = (closed -> EPIPE : EAGAIN); fin = true
		:: else -> skip
		fi
	:: else -> skip
	fi;
	if
	:: fin -> skip
	:: else ->
#ifndef MUTANT_SPSC_NO_CLAIM
		put_claimed = (pos + 1) % SM;  /* C1 */
#endif
		if
		:: closed ->
			put_claimed = pos;
			waitq_wake(ITEMS, 1);
			rc = EPIPE
		:: else ->
			READ_WAITERS_EARLY(ITEMS);
			ring[put_index] = v;
			put_index = (put_index + 1 == CAP -> 0 : put_index + 1);
			atomic { put_pos = (pos + 1) % SM;  /* R1 */
				held++; assert(held <= CAP) };
			waitq_wake(ITEMS, 1);
			rc = OK
		fi
	fi;
	atomic { pos = 0; fin = false }
}

inline spsc_try_get()
{
	pos = get_pos;
	fin = false;
	if
	:: pos == put_pos_seen ->
		put_pos_seen = put_pos;  /* A1 */
		if
		:: pos == put_pos_seen ->  /* spsc_closed_empty */
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
		:: else -> skip
		fi
	:: else -> skip
	fi;
	if
	:: fin -> skip
	:: else ->
		atomic { v = ring[get_index]; ledger_take(v); held--; assert(held >= 0) };
		get_index = (get_index + 1 == CAP -> 0 : get_index + 1);
		READ_WAITERS_EARLY(SPACES);
		get_pos = (pos + 1) % SM;  /* R2 */
		waitq_wake(SPACES, 1);
		rc = OK
	fi;
	atomic { pos = 0; fin = false }
}

#define TRY_PUT spsc_try_put()
#define TRY_GET spsc_try_get()

inline close_ring()
{
	closed = true
}
#endif

/* The attempt of wait_until: try_put_boxed for putters, try_get for getters. */
inline attempt(w)
{
	if
	:: w == SPACES -> TRY_PUT
	:: else -> TRY_GET
	fi
}

/* ---- queue.c wait_until ---- */
inline wait_until(w)
{
	fin = false;
	do
	:: fin -> break
	:: else ->
		tries = 0;
		do
		:: tries < SPIN_TRIES ->
			attempt(w);
			if
			:: rc != EAGAIN -> fin = true; break
			:: else -> tries++
			fi
		:: else -> break
		od;
		tries = 0;
		if
		:: fin -> skip
		:: !fin && timed ->  /* deadline passed while spinning: timed_out */
			attempt(w);
			if
			:: rc == EAGAIN -> rc = ETIMEDOUT
			:: else -> skip
			fi;
			fin = true
		:: !fin ->  /* (a timed call may also still have time) */
#ifdef MUTANT_ANNOUNCE_LATE
			attempt(w);
			waitq_announce(w);
#else
			waitq_announce(w);
			attempt(w);  /* the re-check after F_s */
#endif
			if
			:: rc == EAGAIN -> waitq_sleep(w)
			:: else -> slept = OK
			fi;
#ifdef MUTANT_TIMEOUT_NO_RETRACT
			if
			:: slept != ETIMEDOUT -> waitq_retract(w)
			:: else -> skip
			fi;
#else
			waitq_retract(w);
#endif
			seen = 0;
			if
			:: rc != EAGAIN -> fin = true
			:: slept == ETIMEDOUT ->
				attempt(w);  /* one last look */
				if
				:: rc == EAGAIN -> rc = ETIMEDOUT
				:: else -> skip
				fi;
				fin = true
			:: else ->  /* woken, or spuriously: retry */
#ifdef MUTANT_NO_RECHECK
				rc = OK; fin = true;
#endif
				skip
			fi;
			slept = 0
		fi
	od;
	fin = false
}

/* src/pcq.c put_within / get_within, timed_result */
inline pcq_put()
{
	TRY_PUT;
	if
	:: rc == EAGAIN && k != TRY ->
		timed = (k == TIMED);
		wait_until(SPACES);
		timed = false
	:: else -> skip
	fi;
	if
	:: k == TIMED && rc == EAGAIN -> rc = ETIMEDOUT
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
	:: else -> skip
	fi;
	if
	:: k == TIMED && rc == EAGAIN -> rc = ETIMEDOUT
	:: else -> skip
	fi
}

/* backend_close */
inline close_queue()
{
	close_ring();
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
}

#include "threads.pml"
