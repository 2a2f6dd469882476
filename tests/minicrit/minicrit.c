/*
 * minicrit.c - the runner behind tests/minicrit/criterion/criterion.h.
 * Runs every registered test in a child process of its own, two at a time,
 * kills a child that outlives its timeout, and ends with Criterion's
 * synthesis line.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "criterion/criterion.h"

#define MAX_TESTS 256
#define JOBS 2
#define EXIT_SKIP 77

struct test {
	const char *suite, *name;
	void (*fn)(void);
	double timeout;
	pid_t pid;
	double started;
};

static struct test tests[MAX_TESTS];
static int n_tests;

void mc_register(const char *suite, const char *name, void (*fn)(void),
		 struct mc_opts opts)
{
	if (n_tests == MAX_TESTS)
		abort();
	tests[n_tests++] = (struct test){ .suite = suite, .name = name, .fn = fn, .timeout =
		opts.timeout > 0 ? opts.timeout : 30 };
}

void mc_fail(const char *file, int line, const char *expr, const char *fmt,
	     ...)
{
	fprintf(stderr, "%s:%d: Assertion failed: %s\n  ", file, line, expr);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1); /* exit, not _exit: sanitizers report at exit */
}

void mc_skip(const char *why)
{
	fprintf(stderr, "skipped: %s\n", why);
	exit(EXIT_SKIP);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	int next = 0, running = 0, passed = 0, failed = 0, crashed = 0;
	int skipped = 0;
	while (next < n_tests || running > 0) {
		while (running < JOBS && next < n_tests) {
			struct test *t = &tests[next++];
			fflush(NULL);
			t->pid = fork();
			if (t->pid == 0) {
				t->fn();
				exit(0);
			}
			t->started = now_s();
			running++;
		}
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);
		if (pid == 0) {
			for (int i = 0; i < next; i++)
				if (tests[i].pid > 0 &&
				    now_s() - tests[i].started > tests[i].timeout)
					kill(tests[i].pid, SIGKILL);
			usleep(10000);
			continue;
		}
		struct test *t = NULL;
		for (int i = 0; i < next; i++)
			if (tests[i].pid == pid)
				t = &tests[i];
		if (t == NULL)
			continue;
		t->pid = 0;
		running--;
		double took = now_s() - t->started;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			passed++;
			printf("[PASS] %s::%s: (%.2fs)\n", t->suite, t->name, took);
		} else if (WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SKIP) {
			skipped++;
			printf("[SKIP] %s::%s\n", t->suite, t->name);
		} else if (WIFEXITED(status)) {
			failed++;
			printf("[FAIL] %s::%s: (%.2fs)\n", t->suite, t->name, took);
		} else {
			crashed++;
			printf("[FAIL] %s::%s: %s (%.2fs)\n", t->suite, t->name,
			       took > t->timeout ? "Timed out." : "Crashed.",
			       took);
		}
	}
	printf("[====] Synthesis: Tested: %d | Passing: %d | Failing: %d | "
	       "Crashing: %d \n",
	       passed + failed + crashed, passed, failed, crashed);
	if (skipped)
		printf("[====] Skipped: %d\n", skipped);
	return failed + crashed > 0;
}
