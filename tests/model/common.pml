/*
 * common.pml - what both models share: the errno values, the kinds of call
 * (try, timed, blocking), the configuration knobs and the ghost ledger.
 *
 * Configuration (spin -D...; check.sh sets them per run):
 *   NP, NC   producers and consumers (NP + NC <= 4)
 *   K        puts per producer
 *   CAP      capacity (1..3)
 *   CLOSE    1: a closer thread closes the queue at some moment, consumers
 *            get until EPIPE and every call kind may be used;
 *            0: no close, blocking calls only, consumers take NP*K/NC each
 *   KINDS    which calls a thread may choose (bits: 1 try, 2 timed, 4 block)
 *   SPUR     how many spurious returns from a wait the whole run may have
 *   LIVE     1: build the LTL property (a blocked get returns)
 *   BULK     which call sizes a thread may choose (bits: 1 single calls,
 *            2 bulk calls of 2: pcq_put_many/pcq_get_many with n = 2);
 *            a bulk put needs two items left to put, and without close a
 *            bulk get two items left in the consumer's share
 *
 * Items: producer p puts p*16 + s, s = how many of p's items were accepted
 * before (a bulk put of items v, v + 1 moves v + done next).
 * The ledger is checked where an item leaves the queue (its linearization
 * point): it must be the next one of its producer, so a lost, duplicated or
 * reordered item fails an assertion there or in the final check
 * delivered[p] == accepted[p].
 */
#ifndef NP
#define NP 1
#endif
#ifndef NC
#define NC 1
#endif
#ifndef K
#define K 2
#endif
#ifndef CAP
#define CAP 1
#endif
#ifndef CLOSE
#define CLOSE 1
#endif
#ifndef KINDS
#if CLOSE
#define KINDS 7
#else
#define KINDS 4
#endif
#endif
#ifndef SPUR
#define SPUR 1
#endif
#ifndef BULK
#define BULK 1
#endif

#define OK        0
#define EAGAIN    11
#define EPIPE     32
#define ETIMEDOUT 110

#define TRY   1
#define TIMED 2
#define BLOCK 4

#define NONE 255

byte accepted[NP];  /* puts of producer p that returned 0 */
byte delivered[NP]; /* items of producer p that left the queue */
byte spur = SPUR;   /* spurious wake-ups left to happen */
bool gwait;         /* LTL: consumer 0 is inside a blocking get's slow path */

inline choose_kind(k)
{
	if
	:: (KINDS & TRY) -> k = TRY
	:: (KINDS & TIMED) -> k = TIMED
	:: (KINDS & BLOCK) -> k = BLOCK
	fi
}

/* The n of a call: 1, or 2 for a bulk call when `left` (items the thread
 * may still move) allows. Single calls are the bulk ones with n = 1 in both
 * backends (src/backend.h), so n is all that tells them apart. */
inline choose_n(left)
{
	if
	:: (BULK & 1) || left < 2 -> nb = 1
	:: (BULK & 2) && left >= 2 -> nb = 2
	fi
}

/* An item leaves the queue: it must be its producer's next one. */
inline ledger_take(x)
{
	assert(x != NONE);
	assert(x % 16 == delivered[x / 16]);
	delivered[x / 16]++
}

/* Result of a put of nb items as the caller sees it: done of them were
 * put (pcq_put_many's *done; 1 or 0 for a single put), always the first. */
inline check_put_result()
{
	atomic {
		assert(done <= nb);
		accepted[p] = accepted[p] + done;
		if
		:: rc == OK -> assert(done == nb)
		:: rc == EPIPE -> assert(CLOSED_NOW); break
		:: rc == EAGAIN -> assert(k == TRY && done < nb)
		:: rc == ETIMEDOUT -> assert(k == TIMED && done < nb)
		:: else -> assert(false)
		fi
	}
}

/* Result of a get of up to nb items: done = how many (*got), v the first. */
inline check_get_result()
{
	if
	:: rc == OK -> assert(v != NONE && done >= 1 && done <= nb)
	:: rc == EPIPE -> assert(CLOSED_NOW); break
	:: rc == EAGAIN -> assert(k == TRY)
	:: rc == ETIMEDOUT -> assert(k == TIMED)
	:: else -> assert(false)
	fi
}
