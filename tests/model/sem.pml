/*
 * sem.pml - the semaphore backend's protocol as coded in
 * src/semaphore/queue.c and src/semaphore/sem_until.c.
 *
 * Semaphores are bytes: sem_post is s++, sem_wait blocks until s > 0 and
 * takes a token in one step, sem_trywait takes one or fails in one step. A
 * timed wait (sem_wait_until with a deadline) may give up at any moment,
 * leaving s unchanged. The critical sections under `mutex` are one atomic
 * step each after the lock (only the closer's and the readers' unlocked
 * look at `closed` can see inside them, and they see it before or after),
 * except that a put of two items posts its second `items` token in a step
 * of its own, with the unlock: a trywait can see the first without it.
 * Local bookkeeping is folded into the shared step next to it.
 *
 * Bulk calls (-DBULK, common.pml): take_tokens gathers up to n tokens with
 * sem_trywait, one step each; a batch moves in one hold of the mutex;
 * post_tokens posts one token per step. Item j of a put is v + j (v: the
 * call's first item).
 *
 * Mutants (spin -DMUTANT_...; each must produce a counter-example):
 *   SEM_NO_ITEMS_BATON   close posts no baton on items (one post too few)
 *   SEM_NO_SPACES_BATON  close posts no baton on spaces
 *   SEM_NO_REPOST        a getter that took the baton and no item does not
 *                        pass it on
 *   SEM_EINTR_AS_TOKEN   sem_wait_until takes an EINTR/spurious return
 *                        for a token
 *   SEM_TRYGET_LATE_READ try_get reads `closed` after the failed trywait,
 *                        not before (the order its comment insists on)
 *   SEM_POST_AFTER_UNLOCK put posts `items` after unlocking (the code
 *                        before commit 8c2e600: a get could return EPIPE
 *                        while an item put before the close was held); run
 *                        with single puts and with batches
 * and on the bulk paths:
 *   SEM_BULK_NO_REPOST   get_many posts the leftover token back only when it
 *                        got no item (m == 0), not whenever m < k: a batch
 *                        that took an item and the baton drops the baton
 *   SEM_BULK_BATON_ONE   put_many on a closed queue posts one `spaces`
 *                        token back (the baton), not the k it holds
 *   SEM_BULK_WAIT_ALL    put_many's slow path waits (sem_wait) for each of
 *                        the tokens it still needs, holding those it has,
 *                        instead of waiting for one and gathering the rest
 *                        with sem_trywait
 */
#define CLOSED_NOW closed
#define AVAIL (count > 0)
#define LOCALS byte k, v, rc, nb, done, tk, m, j; bool timed, was

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

/* take_tokens(s, want): sem_trywait, one step each, while fewer than want
 * are held (tk counts them, from its value on entry, which is < want) and
 * the last try succeeded. */
inline take_tokens(s, want)
{
	do
	:: atomic { s > 0 -> s--; tk++;
		if
		:: tk >= want -> break
		:: else -> skip
		fi }
	:: atomic { s == 0 -> break }
	od
}

/* post_tokens(s, cnt): cnt > 0 sem_posts, one step each; cnt is consumed. */
inline post_tokens(s, cnt)
{
	do
	:: atomic { s++; cnt--;
		if
		:: cnt == 0 -> break
		:: else -> skip
		fi }
	od
}

/* sem_wait_until(s, deadline): 0 with a token (tk++), or ETIMEDOUT
 * without one. EINTR and fault-injected spurious returns loop inside it:
 * no effect. */
inline sem_wait_until(s)
{
	if
	:: atomic { s > 0 -> s--; tk++; rc = OK }
	:: atomic { timed -> rc = ETIMEDOUT }
#ifdef MUTANT_SEM_EINTR_AS_TOKEN
	:: atomic { spur > 0 -> spur--; tk++; rc = OK }
#endif
	fi
}

/* The critical section's stores: items v + done .. v + done + tk - 1. */
inline store_items()
{
	j = 0;
	do
	:: j < tk ->
		buf[put_at] = v + done + j;
		put_at = (put_at + 1 == CAP -> 0 : put_at + 1);
		j++
	:: else -> break
	od;
	j = 0;
	count = count + tk;
	assert(count <= CAP)
}

/* What a put of tk items returns: backend_try_put_many's result. */
inline put_done()
{
	done = done + tk;
	tk = 0;
	rc = (done == nb -> OK : EAGAIN)
}

/* put_holding_spaces(q, items + done, tk), called with tk (1 or 2)
 * `spaces` tokens taken, after lock(): one hold of the mutex. Its critical
 * section is one step up to the first `items` post; the second post (a
 * trywait may come between them) is a step with the unlock. */
inline put_holding_spaces()
{
	if
	:: atomic { closed -> mutex++; rc = EPIPE
#ifdef MUTANT_SEM_BULK_BATON_ONE
		; tk = 1
#endif
		};
		post_tokens(spaces, tk)  /* pass the baton to the next putter */
#ifndef MUTANT_SEM_POST_AFTER_UNLOCK
	/* post_tokens(items, tk) before the unlock (commit 8c2e600) */
	:: atomic { !closed && tk == 1 -> store_items(); items++; mutex++; put_done() }
	:: atomic { !closed && tk == 2 -> store_items(); items++ };
		atomic { items++; mutex++; put_done() }
#else
	:: atomic { !closed -> store_items(); mutex++; m = tk; put_done() };
		post_tokens(items, m)  /* the book's order, the code before 8c2e600 */
#endif
	fi
}

/* get_holding_items(q, items, tk, &done), called with tk `items` tokens
 * taken, after lock(): takes m = min(tk, count) items in one hold of the
 * mutex (v: the first), posts m `spaces`, and passes a token without an
 * item (the baton) on. */
