/*
 * main.c - `bench`: every queue through the same workloads, interleaved.
 *
 * Each repetition runs every (capacity, configuration, queue) once, so a
 * slow moment of the machine hits one run of each queue rather than every
 * run of one queue; the report gives the median of the repetitions. Then
 * each queue is probed alone (round trip, blocked CPU, instructions).
 * A run whose items do not check out ends the bench at once, exit 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "results.h"
#include "run.h"

static const struct queue_ops *const all_queues[] = {
	&queue_pcq_atomic, &queue_pcq_semaphore, &queue_ck_ring, &queue_wfcq,
	&queue_mutex, &queue_pcq_atomic_bulk, &queue_pcq_semaphore_bulk,
	&queue_wfcq_splice, &queue_mutex_bulk, &queue_pcq_atomic_epoll,
	&queue_mutex_eventfd,
};
#define NALL (int)(sizeof all_queues / sizeof *all_queues)

struct options {
	const char *queues, *configs, *caps, *out, *lib_dir, *inject;
	unsigned long long inject_at;
	int reps;
	unsigned batch;
	double budget_s, pingpong_s;
	unsigned long long max_items;
	unsigned blocked_ms;
	bool probes, instr;
};

static void usage(void)
{
	fprintf(stderr,
"usage: bench [options]\n"
"  --queues LIST    of pcq-atomic,pcq-semaphore,ck_ring,cds_wfcq,mutex+cond,\n"
"                   and the bulk cells: pcq-atomic bulk,pcq-semaphore bulk,\n"
"                   cds_wfcq splice,mutex+cond bulk; the event-loop cells:\n"
"                   pcq-atomic epoll,mutex+cond+efd (default: all)\n"
"  --batch N        items per bulk call (default 32; 0: no bulk cells); bulk\n"
"                   and event-loop cells run at the capacities >= N\n"
"  --configs LIST   PxC, PxCs for SPSC (default 1x1s,1x1,2x2,4x4,8x8,1x4,4x1)\n"
"  --caps LIST      capacities (default 1024,8,1)\n"
"  --reps N         interleaved repetitions (default 5)\n"
"  --budget S       seconds per run at most (default 0.15)\n"
"  --items N        items per run at most (default 20000000)\n"
"  --blocked-ms MS  how long the consumer stays blocked (default 1000)\n"
"  --pingpong S     seconds of ping-pong per queue (default 0.3)\n"
"  --no-probes      throughput only; --no-instr: no callgrind\n"
"  --full           the long version: --reps 9 --budget 1 --items 100000000\n"
"  --out DIR        results (default build/bench)\n"
"  --lib-dir DIR    where DIR/atomic/libpcq.so is (default build)\n"
"  --inject drop|dup|swap [--inject-at N]  break every queue once, at put\n"
"                   N (default 1000): the item check must catch it\n"
"  --pairs QUEUE spsc|mpmc N   (for callgrind) N put+get pairs\n");
	exit(2);
}

static const struct queue_ops *find_queue(const char *name)
{
	for (int i = 0; i < NALL; i++)
		if (strcmp(all_queues[i]->name, name) == 0)
			return all_queues[i];
	fprintf(stderr, "bench: no queue named %s\n", name);
	exit(2);
}

/* Splits a comma-separated list in place; returns the count. */
static int split(char *list, char **items, int max)
{
	int n = 0;
	for (char *s = strtok(list, ","); s; s = strtok(NULL, ",")) {
		if (n == max) {
			fprintf(stderr, "bench: more than %d in a list\n", max);
			exit(2);
		}
		items[n++] = s;
	}
	return n;
}

static void parse_lists(const struct options *o, struct results *r)
{
	char buf[1024], *item[MAX_CONFIGS];
	snprintf(buf, sizeof buf, "%s", o->queues);
	r->nqueues = split(buf, item, MAX_QUEUES);
	for (int i = 0; i < r->nqueues; i++)
		r->queues[i] = find_queue(item[i]);
	snprintf(buf, sizeof buf, "%s", o->configs);
	r->nconfigs = split(buf, item, MAX_CONFIGS);
	for (int i = 0; i < r->nconfigs; i++) {
		struct config *c = &r->configs[i];
		char s = 0;
		int n = sscanf(item[i], "%dx%d%c", &c->producers,
			       &c->consumers, &s);
		c->spsc = n == 3 && s == 's';
		if (n < 2 || (n == 3 && s != 's') || c->producers < 1 ||
		    c->consumers < 1 || c->producers > 64 ||
		    c->consumers > 64 ||
		    (c->spsc && (c->producers != 1 || c->consumers != 1))) {
			fprintf(stderr, "bench: bad config %s\n", item[i]);
			exit(2);
		}
		snprintf(c->name, sizeof c->name, "%dP/%dC%s", c->producers,
			 c->consumers, c->spsc ? " SPSC" : "");
	}
	snprintf(buf, sizeof buf, "%s", o->caps);
	r->ncaps = split(buf, item, MAX_CAPS);
	for (int i = 0; i < r->ncaps; i++) {
		r->caps[i] = strtoull(item[i], NULL, 10);
		if (r->caps[i] == 0 || r->caps[i] > (1u << 30)) {
			fprintf(stderr, "bench: bad capacity %s\n", item[i]);
			exit(2);
		}
	}
}

