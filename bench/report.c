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

void report_throughput(FILE *f, const struct results *r)
{
	machine_line(f, r);
	fprintf(f, "throughput: median of %d interleaved runs, each at most "
		"%.2f s or %llu items\n", r->reps, r->budget_s, r->max_items);
	for (int k = 0; k < r->ncaps; k++) {
		fprintf(f, "\ncapacity %-6zu                     "
			"items/s, millions         CPU s per\n", r->caps[k]);
		fprintf(f, "%-11s %-14s %-7s %8s %8s %8s %10s\n", "config",
			"queue", "variant", "median", "min", "max", "M items");
		for (int c = 0; c < r->nconfigs; c++) {
			const struct config *cf = &r->configs[c];
			struct use use = { r->caps[k], cf->producers,
					   cf->consumers, cf->spsc };
			for (int q = 0; q < r->nqueues; q++) {
				const struct cell *e = &r->cells[k][c][q];
				if (e->n == 0)
					continue;
				fprintf(f, "%-11s %-14s %-7s %8.3f %8.3f %8.3f "
					"%10.3f\n", q == 0 ? cf->name : "",
					r->queues[q]->name,
					r->queues[q]->variant(&use),
					median(e->items_s, e->n) / 1e6,
					min_of(e->items_s, e->n) / 1e6,
					max_of(e->items_s, e->n) / 1e6,
					median(e->cpu_s_per_m, e->n));
			}
		}
	}
}

static void figure(FILE *f, double v, const char *fmt)
{
	if (v < 0)
		fprintf(f, " %11s", "n/a");
	else
		fprintf(f, fmt, v);
}

