/*
 * threads.pml - the threads of a run, shared by both models. The model
 * including this defines LOCALS (the locals its inlines use, among them
 * k, v, rc, nb: the call's kind, first item, result and n, and done: how
 * many it moved), CLOSED_NOW, AVAIL (an item is in the queue), pcq_put(),
 * pcq_get() (the front end of src/pcq.c: a try, then the slow path unless
 * the call is a try), close_queue() and final_check().
 */
#define SHARE(c) (NP * K / NC + (c < NP * K % NC -> 1 : 0))

proctype producer(byte p)
{
	byte i;
	LOCALS;
	do
	:: i < K ->
		atomic {
			choose_kind(k);
			choose_n(K - i);
			v = p * 16 + accepted[p];
			done = 0
		};
		pcq_put();
		atomic {
			check_put_result();
			i = i + nb;
			k = 0; v = 0; rc = 0; nb = 0; done = 0  /* dead */
		}
	:: else -> break
	od
}

proctype consumer(byte c)
{
	byte i;
	LOCALS;
#if CLOSE
	/* Get until EPIPE: after close every item must come out. */
	do
	:: atomic {
			choose_kind(k);
			choose_n(2);
			v = NONE;
			done = 0
		};
		pcq_get();
		atomic {
			check_get_result();
			k = 0; v = 0; rc = 0; nb = 0; done = 0  /* dead */
		}
	od
#else
	/* No close: take a share of the items, blocking (equal shares; the
	 * first NP*K % NC consumers take one more). */
	do
	:: i < SHARE(c) ->
		atomic {
			k = BLOCK;
			choose_n(SHARE(c) - i);
			v = NONE;
			done = 0
		};
		pcq_get();
		atomic {
			assert(rc == OK && v != NONE && done >= 1 && done <= nb);
			i = i + done;
			k = 0; v = 0; rc = 0; nb = 0; done = 0  /* dead */
		}
	:: else -> break
	od
#endif
}

#if POLL
#ifndef NPOLL
#define NPOLL 0
#endif
#ifndef NPPOLL
#define NPPOLL 0
#endif
/* A consumer that polls the get fd, as an epoll loop does: waits until the
 * fd is readable (level-triggered), then gets with timeout 0 (try calls,
 * which arm the fd when they find nothing) until EAGAIN, and waits again.
 * Gets until EPIPE, or without close takes its share. The last NPOLL
 * consumers are pollers. */
proctype poller(byte c)
{
	byte i;
	LOCALS;
	do
	::
#if CLOSE == 0
		i == SHARE(c) -> break
	:: i < SHARE(c) ->
#endif
		atomic { assert(FD_HELD(ITEMS)); gwait = (c == 0) };
		atomic { fdready[ITEMS] -> gwait = false };  /* epoll_wait */
		do
		:: atomic {
				k = TRY;
#if CLOSE
				choose_n(2);
#else
				choose_n(SHARE(c) - i);
#endif
				v = NONE;
				done = 0
			};
			pcq_get();
			atomic {
				if
				:: rc == OK -> assert(v != NONE && done >= 1 && done <= nb); i = i + done
				:: rc == EPIPE -> assert(CLOSED_NOW)
				:: else -> assert(rc == EAGAIN)
				fi;
				k = 0; v = 0; nb = 0; done = 0
			};
			if
			:: rc == EPIPE -> goto out
			:: rc == EAGAIN -> break  /* the fd armed: back to epoll_wait */
#if CLOSE == 0
			:: rc == OK && i == SHARE(c) -> break
			:: rc == OK && i < SHARE(c) -> skip
#else
			:: rc == OK -> skip
#endif
			fi
		od;
		rc = 0
	od;
out:
	skip
}

/* A producer that polls the put fd: waits until it is readable, puts with
 * timeout 0 until EAGAIN (a put that finds the queue full arms the fd),
 * and waits again. The last NPPOLL producers are put pollers. */
proctype putpoller(byte p)
{
	byte i;
	LOCALS;
	do
	:: i == K -> break
	:: i < K ->
		atomic { assert(FD_HELD(SPACES)) };
		fdready[SPACES];  /* epoll_wait */
		do
		:: atomic {
				k = TRY;
				choose_n(K - i);
				v = p * 16 + accepted[p];
				done = 0
			};
			pcq_put();
			atomic {
				assert(done <= nb);
				accepted[p] = accepted[p] + done;
				i = i + done;
				if
				:: rc == OK -> assert(done == nb)
				:: rc == EPIPE -> assert(CLOSED_NOW)
				:: else -> assert(rc == EAGAIN && done < nb)
				fi;
				k = 0; v = 0; nb = 0; done = 0
			};
			if
			:: rc == EPIPE -> goto out
			:: rc == EAGAIN || i == K -> break
			:: else -> skip
			fi
		od;
		rc = 0
	od;
out:
	skip
}
#endif

proctype closer()
{
	LOCALS;
	close_queue()
}

init
{
	byte j;
	atomic {
		j = 0;
		do
#if POLL
		:: j < NP - NPPOLL -> run producer(j); j++
		:: j >= NP - NPPOLL && j < NP -> run putpoller(j); j++
#else
		:: j < NP -> run producer(j); j++
#endif
		:: else -> break
		od;
		j = 0;
		do
#if POLL
		:: j < NC - NPOLL -> run consumer(j); j++
		:: j >= NC - NPOLL && j < NC -> run poller(j); j++
#else
		:: j < NC -> run consumer(j); j++
#endif
		:: else -> break
		od;
#if CLOSE
		run closer()
#endif
	}
	/* Every thread returned (an invalid end state otherwise). */
	_nr_pr == 1;
	j = 0;
	do
	:: j < NP ->
#if CLOSE == 0
		assert(accepted[j] == K);
#endif
#if NC > 0
		assert(delivered[j] == accepted[j]);
#endif
		j++
	:: else -> break
	od;
	final_check()
}

#if LIVE
/* Under weak fairness: a get waiting in its slow path returns once an item
 * is there or the queue is closed (both always come in these runs). */
ltl get_returns { [] ((gwait && (AVAIL || CLOSED_NOW)) -> <> !gwait) }
#endif
