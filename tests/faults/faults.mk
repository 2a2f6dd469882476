# tests/faults/faults.mk - fault checks against each backend:
#
#   faults-signals-B    a signal storm (no SA_RESTART) on blocked and timed
#                       calls: no EINTR, 100 ms timed calls in [100, 250] ms
#   faults-timed1ns-B   TIMED1NS_CALLS timed gets of 1 ns (+10% puts): no
#                       growth, waiter counts / tokens back to idle
#   faults-allocfail-B  each allocation of pcq_create failed in turn, under
#                       the -asan variant: NULL + ENOMEM, no leak (LSan)
#
# `make soak` runs the full 10^7 timed calls (soak-timed1ns-B).

TIMED1NS_CALLS ?= 500000
FAULTS_RUN := timeout 300
FAULTS_CC = $(CC) $(filter-out -fvisibility=hidden,$($(1)_CFLAGS)) -Itests \
	-Itests/faults
ALLOC_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=aligned_alloc,--wrap=realloc,--wrap=posix_memalign

# faults_backend(BACKEND)
define faults_backend
build/$(1)/signals: tests/faults/signals.c tests/harness.c tests/harness.h \
		build/$(1)/libpcq.a
	$$(call FAULTS_CC,$(1)) tests/faults/signals.c tests/harness.c \
		build/$(1)/libpcq.a -o $$@ $$(LDLIBS)

build/$(1)/timed1ns: tests/faults/timed1ns.c tests/faults/waiters_$(1).c \
		tests/faults/waiters.h tests/harness.c build/$(1)/libpcq.a
	$$(call FAULTS_CC,$(1)) tests/faults/timed1ns.c \
		tests/faults/waiters_$(1).c tests/harness.c \
		build/$(1)/libpcq.a -o $$@ $$(LDLIBS)

build/$(1)-asan/allocfail: tests/faults/allocfail.c build/$(1)-asan/libpcq.a
	$$(call FAULTS_CC,$(1)-asan) tests/faults/allocfail.c \
		build/$(1)-asan/libpcq.a -o $$@ $$(ALLOC_WRAP) $$(LDLIBS)

.PHONY: faults-signals-$(1) faults-timed1ns-$(1) faults-allocfail-$(1) \
	soak-timed1ns-$(1)
faults-signals-$(1): build/$(1)/signals
	@echo "== signal storm, $(1)"
	$$(FAULTS_RUN) build/$(1)/signals

faults-timed1ns-$(1): build/$(1)/timed1ns
	@echo "== $$(TIMED1NS_CALLS) timed calls of 1 ns, $(1)"
	$$(FAULTS_RUN) build/$(1)/timed1ns --calls $$(TIMED1NS_CALLS)

soak-timed1ns-$(1): build/$(1)/timed1ns
	build/$(1)/timed1ns --calls 10000000

faults-allocfail-$(1): build/$(1)-asan/allocfail
	@echo "== allocation failures in pcq_create, $(1) (asan)"
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 \
		$$(FAULTS_RUN) build/$(1)-asan/allocfail
endef

$(foreach b,$(BACKENDS),$(eval $(call faults_backend,$(b))))

TEST_TARGETS += $(foreach b,$(BACKENDS),faults-signals-$(b) \
	faults-timed1ns-$(b) faults-allocfail-$(b))

.PHONY: soak
soak: $(addprefix soak-timed1ns-,$(BACKENDS))
