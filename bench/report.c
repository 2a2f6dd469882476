/*
 * report.c - the tables on the terminal, the CSVs and the plot data. Every
 * output names the machine it was measured on.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results.h"

void machine_read(struct results *r)
{
	r->cores = (int)sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(r->cpu, sizeof r->cpu, "unknown CPU");
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (f == NULL)
		return;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		char *colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) == 0 && colon) {
			char *s = colon + 1 + strspn(colon + 1, " \t");
			s[strcspn(s, "\n")] = '\0';
			snprintf(r->cpu, sizeof r->cpu, "%s", s);
			break;
		}
	}
	fclose(f);
}

double load_average(void)
{
	double load = -1;
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf", &load) != 1)
			load = -1;
		fclose(f);
	}
	return load;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double median(const double *v, int n)
{
	double s[MAX_REPS];
	if (n <= 0)
		return 0;
	memcpy(s, v, (size_t)n * sizeof *s);
	qsort(s, (size_t)n, sizeof *s, cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double min_of(const double *v, int n)
{
	double m = v[0];
	for (int i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static double max_of(const double *v, int n)
{
	double m = v[0];
	for (int i = 1; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

static void machine_line(FILE *f, const struct results *r)
{
	fprintf(f, "machine: %d cores, %s; load average %.2f before, %.2f "
		"after%s\n", r->cores, r->cpu, r->load_before, r->load_after,
		r->load_before > 0.5 || r->load_after > (double)r->cores + 0.5 ?
		" (other processes were running)" : "");
}

/* The median of a cell's sleeps per 1000 items; < 0: not counted. */
static double sleeps_median(const struct cell *e)
{
	return e->n == 0 || e->sleeps_per_k[0] < 0
		       ? -1 : median(e->sleeps_per_k, e->n);
}

void report_throughput(FILE *f, const struct results *r)
{
	machine_line(f, r);
	fprintf(f, "throughput: median of %d interleaved runs, each at most "
		"%.2f s or %llu items\n", r->reps, r->budget_s, r->max_items);
	for (int k = 0; k < r->ncaps; k++) {
		fprintf(f, "\ncapacity %-6zu                         "
			"items/s, millions         CPU s per  sleeps per\n",
			r->caps[k]);
		fprintf(f, "%-11s %-18s %-7s %8s %8s %8s %10s %11s\n", "config",
			"queue", "variant", "median", "min", "max", "M items",
			"1000 items");
		for (int c = 0; c < r->nconfigs; c++) {
			const struct config *cf = &r->configs[c];
			struct use use = { r->caps[k], cf->producers,
					   cf->consumers, cf->spsc, r->batch };
			for (int q = 0; q < r->nqueues; q++) {
				const struct cell *e = &r->cells[k][c][q];
				if (e->n == 0)
					continue;
				fprintf(f, "%-11s %-18s %-7s %8.3f %8.3f %8.3f "
					"%10.3f", q == 0 ? cf->name : "",
					r->queues[q]->name,
					r->queues[q]->variant(&use),
					median(e->items_s, e->n) / 1e6,
					min_of(e->items_s, e->n) / 1e6,
					max_of(e->items_s, e->n) / 1e6,
					median(e->cpu_s_per_m, e->n));
				double sl = sleeps_median(e);
				if (sl < 0)
					fprintf(f, " %11s\n", "-");
				else
					fprintf(f, " %11.2f\n", sl);
			}
		}
	}
}

static void figure(FILE *f, double v, const char *fmt)
{
	if (v < 0)
		fprintf(f, " %9s", "n/a");
	else
		fprintf(f, fmt, v);
}

