/*
 * sem.pml - the semaphore backend's protocol as coded in
 * src/semaphore/queue.c and src/semaphore/sem_until.c.
 *
 * Semaphores are bytes: sem_post is s++, sem_wait blocks until s > 0 and
 * takes a token in one step, sem_trywait takes one or fails in one step. A
 * timed wait (sem_wait_until with a deadline) may give up at any moment,
 * leaving s unchanged. The critical sections under `mutex` are one atomic
 * step each after the lock (only the closer's and the readers' unlocked
 * look at `closed` can see inside them, and they see it before or after).
 *
 * Mutants (spin -DMUTANT_...; each must produce a counter-example):
 *   SEM_NO_ITEMS_BATON   close posts no baton on items (one post too few)
 *   SEM_NO_SPACES_BATON  close posts no baton on spaces
 *   SEM_NO_REPOST        a getter that took the baton does not pass it on
 *   SEM_EINTR_AS_TOKEN   sem_wait_until takes an EINTR/spurious return
 *                        for a token
 *   SEM_TRYGET_LATE_READ try_get reads `closed` after the failed trywait,
 *                        not before (the order its comment insists on)
 *   SEM_POST_AFTER_UNLOCK put posts `items` after unlocking (the code
 *                        before commit 8c2e600: a get could return EPIPE
 *                        while an item put before the close was held)
 */
#define CLOSED_NOW closed
#define AVAIL (count > 0)
#define LOCALS byte k, v, rc; bool timed, got, was

#include "common.pml"

byte mutex = 1;     /* sem_t mutex */
byte items = 0;     /* sem_t items: count + closed */
byte spaces = CAP;  /* sem_t spaces: free slots + closed */
bool closed;
byte count, put_at, get_at;
byte buf[CAP];

inline lock()
{
	atomic { mutex > 0 -> mutex-- }
}

/* sem_trywait */
inline sem_trywait(s)
{
	atomic {
		if
		:: s > 0 -> s--; got = true
		:: else -> got = false
		fi
	}
}

/* sem_wait_until(s, deadline): 0 with a token, or ETIMEDOUT without one.
 * EINTR and fault-injected spurious returns loop inside it: no effect. */
inline sem_wait_until(s)
{
	if
	:: atomic { s > 0 -> s--; rc = OK }
	:: timed -> rc = ETIMEDOUT
#ifdef MUTANT_SEM_EINTR_AS_TOKEN
	:: atomic { spur > 0 -> spur--; rc = OK }
#endif
	fi
}

/* put_holding_space: called with a `spaces` token. */
inline put_holding_space()
{
	lock();
	if
	:: atomic { closed -> mutex++ };
		atomic { spaces++; rc = EPIPE }  /* pass the baton */
	:: atomic { !closed ->
		buf[put_at] = v;
		put_at = (put_at + 1 == CAP -> 0 : put_at + 1);
		count++;
		assert(count <= CAP);
#ifndef MUTANT_SEM_POST_AFTER_UNLOCK
		items++;  /* before the unlock (commit 8c2e600) */
#endif
		mutex++ };
#ifdef MUTANT_SEM_POST_AFTER_UNLOCK
		items++;  /* the book's order, the code before 8c2e600 */
#endif
		rc = OK
	fi
}

/* get_holding_item: called with an `items` token. */
inline get_holding_item()
{
	lock();
	if
	:: atomic { count == 0 ->
		assert(closed); /* a token but no item: it was the baton */
		mutex++ };
#ifndef MUTANT_SEM_NO_REPOST
		items++;  /* pass the baton to the next getter */
#endif
		rc = EPIPE
	:: atomic { count > 0 ->
		v = buf[get_at];
		buf[get_at] = 0;
		get_at = (get_at + 1 == CAP -> 0 : get_at + 1);
		count--;
		ledger_take(v);
		mutex++ };
		atomic { spaces++; rc = OK }
	fi
}

/* backend_try_put */
inline try_put()
{
	if
	:: closed -> rc = EPIPE
	:: else ->
		sem_trywait(spaces);
		if
		:: got -> put_holding_space()
		:: else -> rc = (closed -> EPIPE : EAGAIN)
		fi
	fi
}

/* backend_put */
inline backend_put()
{
	sem_wait_until(spaces);
	if
	:: rc == OK -> put_holding_space()
	:: else -> rc = (closed -> EPIPE : ETIMEDOUT)
	fi
}

/* backend_try_get: read closed, then look for a token. */
inline try_get()
{
	do
	:: 
#ifndef MUTANT_SEM_TRYGET_LATE_READ
		was = closed;
#endif
		sem_trywait(items);
#ifdef MUTANT_SEM_TRYGET_LATE_READ
		was = closed;
#endif
		if
		:: got -> get_holding_item(); break
		:: else ->
			if
			:: was -> rc = EPIPE; break
			:: else ->
				if
				:: !closed -> rc = EAGAIN; break
				:: else -> skip /* closed while we looked */
				fi
			fi
		fi
	od;
	was = false; got = false
}

/* backend_get */
inline backend_get()
{
	sem_wait_until(items);
	if
	:: rc == OK -> get_holding_item()
	:: else ->
		if
		:: closed -> try_get()
		:: else -> rc = ETIMEDOUT
		fi
	fi
}

/* src/pcq.c put_within + timed_result */
inline pcq_put()
{
	try_put();
	if
	:: rc == EAGAIN && k != TRY ->
		timed = (k == TIMED);
		backend_put();
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
	try_get();
	if
	:: rc == EAGAIN && k != TRY ->
		timed = (k == TIMED);
#if LIVE
		if
		:: c == 0 && k == BLOCK -> gwait = true
		:: else -> skip
		fi;
#endif
		backend_get();
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

/* backend_close: the flag under the mutex, then the batons. */
#ifdef MUTANT_SEM_NO_ITEMS_BATON
#define POST_ITEMS_BATON skip
#else
#define POST_ITEMS_BATON items++
#endif
#ifdef MUTANT_SEM_NO_SPACES_BATON
#define POST_SPACES_BATON skip
#else
#define POST_SPACES_BATON spaces++
#endif
#define POST_BATONS if :: !was -> POST_ITEMS_BATON; POST_SPACES_BATON :: else -> skip fi

inline close_queue()
{
	lock();
	atomic {
		was = closed;
		closed = true;
		mutex++
	};
	POST_BATONS
}

/* All threads returned: the buffer is drained (CLOSE) and the semaphores
 * hold exactly count + closed and free + closed. */
inline final_check()
{
	assert(mutex == 1);
#if NC > 0
	assert(count == 0);
#endif
	assert(items == count + closed);
	assert(spaces == CAP - count + closed)
}

#include "threads.pml"
