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
		:: j < NP -> run producer(j); j++
		:: else -> break
		od;
		j = 0;
		do
		:: j < NC -> run consumer(j); j++
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
