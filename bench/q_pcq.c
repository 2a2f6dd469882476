/*
 * q_pcq.c - pcq's two backends, side by side in one process. Both
 * libpcq.so export the same pcq_* names, so each is loaded with
 * dlopen(RTLD_LOCAL) and called through its own table of functions: a call
 * through a function pointer, as through the PLT of a shared library.
 * The SPSC use creates the queue with PCQ_SP|PCQ_SC, every other use with
 * no flags.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcq.h"
#include "queue.h"

struct pcq_lib {
	pcq_t *(*create)(size_t, unsigned);
	void (*destroy)(pcq_t *);
	int (*put)(pcq_t *, void *);
	int (*get)(pcq_t *, void **);
	const char *(*backend)(void);
	int (*stats)(const pcq_t *, struct pcq_stats *);
	int (*put_many)(pcq_t *, void *const *, size_t, size_t *, uint64_t);
	int (*get_many)(pcq_t *, void **, size_t, size_t *, uint64_t);
	int (*get_fd)(pcq_t *);
};

static struct pcq_lib atomic_lib, semaphore_lib;

struct pcq_queue {
	const struct pcq_lib *lib;
	pcq_t *q;
	uint64_t id; /* for loop_wait */
};

static bool load(struct pcq_lib *l, const char *dir, const char *backend)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s/libpcq.so", dir, backend);
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		fprintf(stderr, "bench: %s\n", dlerror());
		return false;
	}
	/* POSIX guarantees a dlsym'd function can be called this way. */
#define SYM(f) *(void **)&l->f = dlsym(h, "pcq_" #f)
	SYM(create); SYM(destroy); SYM(put); SYM(get); SYM(backend);
	SYM(stats); /* NULL in a library older than pcq_stats */
	SYM(put_many); SYM(get_many); /* NULL before the bulk calls */
	SYM(get_fd); /* NULL before the pollable fds */
#undef SYM
	if (!l->create || !l->destroy || !l->put || !l->get || !l->backend ||
	    strcmp(l->backend(), backend) != 0) {
		fprintf(stderr, "bench: %s is not the %s backend\n", path,
			backend);
		return false;
	}
	return true;
}

bool pcq_libs_load(const char *dir)
{
	return load(&atomic_lib, dir, "atomic") &&
	       load(&semaphore_lib, dir, "semaphore");
}

static void *create_with(const struct pcq_lib *lib, const struct use *use)
{
	struct pcq_queue *s = malloc(sizeof *s);
	if (s == NULL)
		return NULL;
	s->lib = lib;
	s->id = loop_id();
	s->q = lib->create(use->capacity, use->spsc ? PCQ_SP | PCQ_SC : 0);
	if (s->q == NULL) {
		free(s);
		return NULL;
	}
	return s;
}

static void *atomic_create(const struct use *use)
{
	return create_with(&atomic_lib, use);
}

static void *semaphore_create(const struct use *use)
{
	return create_with(&semaphore_lib, use);
}

static void pcq_destroy_queue(void *arg)
{
	struct pcq_queue *s = arg;
	s->lib->destroy(s->q);
	free(s);
}

static void fail(const char *call, int rc)
{
	fprintf(stderr, "bench: %s returned %d\n", call, rc);
	abort();
}

static void pcq_put_item(void *arg, uint64_t item)
{
	struct pcq_queue *s = arg;
	int rc = s->lib->put(s->q, (void *)(uintptr_t)item);
	if (rc != 0)
		fail("pcq_put", rc);
}

static uint64_t pcq_get_item(void *arg)
{
	struct pcq_queue *s = arg;
	void *item;
	int rc = s->lib->get(s->q, &item);
	if (rc != 0)
		fail("pcq_get", rc);
	return (uintptr_t)item;
}

static uint64_t pcq_sleeps(void *arg)
{
	struct pcq_queue *s = arg;
	struct pcq_stats st;
	if (s->lib->stats == NULL || s->lib->stats(s->q, &st) != 0)
		return SLEEPS_UNKNOWN;
	return st.put_sleeps + st.get_sleeps;
}

static const char *pcq_variant(const struct use *use)
{
	return use->spsc ? "SP|SC" : "-";
}

/* The user's loop: pcq_put and pcq_get called directly, results checked. */
static void pairs_pcq(void *arg, long n)
{
	struct pcq_queue *s = arg;
	const struct pcq_lib *lib = s->lib;
	void *item;
	for (long i = 0; i < n; i++)
		if (lib->put(s->q, (void *)i) != 0 ||
		    lib->get(s->q, &item) != 0)
			fail("pcq_put/pcq_get", -1);
}

