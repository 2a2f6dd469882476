# tests/stress/stress.mk - counted stress with a ledger, and the classic
# wake-up races, against each backend (see the headers of stress.c and
# races.c).
#
#   make stress-atomic             2x10^7 items through every cell, + self-test
#                                  (semaphore: 8x10^6, smaller cells)
#   make races-semaphore           10^5 + 10^5 wake-up trials, 10^4 close trials
#   make pollers-atomic            consumers waiting only in epoll (pollers.c)
#   make soak-stress SOAK_SECONDS=600   the stress cells for that long, per backend
#
# The -faults variants (every wait returns spuriously 10% of the time) run
# a shorter stress too. PCQ_SEED=n repeats a run.

SOAK_SECONDS ?= 600
STRESS_ITEMS ?= 20000000
STRESS_SRCS := tests/stress/stress.c tests/stress/cell.c \
	tests/stress/ledger.c tests/harness.c
STRESS_HDRS := tests/stress/cell.h tests/stress/ledger.h tests/harness.h

# stress_variant(VARIANT, STRESS_ARGS)
define stress_variant
build/$(1)/stress: $$(STRESS_SRCS) $$(STRESS_HDRS) build/$(1)/libpcq.a
	$$(CC) $$(filter-out -fvisibility=hidden,$$($(1)_CFLAGS)) -Itests \
		$$(STRESS_SRCS) build/$(1)/libpcq.a -o $$@ $$(LDLIBS)

build/$(1)/pollers: tests/stress/pollers.c tests/stress/ledger.c \
		tests/stress/ledger.h tests/harness.c tests/harness.h \
		build/$(1)/libpcq.a
	$$(CC) $$(filter-out -fvisibility=hidden,$$($(1)_CFLAGS)) -Itests \
		tests/stress/pollers.c tests/stress/ledger.c tests/harness.c \
		build/$(1)/libpcq.a -o $$@ $$(LDLIBS)

build/$(1)/races: tests/stress/races.c tests/harness.c tests/harness.h \
		build/$(1)/libpcq.a
	$$(CC) $$(filter-out -fvisibility=hidden,$$($(1)_CFLAGS)) -Itests \
		tests/stress/races.c tests/harness.c build/$(1)/libpcq.a \
		-o $$@ $$(LDLIBS)

.PHONY: stress-$(1) races-$(1) pollers-$(1) soak-stress-$(1)
stress-$(1): build/$(1)/stress
	@echo "== stress with a ledger, $(1)"
	build/$(1)/stress --self-test
	build/$(1)/stress $(2)

races-$(1): build/$(1)/races
	@echo "== wake-up races, $(1)"
	build/$(1)/races

pollers-$(1): build/$(1)/pollers
	@echo "== pollers: consumers waiting only in epoll on two queues and a pipe, $(1)"
	build/$(1)/pollers

soak-stress-$(1): build/$(1)/stress
	@echo "== stress soak, $(1): $$(SOAK_SECONDS) s"
	build/$(1)/stress --seconds $$(SOAK_SECONDS)
endef

# The semaphore backend moves some 0.2 M items a second through these
# cells (a sleep per hand-off): its cells put fewer items, so that its
# round takes about as long as the atomic one's.
STRESS_ARGS_atomic := --items $(STRESS_ITEMS)
STRESS_ARGS_semaphore := --items 8000000 --cell-items 100000
$(foreach b,$(BACKENDS),$(eval $(call stress_variant,$(b),\
	$$(STRESS_ARGS_$(b)))))
$(foreach b,$(BACKENDS),$(eval $(call stress_variant,$(b)-faults,\
	--items 2000000 --cell-items 20000)))

TEST_TARGETS += $(addprefix stress-,$(BACKENDS) $(addsuffix -faults,$(BACKENDS))) \
	$(addprefix races-,$(BACKENDS)) $(addprefix pollers-,$(BACKENDS))

.PHONY: soak soak-stress
soak-stress: $(addprefix soak-stress-,$(BACKENDS))
soak: soak-stress