void report_queues(FILE *f, const struct results *r)
{
	fprintf(f, "\nper queue                     round trip, us    sleeps  "
		"blocked CPU  instr/pair  instr/pair\n");
	fprintf(f, "%-14s %-12s %9s %9s %9s %12s %11s %11s\n", "queue",
		"waits by", "median", "p99", "per trip", "ms per s", "SPSC",
		"MPMC");
	for (int q = 0; q < r->nqueues; q++) {
		const struct queue_ops *o = r->queues[q];
		const struct queue_figures *g = &r->figures[q];
		if (o->put_many != NULL)
			continue; /* bulk cells: no probes */
		fprintf(f, "%-14s %-12s", o->name, o->waits);
		figure(f, g->trip.median_us, " %9.2f");
		figure(f, g->trip.p99_us, " %9.2f");
		if (g->trip.median_us >= 0 && g->trip.sleeps_per_trip < 0)
			fprintf(f, " %9s", "-");
		else
			figure(f, g->trip.sleeps_per_trip, " %9.3f");
		figure(f, g->blocked_cpu_ms, " %12.1f");
		figure(f, g->instr_spsc, " %11.1f");
		figure(f, g->instr_mpmc, " %11.1f");
		fputc('\n', f);
	}
}

static int queue_index(const struct results *r, const char *name)
{
	for (int q = 0; q < r->nqueues; q++)
		if (strcmp(r->queues[q]->name, name) == 0)
			return q;
	return -1;
}

/* Tallies targets met and missed. */
struct tally {
	int missed, checked;
};

static bool judge(struct tally *t, bool met)
{
	t->missed += !met;
	t->checked++;
	return met;
}

/* Prints "x1.23" for a / b, with the target in brackets and a '!' if
 * missed (target 0: no target). */
static void ratio(FILE *f, double a, double b, double target,
		  struct tally *t)
{
	char text[32];
	if (a < 0 || b <= 0) {
		fprintf(f, " %12s", "-");
		return;
	}
	double x = a / b;
	if (target > 0) {
		bool met = judge(t, x >= target);
		snprintf(text, sizeof text, "x%.2f%s[>=%g]", x, met ? " " : "!",
			 target);
	} else {
		snprintf(text, sizeof text, "x%.2f", x);
	}
	fprintf(f, " %12s", text);
}

static double med(const struct results *r, int k, int c, int q, bool cpu)
{
	if (q < 0 || r->cells[k][c][q].n == 0)
		return -1;
	const struct cell *e = &r->cells[k][c][q];
	return median(cpu ? e->cpu_s_per_m : e->items_s, e->n);
}

/* A value against an upper limit: "met" or "MISSED". */
static void below(FILE *f, const char *what, double v, double limit,
		  const char *unit, struct tally *t)
{
	if (v < 0)
		return;
	bool met = judge(t, v <= limit);
	fprintf(f, "  %-44s %8.3f %-9s target <= %g: %s\n", what, v, unit,
		limit, met ? "met" : "MISSED");
}

/* More threads than a 2-core machine has cores: where pcq-atomic must also
 * cost the least CPU per item. */
static bool oversubscribed(const struct config *c)
{
	return (c->producers == 8 && c->consumers == 8) ||
	       (c->producers == 1 && c->consumers == 4) ||
	       (c->producers == 4 && c->consumers == 1);
}

/* The least CPU per item among the other bounded queues of single-item
 * calls (the bulk and event-loop cells are compared among themselves). */
static double best_other_cpu(const struct results *r, int k, int c, int a)
{
	double best = -1;
	for (int q = 0; q < r->nqueues; q++) {
		if (q == a || strcmp(r->queues[q]->bound, "bounded") != 0 ||
		    r->queues[q]->get_many != NULL)
			continue;
		double v = med(r, k, c, q, true);
		if (v > 0 && (best < 0 || v < best))
			best = v;
	}
	return best;
}

/* The bulk cells: pcq-atomic's put_many/get_many against its own single
 * calls (>= 3x at capacity 1024 in 1P/1C SPSC, 1P/1C and 4P/4C) and
 * against every other bulk cell (>= 1x); pcq-semaphore's against its
 * single calls (>= 2x). */
