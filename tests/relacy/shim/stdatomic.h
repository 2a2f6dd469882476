/*
 * stdatomic.h - C11 atomics for the pcq sources compiled as C++ under
 * Relacy (tests/relacy/README in pcq_rl.hpp). Found before the system
 * header because tests/relacy/shim comes first in the -I list.
 *
 * Every memory_order_* token expands to pcq_rl_order(order, __FILE__,
 * __LINE__): the order *and the source line it is written on*. That is how
 * a mutant names one edge of the real code ("spsc.h:57") and weakens it to
 * relaxed without editing the source (see pcq_rl_order in pcq_rl.hpp).
 */
#ifndef PCQ_RL_STDATOMIC_H
#define PCQ_RL_STDATOMIC_H

#include <relacy/relacy.hpp>
#include <stddef.h>

/* An order as written in the source, with where it was written. */
struct pcq_rl_mo {
	rl::memory_order mo;
	const char *file;
	int line;
};

/* Defined in pcq_rl.hpp: applies the mutant, if this is its site. */
pcq_rl_mo pcq_rl_order(rl::memory_order mo, const char *file, int line);

#define memory_order_relaxed pcq_rl_order(rl::mo_relaxed, __FILE__, __LINE__)
#define memory_order_consume pcq_rl_order(rl::mo_consume, __FILE__, __LINE__)
#define memory_order_acquire pcq_rl_order(rl::mo_acquire, __FILE__, __LINE__)
#define memory_order_release pcq_rl_order(rl::mo_release, __FILE__, __LINE__)
#define memory_order_acq_rel pcq_rl_order(rl::mo_acq_rel, __FILE__, __LINE__)
#define memory_order_seq_cst pcq_rl_order(rl::mo_seq_cst, __FILE__, __LINE__)
typedef pcq_rl_mo memory_order;

typedef rl::atomic<bool> atomic_bool;
typedef rl::atomic<unsigned> atomic_uint;
typedef rl::atomic<int> atomic_int;
typedef rl::atomic<size_t> atomic_size_t;
typedef rl::atomic<uint64_t> atomic_uint_least64_t;

static inline rl::debug_info pcq_rl_info(const pcq_rl_mo &o)
{
	return rl::debug_info("", o.file, o.line);
}

template <typename T>
static inline T atomic_load_explicit(const rl::atomic<T> *p, pcq_rl_mo o)
{
	return p->load(o.mo, pcq_rl_info(o));
}

template <typename T, typename U>
static inline void atomic_store_explicit(rl::atomic<T> *p, U v, pcq_rl_mo o)
{
	p->store((T)v, o.mo, pcq_rl_info(o));
}

template <typename T, typename U>
static inline bool atomic_compare_exchange_weak_explicit(rl::atomic<T> *p,
							 T *expected, U desired,
							 pcq_rl_mo ok,
							 pcq_rl_mo fail)
{
	return p->compare_exchange_weak(*expected, (T)desired, ok.mo,
					pcq_rl_info(ok), fail.mo,
					pcq_rl_info(fail));
}

template <typename T, typename U>
static inline bool atomic_compare_exchange_strong_explicit(rl::atomic<T> *p,
							   T *expected,
							   U desired,
							   pcq_rl_mo ok,
							   pcq_rl_mo fail)
{
	return p->compare_exchange_strong(*expected, (T)desired, ok.mo,
					  pcq_rl_info(ok), fail.mo,
					  pcq_rl_info(fail));
}

/* Initialisation before any other thread can see the object. */
template <typename T, typename U>
static inline void atomic_init(rl::atomic<T> *p, U v)
{
	p->store((T)v, rl::mo_relaxed, rl::debug_info("", __FILE__, __LINE__));
}

template <typename T, typename U>
static inline T atomic_fetch_add_explicit(rl::atomic<T> *p, U v, pcq_rl_mo o)
{
	return p->fetch_add((T)v, o.mo, pcq_rl_info(o));
}

template <typename T, typename U>
static inline T atomic_fetch_sub_explicit(rl::atomic<T> *p, U v, pcq_rl_mo o)
{
	return p->fetch_sub((T)v, o.mo, pcq_rl_info(o));
}

template <typename T, typename U>
static inline T atomic_fetch_or_explicit(rl::atomic<T> *p, U v, pcq_rl_mo o)
{
	return p->fetch_or((T)v, o.mo, pcq_rl_info(o));
}

/* A relaxed fence orders nothing (C11 7.17.4.1); Relacy asserts on one,
 * so a fence weakened by a mutant is simply skipped. */
static inline void atomic_thread_fence(pcq_rl_mo o)
{
	if (o.mo != rl::mo_relaxed)
		rl::atomic_thread_fence(o.mo, pcq_rl_info(o));
}

/* A compiler barrier. pcq uses it only as F_w's asymmetric half
 * (park.h fence_fast), paired with membarrier() in F_s, which pcq_rl.hpp
 * models by running a fence in every thread (pcq_rl_membarrier). Relacy
 * does not model compiler reordering, so there is nothing to do here. */
static inline void atomic_signal_fence(pcq_rl_mo o)
{
	(void)o;
}

#endif
