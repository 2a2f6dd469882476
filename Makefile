# pcq - bounded blocking producer/consumer queues.
#
#   make                        the library, default backend (atomic)
#   make BACKEND=semaphore      the library, reference backend
#   make test                   the test suite against every backend
#   make bench                  compare the backends and other queues
#   make install PREFIX=/usr/local DESTDIR=
#   make fresh-check            make test and make bench on a fresh, minimal
#                               Debian 12 (as root, 15-20 minutes)
#
# Every build lives in build/<variant>/: a backend, possibly with sanitizer
# or fault-injection flags. A variant is a backend directory plus CFLAGS.

# The backends: each directory under src/ with a queue.c.
BACKENDS := $(patsubst src/%/queue.c,%,$(wildcard src/*/queue.c))
BACKEND ?= $(if $(filter atomic,$(BACKENDS)),atomic,semaphore)
PREFIX ?= /usr/local
DESTDIR ?=

CC ?= cc
OPT ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -fPIC -fvisibility=hidden \
	-Iinclude -Isrc
LDLIBS := -pthread

# The Debian packages each command needs; scripts/deps.sh installs those
# missing. BUILD_DEPS: the C compiler, and binutils for ld, ar, objcopy and
# nm (the library build and the install check). Each fragment below lists
# its own (FUZZ_DEPS, RELACY_DEPS, MODEL_DEPS, DOCS_DEPS).
BUILD_DEPS := gcc binutils
TEST_DEPS := $(BUILD_DEPS) libcriterion-dev pkg-config
BENCH_DEPS := $(BUILD_DEPS) libck-dev liburcu-dev pkg-config gnuplot-nox \
	valgrind

.PHONY: all lib test bench install clean deps-test deps-bench
all: lib
lib: build/$(BACKEND)/libpcq.a build/$(BACKEND)/libpcq.so

# variant(NAME, BACKEND_DIR, EXTRA_CFLAGS)
define variant
$(1)_SRCS := src/pcq.c $$(wildcard src/$(2)/*.c)
$(1)_OBJS := $$(patsubst src/%.c,build/$(1)/obj/%.o,$$($(1)_SRCS))
$(1)_CFLAGS := $$(BASE_CFLAGS) $$(OPT) $(3) -Isrc/$(2)

build/$(1)/obj/%.o: src/%.c $$(wildcard src/*.h src/$(2)/*.h) include/pcq.h
	@mkdir -p $$(@D)
	$$(CC) $$($(1)_CFLAGS) -c $$< -o $$@

# The static library is one relocatable object whose hidden (internal)
# symbols are made local, so it exports exactly the pcq_* functions too.
build/$(1)/libpcq.a: $$($(1)_OBJS)
	$$(LD) -r -o build/$(1)/pcq.o $$^
	objcopy --localize-hidden build/$(1)/pcq.o
	rm -f $$@ && $$(AR) rcs $$@ build/$(1)/pcq.o

build/$(1)/libpcq.so: $$($(1)_OBJS)
	$$(CC) $$($(1)_CFLAGS) -shared -Wl,-soname,libpcq.so.0 -o $$@ $$^ $$(LDLIBS)
endef

# The plain builds, then the checking builds of each backend: thread
# sanitizer, address + undefined-behaviour sanitizers, fault injection
# (every wait returns spuriously 10% of the time, see src/fault.h), and for
# the atomic backend the symmetric-fence fallback of src/atomic/park.h.
# gcc warns that TSan does not model atomic_thread_fence. pcq's fences only
# order one atomic access before another (park.h); every plain access is
# ordered by a release/acquire pair, which TSan does model. So the warning
# is silenced, and no TSan report is.
TSAN := -O1 -fsanitize=thread -Wno-tsan
ASAN := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FAULTS := -DPCQ_FAULT_RATE=10
VARIANTS := $(BACKENDS) $(addsuffix -tsan,$(BACKENDS)) \
	$(addsuffix -asan,$(BACKENDS)) $(addsuffix -faults,$(BACKENDS)) \
	$(if $(filter atomic,$(BACKENDS)),atomic-fences)
$(foreach b,$(BACKENDS),$(eval $(call variant,$(b),$(b),)))
$(foreach b,$(BACKENDS),$(eval $(call variant,$(b)-tsan,$(b),$(TSAN))))
$(foreach b,$(BACKENDS),$(eval $(call variant,$(b)-asan,$(b),$(ASAN))))
$(foreach b,$(BACKENDS),$(eval $(call variant,$(b)-faults,$(b),$(FAULTS))))
$(eval $(call variant,atomic-fences,atomic,-DPCQ_SYMMETRIC_FENCES))

deps-test:
	@scripts/deps.sh $(TEST_DEPS)
deps-bench:
	@scripts/deps.sh $(BENCH_DEPS)

# Each fragment adds its own targets, and the names of its checks to
# TEST_TARGETS; `make test` runs them all, in the order included.
TEST_TARGETS :=
include tests/tests.mk
-include tests/stress/stress.mk
-include tests/faults/faults.mk
-include tests/fuzz/fuzz.mk
-include tests/model/model.mk
-include tests/relacy/relacy.mk
-include bench/bench.mk
-include docs/docs.mk

test: deps-test $(TEST_TARGETS)

# Not part of `make test`: the README's commands in a minimal Debian 12
# root, each in a fresh copy (see scripts/fresh-check.sh). FRESH_TARGETS
# runs other targets instead, e.g. FRESH_TARGETS=relacy-check.
.PHONY: fresh-check
fresh-check:
	scripts/fresh-check.sh $(FRESH_TARGETS)

install: lib
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/pcq.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 build/$(BACKEND)/libpcq.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 build/$(BACKEND)/libpcq.so $(DESTDIR)$(PREFIX)/lib/libpcq.so.0
	ln -sf libpcq.so.0 $(DESTDIR)$(PREFIX)/lib/libpcq.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@BACKEND@|$(BACKEND)|' pcq.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/pcq.pc
	if [ -d docs/man ]; then \
		install -d $(DESTDIR)$(PREFIX)/share/man/man3 && \
		install -m 644 docs/man/*.3 $(DESTDIR)$(PREFIX)/share/man/man3/; fi

clean:
	rm -rf build
