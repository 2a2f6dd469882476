/*
 * A stand-in for <criterion/criterion.h>, for the sanitizer builds only.
 *
 * Criterion's runner forks through its own memory arena, which
 * ThreadSanitizer cannot run under, and it leaks a little memory that
 * LeakSanitizer rightly reports. So the sanitizer builds compile the same
 * test files against this header and minicrit.c: a small runner with the
 * subset of Criterion's macros the suite uses, one forked child per test,
 * each with its timeout.
 */
#ifndef MINICRIT_H
#define MINICRIT_H

#include <stddef.h>

struct mc_opts {
	double timeout; /* seconds; 0: the runner's default */
};

void mc_register(const char *suite, const char *name, void (*fn)(void),
		 struct mc_opts opts);
__attribute__((noreturn, format(printf, 4, 5))) void
mc_fail(const char *file, int line, const char *expr, const char *fmt, ...);
__attribute__((noreturn)) void mc_skip(const char *why);

#define Test(suite, name, ...)                                              \
	static void suite##_##name(void);                                   \
	__attribute__((constructor)) static void mc_reg_##suite##_##name(   \
		void)                                                       \
	{                                                                   \
		mc_register(#suite, #name, suite##_##name,                  \
			    (struct mc_opts){ __VA_ARGS__ });               \
	}                                                                   \
	static void suite##_##name(void)

#define cr_assert(cond, ...)                                                \
	do {                                                                \
		if (!(cond))                                                \
			mc_fail(__FILE__, __LINE__, #cond, " " __VA_ARGS__); \
	} while (0)
#define cr_assert_not(c, ...) cr_assert(!(c), __VA_ARGS__)
#define cr_assert_eq(a, b, ...) cr_assert((a) == (b), __VA_ARGS__)
#define cr_assert_neq(a, b, ...) cr_assert((a) != (b), __VA_ARGS__)
#define cr_assert_lt(a, b, ...) cr_assert((a) < (b), __VA_ARGS__)
#define cr_assert_leq(a, b, ...) cr_assert((a) <= (b), __VA_ARGS__)
#define cr_assert_geq(a, b, ...) cr_assert((a) >= (b), __VA_ARGS__)
#define cr_assert_null(p, ...) cr_assert((p) == NULL, __VA_ARGS__)
#define cr_assert_not_null(p, ...) cr_assert((p) != NULL, __VA_ARGS__)
#define cr_skip_test(why) mc_skip(why)

#endif