static void parse(int argc, char **argv, struct options *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool used = true;
		if (strcmp(a, "--no-probes") == 0)
			o->probes = false, used = false;
		else if (strcmp(a, "--no-instr") == 0)
			o->instr = false, used = false;
		else if (strcmp(a, "--full") == 0)
			o->reps = 9, o->budget_s = 1, o->max_items = 100000000,
			used = false;
		else if (v == NULL)
			usage();
		else if (strcmp(a, "--queues") == 0)
			o->queues = v;
		else if (strcmp(a, "--configs") == 0)
			o->configs = v;
		else if (strcmp(a, "--caps") == 0)
			o->caps = v;
		else if (strcmp(a, "--reps") == 0)
			o->reps = atoi(v);
		else if (strcmp(a, "--batch") == 0)
			o->batch = (unsigned)atoi(v);
		else if (strcmp(a, "--budget") == 0)
			o->budget_s = atof(v);
		else if (strcmp(a, "--items") == 0)
			o->max_items = strtoull(v, NULL, 10);
		else if (strcmp(a, "--blocked-ms") == 0)
			o->blocked_ms = (unsigned)atoi(v);
		else if (strcmp(a, "--pingpong") == 0)
			o->pingpong_s = atof(v);
		else if (strcmp(a, "--out") == 0)
			o->out = v;
		else if (strcmp(a, "--lib-dir") == 0)
			o->lib_dir = v;
		else if (strcmp(a, "--inject") == 0)
			o->inject = v;
		else if (strcmp(a, "--inject-at") == 0)
			o->inject_at = strtoull(v, NULL, 10);
		else
			usage();
		i += used;
	}
	if (o->reps < 1 || o->reps > MAX_REPS || o->budget_s <= 0 ||
	    o->batch > MAX_BATCH ||
	    o->max_items < 1 || o->max_items > (1ull << 36))
		usage();
}

/* One line, rewritten in place on a terminal; one line per repetition
 * otherwise. */
static void progress(int done, int total, const char *what)
{
	static int tty = -1;
	if (tty == -1)
		tty = isatty(2);
	if (tty)
		fprintf(stderr, "\r\033[K[%d/%d] %s", done, total, what);
	else if (what[0] == '=')
		fprintf(stderr, "%s\n", what);
}

static void progress_end(void)
{
	if (isatty(2))
		fprintf(stderr, "\r\033[K");
}

/* Whether queue q runs at capacity cap: a bulk queue only with a batch,
 * and only where a batch fits. */
static bool runs_at(const struct options *o, const struct queue_ops *q,
		    size_t cap)
{
	return q->get_many == NULL || (o->batch > 0 && cap >= o->batch);
}

static void run_all(const struct options *o, struct results *r)
{
	int total = 0, done = 0;
	for (int k = 0; k < r->ncaps; k++)
		for (int q = 0; q < r->nqueues; q++)
			total += runs_at(o, r->queues[q], r->caps[k]) *
				 r->reps * r->nconfigs;
	char what[160], err[256];
	for (int rep = 0; rep < r->reps; rep++) {
		snprintf(what, sizeof what, "== repetition %d of %d", rep + 1,
			 r->reps);
		progress(done, total, what);
		for (int k = 0; k < r->ncaps; k++)
			for (int c = 0; c < r->nconfigs; c++)
				for (int q = 0; q < r->nqueues; q++) {
			const struct config *cf = &r->configs[c];
			const struct queue_ops *ops = r->queues[q];
			if (!runs_at(o, ops, r->caps[k]))
				continue;
			struct use use = { r->caps[k], cf->producers,
					   cf->consumers, cf->spsc, o->batch };
			snprintf(what, sizeof what, "run %d of %d: capacity %zu,"
				 " %s, %s", rep + 1, r->reps, r->caps[k],
				 cf->name, ops->name);
			progress(done++, total, what);
			struct throughput t;
			if (!run_throughput(ops, &use, o->max_items, o->budget_s,
					    &t, err, sizeof err)) {
				progress_end();
				fprintf(stderr, "bench: FAILED: %s, %s, capacity "
					"%zu: %s\n", ops->name, cf->name,
					r->caps[k], err);
				exit(1);
			}
			struct cell *e = &r->cells[k][c][q];
			e->items_s[e->n] = (double)t.items / t.seconds;
			e->cpu_s_per_m[e->n] = t.cpu_seconds * 1e6 /
					       (double)t.items;
			e->sleeps_per_k[e->n] = t.sleeps < 0 ? -1 :
				t.sleeps * 1e3 / (double)t.items;
			e->n++;
		}
	}
	progress_end();
}