inline get_holding_items()
{
	atomic {
		m = (tk < count -> tk : count);
		assert(m > 0 || closed);  /* a token but no item: the baton */
		assert(tk - m <= 1);      /* one baton at most */
		j = 0;
		do
		:: j < m ->
			if
			:: j == 0 -> v = buf[get_at]
			:: else -> skip
			fi;
			ledger_take(buf[get_at]);
			buf[get_at] = 0;
			get_at = (get_at + 1 == CAP -> 0 : get_at + 1);
			j++
		:: else -> break
		od;
		j = 0;
		count = count - m;
		mutex++;
		done = m;
		tk = tk - m;  /* the baton, if any */
#ifdef MUTANT_SEM_NO_REPOST
		tk = (m == 0 -> 0 : tk);
#endif
#ifdef MUTANT_SEM_BULK_NO_REPOST
		tk = (m > 0 -> 0 : tk);  /* re-posted only when no item came */
#endif
		rc = (m == 0 -> EPIPE : OK)
	};
	/* post_tokens(spaces, m); if (m < k) post_tokens(items, k - m) */
	do
	:: atomic { m > 0 -> spaces++; m--;
		if
		:: m == 0 && tk == 0 -> break
		:: else -> skip
		fi }
	:: atomic { m == 0 && tk > 0 -> items++; tk--;
		if
		:: tk == 0 -> break
		:: else -> skip
		fi }
	:: m == 0 && tk == 0 -> break  /* (a mutant dropped the baton) */
	od
}

/* backend_try_put_many(q, items, nb, &done) */
inline try_put()
{
	if
	:: atomic { closed -> rc = EPIPE }
	:: !closed ->
		take_tokens(spaces, nb - done);
		if
		:: atomic { tk == 0 -> rc = (closed -> EPIPE : EAGAIN) }
		:: atomic { tk > 0 && mutex > 0 -> mutex-- };  /* lock() */
			put_holding_spaces()
		fi
	fi
}

/* backend_put(q, items, nb, &done, deadline): until all are put, gather
 * tokens; with none, wait for one, then gather the rest. Entered with
 * rc == EAGAIN. */
inline backend_put()
{
	do
	:: rc != EAGAIN -> break
	:: rc == EAGAIN ->
		take_tokens(spaces, nb - done);
		if
		:: atomic { tk > 0 && mutex > 0 -> mutex-- };  /* lock() */
			put_holding_spaces()
		:: tk == 0 ->
			sem_wait_until(spaces);
			if
			:: atomic { rc != OK -> rc = (closed -> EPIPE : ETIMEDOUT); break }
			:: atomic { rc == OK && tk >= nb - done && mutex > 0 -> mutex-- };
				put_holding_spaces()
			:: rc == OK && tk < nb - done ->
#ifdef MUTANT_SEM_BULK_WAIT_ALL
				do  /* sem_wait for each, holding the others */
				:: atomic { tk < nb - done && spaces > 0 -> spaces--; tk++ }
				:: tk >= nb - done -> break
				od;
#else
				take_tokens(spaces, nb - done);
#endif
				lock();
				put_holding_spaces()
			fi
		fi
	od
}

/* backend_try_get_many: read closed, then look for tokens. */
inline try_get()
{
	do
	:: 
#ifndef MUTANT_SEM_TRYGET_LATE_READ
		was = closed;
#endif
		take_tokens(items, nb);
#ifdef MUTANT_SEM_TRYGET_LATE_READ
		was = closed;
#endif
		if
		:: atomic { tk > 0 && mutex > 0 -> mutex--; was = false };  /* lock() */
			get_holding_items();
			break
		:: atomic { tk == 0 && was -> rc = EPIPE; was = false; break }
		:: atomic { tk == 0 && !was && !closed -> rc = EAGAIN; break }
		:: atomic { tk == 0 && !was && closed -> skip }  /* closed while we looked: look again */
		fi
	od
}

/* backend_get(q, items, nb, &done, deadline): wait for one token, then
 * gather up to nb - 1 more. */
inline backend_get()
{
	sem_wait_until(items);
	if
	:: atomic { rc == OK && tk >= nb && mutex > 0 -> mutex-- };  /* lock() */
		get_holding_items()
	:: rc == OK && tk < nb ->
		take_tokens(items, nb);
		lock();
		get_holding_items()
	:: rc != OK && closed ->  /* timed out; closed: items may be left */
		try_get()
	:: atomic { rc != OK && !closed -> rc = ETIMEDOUT }
	fi
}

/* src/pcq.c put_within + timed_result; pcq_put_many and pcq_get_many
 * take the same two steps without timed_result (their slow path never
 * returns EAGAIN: check_*_result would catch it). */
inline pcq_put()
{
	try_put();
	if
	:: atomic { rc == EAGAIN && k != TRY -> timed = (k == TIMED) };
		backend_put()
	:: rc != EAGAIN || k == TRY -> skip
	fi;
	atomic {
		timed = false;
		if
		:: k == TIMED && rc == EAGAIN && nb == 1 -> rc = ETIMEDOUT
		:: else -> skip
		fi
	}
}

inline pcq_get()
{
	try_get();
	if
	:: atomic { rc == EAGAIN && k != TRY -> timed = (k == TIMED) };
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
		skip
	:: rc != EAGAIN || k == TRY -> skip
	fi;
	atomic {
		timed = false;
		if
		:: k == TIMED && rc == EAGAIN && nb == 1 -> rc = ETIMEDOUT
		:: else -> skip
		fi
	}
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
