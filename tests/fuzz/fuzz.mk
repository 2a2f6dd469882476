# tests/fuzz/fuzz.mk - libFuzzer targets, built with clang straight from the
# library sources (not the gcc archives), with ASan and UBSan:
#   fuzz_seq  one thread, every result checked against a sequential model
#   fuzz_mt   a producer thread and the fuzz thread: exactly once, in order
#
#   make fuzz-atomic        the CI budget: FUZZ_SEQ_RUNS + FUZZ_MT_RUNS runs
#   make fuzz-soak          FUZZ_SOAK_SECONDS per target and backend
#
# Seeds live in tests/fuzz/corpus/<target>/; libFuzzer writes the inputs it
# finds to build/fuzz-<backend>/corpus-<target>/ and crash inputs to
# build/fuzz-<backend>/ (copy a crash into the corpus once it is fixed).

# llvm-14 has the symbolizer that turns the addresses in a crash report
# (and libFuzzer's NEW_FUNC lines) into function names and source lines.
FUZZ_DEPS := clang-14 libclang-rt-14-dev llvm-14
FUZZ_CC := clang-14
FUZZ_ENV := ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g \
	-fsanitize=fuzzer,address,undefined -Iinclude -Isrc
# Runs per target in make test: the atomic backend's calls take
# microseconds, the semaphore backend's timed ones a system call each.
FUZZ_SEQ_RUNS ?= 300000
FUZZ_MT_RUNS ?= 60000
FUZZ_SEQ_RUNS_semaphore ?= 150000
FUZZ_MT_RUNS_semaphore ?= 30000
FUZZ_SEQ_RUNS_atomic ?= $(FUZZ_SEQ_RUNS)
FUZZ_MT_RUNS_atomic ?= $(FUZZ_MT_RUNS)
FUZZ_SOAK_SECONDS ?= 300
FUZZ_ARGS := -max_len=128 -print_final_stats=1

.PHONY: deps-fuzz fuzz-soak
deps-fuzz:
	@scripts/deps.sh $(FUZZ_DEPS)

# fuzz_target(BACKEND, TARGET, RUNS)
define fuzz_target
build/fuzz-$(1)/$(2): tests/fuzz/$(2).c src/pcq.c $$(wildcard src/*.h \
		src/$(1)/*.c src/$(1)/*.h) include/pcq.h | deps-fuzz
	@mkdir -p $$(@D)/corpus-$(2)
	$$(FUZZ_CC) $$(FUZZ_CFLAGS) -Isrc/$(1) src/pcq.c $$(wildcard \
		src/$(1)/*.c) tests/fuzz/$(2).c -o $$@ -pthread

.PHONY: fuzz-$(1)-$(2) fuzz-soak-$(1)-$(2)
fuzz-$(1)-$(2): build/fuzz-$(1)/$(2)
	@echo "== fuzzing $(2), $(1): $(3) runs"
	$$(FUZZ_ENV) build/fuzz-$(1)/$(2) -runs=$(3) $$(FUZZ_ARGS) \
		-artifact_prefix=build/fuzz-$(1)/ \
		build/fuzz-$(1)/corpus-$(2) tests/fuzz/corpus/$(2)

fuzz-soak-$(1)-$(2): build/fuzz-$(1)/$(2)
	$$(FUZZ_ENV) build/fuzz-$(1)/$(2) \
		-max_total_time=$$(FUZZ_SOAK_SECONDS) \
		$$(FUZZ_ARGS) -artifact_prefix=build/fuzz-$(1)/ \
		build/fuzz-$(1)/corpus-$(2) tests/fuzz/corpus/$(2)
fuzz-soak: fuzz-soak-$(1)-$(2)
endef

$(foreach b,$(BACKENDS),$(eval $(call fuzz_target,$(b),fuzz_seq,$$(FUZZ_SEQ_RUNS_$(b)))))
$(foreach b,$(BACKENDS),$(eval $(call fuzz_target,$(b),fuzz_mt,$$(FUZZ_MT_RUNS_$(b)))))

.PHONY: $(addprefix fuzz-,$(BACKENDS))
$(foreach b,$(BACKENDS),$(eval fuzz-$(b): fuzz-$(b)-fuzz_seq fuzz-$(b)-fuzz_mt))
TEST_TARGETS += $(addprefix fuzz-,$(BACKENDS))

.PHONY: soak
soak: fuzz-soak