static const struct queue_figures no_figures = {
	.trip = { -1, -1, -1, -1 }, .blocked_cpu_ms = -1, .instr_spsc = -1,
	.instr_mpmc = -1,
};

static void probe_all(const struct options *o, struct results *r,
		      const char *exe)
{
	char what[160];
	for (int q = 0; q < r->nqueues; q++) {
		const struct queue_ops *ops = r->queues[q];
		struct queue_figures *g = &r->figures[q];
		*g = no_figures;
		if (ops->put_many != NULL)
			continue; /* the probes use single calls: as above */
		snprintf(what, sizeof what, "probes: %s: ping-pong", ops->name);
		progress(q, r->nqueues, what);
		if (!probe_roundtrip(ops, o->pingpong_s, &g->trip))
			g->trip = no_figures.trip;
		snprintf(what, sizeof what, "probes: %s: blocked consumer",
			 ops->name);
		progress(q, r->nqueues, what);
		g->blocked_cpu_ms = probe_blocked_cpu_ms(ops, o->blocked_ms);
		if (!o->instr || ops->get_many != NULL)
			continue; /* an event-loop cell runs pcq's own pairs */
		snprintf(what, sizeof what, "probes: %s: callgrind", ops->name);
		progress(q, r->nqueues, what);
		g->instr_spsc = probe_instructions(ops, true, exe, o->out);
		g->instr_mpmc = probe_instructions(ops, false, exe, o->out);
	}
	progress_end();
}

int main(int argc, char **argv)
{
	struct options o = {
		.queues = "pcq-atomic,pcq-semaphore,ck_ring,cds_wfcq,mutex+cond,"
			  "pcq-atomic bulk,pcq-semaphore bulk,cds_wfcq splice,"
			  "mutex+cond bulk,pcq-atomic epoll,mutex+cond+efd",
		.configs = "1x1s,1x1,2x2,4x4,8x8,1x4,4x1", .caps = "1024,8,1",
		.out = "build/bench", .lib_dir = "build", .inject_at = 1000,
		.reps = 5, .batch = 32, .budget_s = 0.15, .pingpong_s = 0.3,
		.max_items = 20000000, .blocked_ms = 1000, .probes = true,
		.instr = true,
	};
	if (argc == 5 && strcmp(argv[1], "--pairs") == 0) {
		if (!pcq_libs_load(o.lib_dir))
			return 1;
		return run_pairs(find_queue(argv[2]),
				  strcmp(argv[3], "spsc") == 0, atol(argv[4]));
	}
	parse(argc, argv, &o);
	if (!pcq_libs_load(o.lib_dir))
		return 1;
	static struct results r;
	parse_lists(&o, &r);
	r.reps = o.reps;
	r.budget_s = o.budget_s;
	r.batch = o.batch;
	r.max_items = o.max_items;
	machine_read(&r);
	if (o.inject) {
		if (r.nqueues != 1) {
			fprintf(stderr, "bench: --inject takes one queue\n");
			return 2;
		}
		for (int q = 0; q < r.nqueues; q++)
			if (!(r.queues[q] = queue_inject(r.queues[q], o.inject,
							 o.inject_at)))
				usage();
		o.probes = false;
	}
	if (mkdir(o.out, 0777) != 0 && errno != EEXIST) {
		perror(o.out);
		return 1;
	}
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	exe[len > 0 ? len : 0] = '\0';

	r.load_before = load_average();
	run_all(&o, &r);
	if (o.probes)
		probe_all(&o, &r, exe);
	else
		for (int q = 0; q < r.nqueues; q++)
			r.figures[q] = no_figures;
	r.load_after = load_average();
	char path[4200];
	snprintf(path, sizeof path, "%s/table.txt", o.out);
	FILE *table = fopen(path, "w");
	if (table == NULL || !report_files(&r, o.out)) {
		perror(o.out);
		return 1;
	}
	FILE *outs[] = { stdout, table };
	for (int i = 0; i < 2; i++) {
		report_throughput(outs[i], &r);
		report_queues(outs[i], &r);
		report_targets(outs[i], &r);
		fprintf(outs[i], "\nitems checked in every run: none lost, "
			"duplicated or reordered.\n");
	}
	if (fclose(table) != 0)
		return 1;
	printf("written: %s/table.txt, throughput.csv, queues.csv, "
	       "plot.dat\n", o.out);
	return 0;
}
