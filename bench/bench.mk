# bench/bench.mk - `make bench` (included by the Makefile).
#
#   make bench             every queue and configuration, < 3 minutes on 2
#                          cores: table on the terminal; table.txt, CSVs and
#                          items-per-second.png under build/bench/
#   make bench FULL=1      the long version (more and longer runs)
#   make bench BENCH_ARGS="--configs 2x2 --caps 8"   anything else: see
#                          build/bench/bench --help
#   make bench-smoke       (part of `make test`) every queue at a tiny size,
#                          and the item check catching broken queues
#
# One harness binary drives every queue. pcq's two backends are loaded from
# build/<backend>/libpcq.so with dlopen (both export the same names);
# ConcurrencyKit and liburcu come from their Debian packages.

BENCH_SRCS := $(wildcard bench/*.c)
BENCH_LIBS := $(foreach b,atomic semaphore,build/$(b)/libpcq.a build/$(b)/libpcq.so)
BENCH_PKGS := ck liburcu-cds

.PHONY: bench bench-smoke
TEST_TARGETS += bench-smoke

build/bench/bench: $(BENCH_SRCS) $(wildcard bench/*.h) include/pcq.h | deps-bench
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT) $$(pkg-config --cflags $(BENCH_PKGS)) \
		$(BENCH_SRCS) -o $@ $$(pkg-config --libs $(BENCH_PKGS)) -ldl $(LDLIBS)

bench: deps-bench $(BENCH_LIBS) build/bench/bench
	build/bench/bench $(if $(FULL),--full) $(BENCH_ARGS)
	gnuplot -c bench/plot.gp build/bench
	@echo "plot: build/bench/items-per-second.png"

bench-smoke: build/bench/bench $(BENCH_LIBS)
	@echo "== bench smoke: every queue at a tiny size; broken queues caught"
	bench/smoke.sh build/bench/bench build/bench/smoke