void report_queues(FILE *f, const struct results *r)
{
	fprintf(f, "\nper queue                                    round trip  "
		"blocked CPU  instr/pair  instr/pair\n");
	fprintf(f, "%-14s %-16s %-10s %13s %12s %11s %11s\n", "queue",
		"waits by", "bound", "us", "ms per s", "SPSC", "MPMC");
	for (int q = 0; q < r->nqueues; q++) {
		const struct queue_ops *o = r->queues[q];
		const struct queue_figures *g = &r->figures[q];
		fprintf(f, "%-14s %-16s %-10s", o->name, o->waits, o->bound);
		figure(f, g->roundtrip_us, " %13.2f");
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

/* Prints "x1.23" for a / b, with the target in brackets and a '!' if
 * missed; adds to *missed and *checked. */
static void ratio(FILE *f, double a, double b, double target, int *missed,
		  int *checked)
{
	char text[32];
	if (a < 0 || b <= 0) {
		fprintf(f, " %13s", "-");
		return;
	}
	double x = a / b;
	if (target > 0) {
		bool miss = x < target;
		*missed += miss;
		*checked += 1;
		snprintf(text, sizeof text, "x%.2f%s[>=%g]", x, miss ? "!" : " ",
			 target);
	} else {
		snprintf(text, sizeof text, "x%.2f", x);
	}
	fprintf(f, " %13s", text);
}

static double med(const struct results *r, int k, int c, int q, bool cpu)
{
	if (q < 0 || r->cells[k][c][q].n == 0)
		return -1;
	const struct cell *e = &r->cells[k][c][q];
	return median(cpu ? e->cpu_s_per_m : e->items_s, e->n);
}

static void below(FILE *f, const char *what, double v, double limit,
		  const char *unit, int *missed, int *checked)
{
	if (v < 0)
		return;
	bool miss = v > limit;
	*missed += miss;
	*checked += 1;
	fprintf(f, "  %-38s %8.2f %-9s target <= %g: %s\n", what, v, unit,
		limit, miss ? "MISSED" : "met");
}

int report_targets(FILE *f, const struct results *r)
{
	int a = queue_index(r, "pcq-atomic"), s = queue_index(r, "pcq-semaphore");
	int m = queue_index(r, "mutex+cond"), ck = queue_index(r, "ck_ring");
	int w = queue_index(r, "cds_wfcq");
	int missed = 0, checked = 0;
	if (a < 0)
		return 0;
	fprintf(f, "\npcq-atomic / other queue, median items/s (targets in "
		"brackets, ! = missed);\nlast column: CPU per item, ck_ring / "
		"pcq-atomic (> 1: pcq-atomic costs less)\n");
	fprintf(f, "%-8s %-11s %13s %13s %13s %13s %13s\n", "capacity",
		"config", "semaphore", "mutex+cond", "ck_ring", "cds_wfcq",
		"CPU ck/atomic");
	for (int k = 0; k < r->ncaps; k++)
		for (int c = 0; c < r->nconfigs; c++) {
			const struct config *cf = &r->configs[c];
			double x = med(r, k, c, a, false);
			if (x < 0)
				continue;
			bool spsc = cf->spsc;
			bool eight = cf->producers == 8 && cf->consumers == 8;
			fprintf(f, "%-8zu %-11s", r->caps[k], cf->name);
			ratio(f, x, med(r, k, c, s, false), spsc ? 5 : 2,
			      &missed, &checked);
			ratio(f, x, med(r, k, c, m, false), spsc ? 0 : 1,
			      &missed, &checked);
			ratio(f, x, med(r, k, c, ck, false), 1, &missed,
			      &checked);
			ratio(f, x, med(r, k, c, w, false), 0, &missed,
			      &checked);
			ratio(f, med(r, k, c, ck, true), med(r, k, c, a, true),
			      eight ? 1 : 0, &missed, &checked);
			fputc('\n', f);
		}
	const struct queue_figures *g = &r->figures[a];
	fprintf(f, "\npcq-atomic alone:\n");
	below(f, "consumer blocked 1 s, CPU used", g->blocked_cpu_ms, 5,
	      "ms per s", &missed, &checked);
	below(f, "ping-pong round trip", g->roundtrip_us, 2, "us", &missed,
	      &checked);
	below(f, "instructions per put+get pair, SPSC", g->instr_spsc, 40, "",
	      &missed, &checked);
	below(f, "instructions per put+get pair, MPMC", g->instr_mpmc, 60, "",
	      &missed, &checked);
	fprintf(f, "\ntargets: %d of %d met", checked - missed, checked);
	fprintf(f, missed ? ", %d MISSED (marked above)\n" : "\n", missed);
	return missed;
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
		"items_per_s_max,cpu_s_per_million_items\n");
	for (int k = 0; k < r->ncaps; k++) {
		fprintf(p, "# capacity %zu, %d queues\nconfig", r->caps[k],
			r->nqueues);
		for (int i = 0; i < r->nqueues; i++) {
			const struct queue_ops *o = r->queues[i];
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
					   cf->consumers, cf->spsc };
			fprintf(p, "\"%s\"", cf->name);
			for (int i = 0; i < r->nqueues; i++) {
				const struct queue_ops *o = r->queues[i];
				const struct cell *e = &r->cells[k][c][i];
				if (e->n == 0) {
					fprintf(p, " NaN");
					continue;
				}
				double x = median(e->items_s, e->n);
				fprintf(p, " %.6g", x / 1e6);
				fprintf(t, "\"%s\",%d,%zu,%s,%d,%d,%s,%s,%s,%s,"
					"%d,%.0f,%.0f,%.0f,%.4f\n", r->cpu,
					r->cores, r->caps[k], cf->name,
					cf->producers, cf->consumers, o->name,
					o->variant(&use), o->waits, o->bound,
					e->n, x, min_of(e->items_s, e->n),
					max_of(e->items_s, e->n),
					median(e->cpu_s_per_m, e->n));
			}
			fprintf(p, "\n");
		}
		fprintf(p, "\n\n");
	}
	fprintf(q, "cpu,cores,queue,waits,bound,roundtrip_us,"
		"blocked_cpu_ms_per_s,instr_per_pair_spsc,instr_per_pair_mpmc\n");
	for (int i = 0; i < r->nqueues; i++) {
		const struct queue_figures *g = &r->figures[i];
		fprintf(q, "\"%s\",%d,%s,%s,%s,%.3f,%.2f,%.1f,%.1f\n", r->cpu,
			r->cores, r->queues[i]->name, r->queues[i]->waits,
			r->queues[i]->bound, g->roundtrip_us, g->blocked_cpu_ms,
			g->instr_spsc, g->instr_mpmc);
	}
out:
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		if (files[i] && fclose(files[i]) != 0)
			ok = false;
	return ok;
}