static void report_bulk_targets(FILE *f, const struct results *r,
				struct tally *t)
{
	int ab = queue_index(r, "pcq-atomic bulk");
	int a = queue_index(r, "pcq-atomic");
	int sb = queue_index(r, "pcq-semaphore bulk");
	int s = queue_index(r, "pcq-semaphore");
	int mb = queue_index(r, "mutex+cond bulk");
	int wb = queue_index(r, "cds_wfcq splice");
	bool header = false;
	for (int k = 0; k < r->ncaps; k++)
		for (int c = 0; c < r->nconfigs; c++) {
			const struct config *cf = &r->configs[c];
			double x = med(r, k, c, ab, false);
			double y = med(r, k, c, sb, false);
			if (x < 0 && y < 0)
				continue;
			if (!header) {
				fprintf(f, "\nbulk calls, %u items per call: "
					"pcq-atomic bulk / other cell, median "
					"items/s;\nlast column: pcq-semaphore "
					"bulk / pcq-semaphore\n", r->batch);
				fprintf(f, "%-8s %-11s %12s %12s %12s %12s "
					"%12s\n", "capacity", "config",
					"pcq-atomic", "sem bulk", "mutex bulk",
					"wfcq splice", "sem: bulk");
				header = true;
			}
			bool three = r->caps[k] == 1024 &&
				     ((cf->producers == 1 &&
				       cf->consumers == 1) ||
				      (cf->producers == 4 && cf->consumers == 4));
			fprintf(f, "%-8zu %-11s", r->caps[k], cf->name);
			ratio(f, x, med(r, k, c, a, false), three ? 3 : 0, t);
			ratio(f, x, y, 1, t);
			ratio(f, x, med(r, k, c, mb, false), 1, t);
			ratio(f, x, med(r, k, c, wb, false), 1, t);
			ratio(f, y, med(r, k, c, s, false), 2, t);
			fputc('\n', f);
		}
}

/* The event-loop cells: an epoll consumer of pcq-atomic against a pcq_get
 * consumer (>= 0.5x) and against the hand-written mutex+cond+eventfd queue
 * (>= 1x) at capacity 1024, 1P/1C and 4P/1C; its idle CPU (<= 5 ms per s)
 * and its round trip (<= 2x pcq_get's). */
static void report_epoll_targets(FILE *f, const struct results *r,
				 struct tally *t)
{
	int e = queue_index(r, "pcq-atomic epoll");
	int a = queue_index(r, "pcq-atomic");
	int m = queue_index(r, "mutex+cond+efd");
	if (e < 0)
		return;
	fprintf(f, "\nevent loop: consumers wait in epoll, drain with "
		"pcq_get_many(timeout 0);\npcq-atomic epoll / other cell, "
		"median items/s\n%-8s %-11s %12s %14s\n", "capacity", "config",
		"pcq-atomic", "mutex+cond+efd");
	for (int k = 0; k < r->ncaps; k++)
		for (int c = 0; c < r->nconfigs; c++) {
			const struct config *cf = &r->configs[c];
			double x = med(r, k, c, e, false);
			if (x < 0)
				continue;
			bool target = r->caps[k] == 1024 && !cf->spsc &&
				      cf->consumers == 1 &&
				      (cf->producers == 1 || cf->producers == 4);
			fprintf(f, "%-8zu %-11s", r->caps[k], cf->name);
			ratio(f, x, med(r, k, c, a, false), target ? 0.5 : 0,
			      t);
			ratio(f, x, med(r, k, c, m, false), target ? 1 : 0, t);
			fputc('\n', f);
		}
	const struct queue_figures *g = &r->figures[e];
	below(f, "epoll loop idle on an empty queue, CPU", g->blocked_cpu_ms,
	      5, "ms per s", t);
	if (a >= 0 && r->figures[a].trip.median_us > 0)
		below(f, "round trip via epoll / via pcq_get, median",
		      g->trip.median_us / r->figures[a].trip.median_us, 2, "",
		      t);
}