/* The bulk calls. Items travel as uint64_t in the harness and as void *
 * in pcq, which never looks at them; both are 8 bytes with one
 * representation here, so a batch goes to pcq as it is, through a type
 * that may alias, with no copy (a user would hand over a void * array). */
_Static_assert(sizeof(void *) == sizeof(uint64_t), "64-bit pointers");
typedef void *item_t __attribute__((may_alias));

static void pcq_put_many_items(void *arg, const uint64_t *items, size_t n)
{
	struct pcq_queue *s = arg;
	size_t done;
	int rc = s->lib->put_many(s->q, (void *const *)(const item_t *)items,
				  n, &done, UINT64_MAX);
	if (rc != 0 || done != n)
		fail("pcq_put_many", rc);
}

static size_t pcq_get_many_items(void *arg, uint64_t *items, size_t max)
{
	struct pcq_queue *s = arg;
	size_t got;
	int rc = s->lib->get_many(s->q, (void **)(item_t *)items, max, &got,
				  UINT64_MAX);
	if (rc != 0)
		fail("pcq_get_many", rc);
	return got;
}

static void *atomic_bulk_create(const struct use *use)
{
	return atomic_lib.put_many ? create_with(&atomic_lib, use) : NULL;
}

static void *semaphore_bulk_create(const struct use *use)
{
	return semaphore_lib.put_many ? create_with(&semaphore_lib, use)
				      : NULL;
}

const struct queue_ops queue_pcq_atomic_bulk = {
	.name = "pcq-atomic bulk", .waits = "spin, futex", .bound = "bounded",
	.create = atomic_bulk_create, .destroy = pcq_destroy_queue,
	.put = pcq_put_item, .get = pcq_get_item, .variant = pcq_variant,
	.pairs = pairs_pcq, .sleeps = pcq_sleeps,
	.put_many = pcq_put_many_items, .get_many = pcq_get_many_items,
};

const struct queue_ops queue_pcq_semaphore_bulk = {
	.name = "pcq-semaphore bulk", .waits = "semaphore", .bound = "bounded",
	.create = semaphore_bulk_create, .destroy = pcq_destroy_queue,
	.put = pcq_put_item, .get = pcq_get_item, .variant = pcq_variant,
	.pairs = pairs_pcq, .sleeps = pcq_sleeps,
	.put_many = pcq_put_many_items, .get_many = pcq_get_many_items,
};

/* The event-loop consumer: it waits only in epoll_wait on pcq_get_fd, and
 * drains with pcq_get_many(timeout 0) until EAGAIN, as docs/examples/
 * epoll.c does (loop.c has its epoll instance). */
static size_t epoll_get_many(void *arg, uint64_t *items, size_t max)
{
	struct pcq_queue *s = arg;
	size_t got;
	int rc;
	while ((rc = s->lib->get_many(s->q, (void **)(item_t *)items, max, &got,
				      0)) == EAGAIN)
		loop_wait(s->id, s->lib->get_fd(s->q));
	if (rc != 0)
		fail("pcq_get_many", rc);
	return got;
}

static void *atomic_epoll_create(const struct use *use)
{
	void *q = atomic_lib.get_fd ? create_with(&atomic_lib, use) : NULL;
	if (q != NULL && atomic_lib.get_fd(((struct pcq_queue *)q)->q) < 0)
		abort();
	return q;
}

const struct queue_ops queue_pcq_atomic_epoll = {
	.name = "pcq-atomic epoll", .waits = "epoll", .bound = "bounded",
	.create = atomic_epoll_create, .destroy = pcq_destroy_queue,
	.put = pcq_put_item, .get = pcq_get_item, .variant = pcq_variant,
	.pairs = pairs_pcq, .sleeps = pcq_sleeps,
	.get_many = epoll_get_many,
};

const struct queue_ops queue_pcq_atomic = {
	.name = "pcq-atomic", .waits = "spin, futex", .bound = "bounded",
	.create = atomic_create, .destroy = pcq_destroy_queue,
	.put = pcq_put_item, .get = pcq_get_item, .variant = pcq_variant,
	.pairs = pairs_pcq, .sleeps = pcq_sleeps,
};

const struct queue_ops queue_pcq_semaphore = {
	.name = "pcq-semaphore", .waits = "semaphore", .bound = "bounded",
	.create = semaphore_create, .destroy = pcq_destroy_queue,
	.put = pcq_put_item, .get = pcq_get_item, .variant = pcq_variant,
	.pairs = pairs_pcq, .sleeps = pcq_sleeps,
};
