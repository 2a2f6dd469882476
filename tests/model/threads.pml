/*
 * threads.pml - the threads of a run, shared by both models. The model
 * including this defines LOCALS (the locals its inlines use), CLOSED_NOW,
 * AVAIL (an item is in the queue), pcq_put(), pcq_get() (the front end of
 * src/pcq.c: a try, then the slow path unless the call is a try),
 * close_queue() and final_check().
 */
proctype producer(byte p)
{
	byte i;
	LOCALS;
	do
	:: i < K ->
		choose_kind(k);
		v = p * 16 + accepted[p];
		pcq_put();
		check_put_result();
		i++
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
	:: choose_kind(k);
		v = NONE;
		pcq_get();
		check_get_result()
	od
#else
	/* No close: take an equal share of the items, blocking. */
	do
	:: i < NP * K / NC ->
		k = BLOCK;
		v = NONE;
		pcq_get();
		assert(rc == OK && v != NONE);
		i++
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