int report_targets(FILE *f, const struct results *r)
{
	int a = queue_index(r, "pcq-atomic"), s = queue_index(r, "pcq-semaphore");
	int m = queue_index(r, "mutex+cond"), ck = queue_index(r, "ck_ring");
	int w = queue_index(r, "cds_wfcq");
	struct tally t = { 0, 0 };
	if (a < 0)
		return 0;
	fprintf(f, "\npcq-atomic / other queue, median items/s (targets in "
		"brackets, ! = missed);\nmax/min: pcq-atomic's spread over the "
		"runs; CPU: least CPU per item of the\nother bounded queues / "
		"pcq-atomic's (>= 1: pcq-atomic costs least)\n");
	fprintf(f, "%-8s %-11s %12s %12s %12s %12s %12s %12s\n", "capacity",
		"config", "semaphore", "mutex+cond", "ck_ring", "cds_wfcq",
		"max/min", "CPU");
	for (int k = 0; k < r->ncaps; k++)
		for (int c = 0; c < r->nconfigs; c++) {
			const struct config *cf = &r->configs[c];
			double x = med(r, k, c, a, false);
			if (x < 0)
				continue;
			const struct cell *e = &r->cells[k][c][a];
			fprintf(f, "%-8zu %-11s", r->caps[k], cf->name);
			ratio(f, x, med(r, k, c, s, false), 5, &t);
			ratio(f, x, med(r, k, c, m, false), 1, &t);
			ratio(f, x, med(r, k, c, ck, false), 1, &t);
			ratio(f, x, med(r, k, c, w, false), 0, &t);
			double spread = max_of(e->items_s, e->n) /
					min_of(e->items_s, e->n);
			bool steady = e->n < 2 || judge(&t, spread <= 3);
			char text[32];
			snprintf(text, sizeof text, "%.2f%s", spread,
				 steady ? " [<=3]" : "![<=3]");
			fprintf(f, " %12s", e->n < 2 ? "-" : text);
			ratio(f, best_other_cpu(r, k, c, a), med(r, k, c, a, true),
			      oversubscribed(cf) ? 1 : 0, &t);
			fputc('\n', f);
		}
	report_bulk_targets(f, r, &t);
	report_epoll_targets(f, r, &t);
	const struct queue_figures *g = &r->figures[a];
	fprintf(f, "\npcq-atomic alone:\n");
	below(f, "consumer blocked 1 s, CPU used", g->blocked_cpu_ms, 5,
	      "ms per s", &t);
	below(f, "ping-pong round trip, median", g->trip.median_us, 2, "us",
	      &t);
	if (ck >= 0 && r->figures[ck].trip.median_us > 0)
		below(f, "ping-pong round trip, median / ck_ring's",
		      g->trip.median_us / r->figures[ck].trip.median_us, 1.5,
		      "", &t);
	below(f, "ping-pong sleeps per round trip", g->trip.sleeps_per_trip,
	      0.01, "", &t);
	/* No more than before the waiting policy, bulk calls and fds: 94.0
	 * and 121.0 (the loop's own instructions included). */
	below(f, "instructions per put+get pair, SPSC", g->instr_spsc, 94.5, "",
	      &t);
	below(f, "instructions per put+get pair, MPMC", g->instr_mpmc, 121.5,
	      "", &t);
	fprintf(f, "\ntargets: %d of %d met", t.checked - t.missed, t.checked);
	fprintf(f, t.missed ? ", %d MISSED (marked above)\n" : "\n", t.missed);
	return t.missed;
}

static FILE *open_in(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f == NULL)
		perror(path);
	return f;
}

bool report_files(const struct results *r, const char *dir)
{
	FILE *t = open_in(dir, "throughput.csv"), *q = open_in(dir, "queues.csv");
	FILE *p = open_in(dir, "plot.dat"), *m = open_in(dir, "machine.txt");
	FILE *files[] = { t, q, p, m };
	bool ok = t && q && p && m;
	if (!ok)
		goto out;
	fprintf(m, "%d cores, %s; load average %.2f before, %.2f after\n",
		r->cores, r->cpu, r->load_before, r->load_after);
	fprintf(t, "cpu,cores,capacity,config,producers,consumers,queue,"
		"variant,waits,bound,runs,items_per_s_median,items_per_s_min,"
		"items_per_s_max,cpu_s_per_million_items,sleeps_per_1000_items\n");
	for (int k = 0; k < r->ncaps; k++) {
		/* A block's columns: the queues that ran at this capacity
		 * (the bulk and event-loop cells skip the small ones). */
		bool ran[MAX_QUEUES] = { false };
		int nran = 0;
		for (int i = 0; i < r->nqueues; i++) {
			for (int c = 0; c < r->nconfigs; c++)
				ran[i] = ran[i] || r->cells[k][c][i].n > 0;
			nran += ran[i];
		}
		fprintf(p, "# capacity %zu, %d queues\nconfig", r->caps[k],
			nran);
		for (int i = 0; i < r->nqueues; i++) {
			const struct queue_ops *o = r->queues[i];
			if (!ran[i])
				continue;
			bool spins = strstr(o->waits, "yield") != NULL;
			bool unbounded = strcmp(o->bound, "unbounded") == 0;
			fprintf(p, " \"%s%s%s%s%s\"", o->name,
				spins || unbounded ? " (" : "",
				unbounded ? "unbounded" : "",
				spins && unbounded ? ", " : "",
				spins ? "spins)" : unbounded ? ")" : "");
		}
		fprintf(p, "\n");
		for (int c = 0; c < r->nconfigs; c++) {
			const struct config *cf = &r->configs[c];
			struct use use = { r->caps[k], cf->producers,
					   cf->consumers, cf->spsc, r->batch };
			fprintf(p, "\"%s\"", cf->name);
			for (int i = 0; i < r->nqueues; i++) {
				const struct queue_ops *o = r->queues[i];
				const struct cell *e = &r->cells[k][c][i];
				if (!ran[i])
					continue;
				if (e->n == 0) {
					fprintf(p, " NaN");
					continue;
				}
				double x = median(e->items_s, e->n);
				fprintf(p, " %.6g", x / 1e6);
				fprintf(t, "\"%s\",%d,%zu,%s,%d,%d,%s,%s,%s,%s,"
					"%d,%.0f,%.0f,%.0f,%.4f,%.3f\n", r->cpu,
					r->cores, r->caps[k], cf->name,
					cf->producers, cf->consumers, o->name,
					o->variant(&use), o->waits, o->bound,
					e->n, x, min_of(e->items_s, e->n),
					max_of(e->items_s, e->n),
					median(e->cpu_s_per_m, e->n),
					sleeps_median(e));
			}
			fprintf(p, "\n");
		}
		fprintf(p, "\n\n");
	}
	fprintf(q, "cpu,cores,queue,waits,bound,roundtrip_us_median,"
		"roundtrip_us_p99,roundtrip_us_mean,sleeps_per_roundtrip,"
		"blocked_cpu_ms_per_s,instr_per_pair_spsc,instr_per_pair_mpmc\n");
	for (int i = 0; i < r->nqueues; i++) {
		const struct queue_figures *g = &r->figures[i];
		fprintf(q, "\"%s\",%d,%s,%s,%s,%.3f,%.3f,%.3f,%.4f,%.2f,%.1f,"
			"%.1f\n", r->cpu, r->cores, r->queues[i]->name,
			r->queues[i]->waits, r->queues[i]->bound,
			g->trip.median_us, g->trip.p99_us, g->trip.mean_us,
			g->trip.sleeps_per_trip, g->blocked_cpu_ms,
			g->instr_spsc, g->instr_mpmc);
	}
out:
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		if (files[i] && fclose(files[i]) != 0)
			ok = false;
	return ok;
}
