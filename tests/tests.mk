# tests/tests.mk - the test suite, built and run once per backend.
#
#   make test              every variant (see VARIANTS in the Makefile)
#   make test-semaphore    one variant: a backend, or e.g. test-atomic-tsan
#   make check             the plain backends only: the quick edit loop

TEST_SRCS := tests/test_contract.c tests/test_stats.c tests/test_bulk.c \
	tests/test_fd.c \
	tests/test_stress.c \
	tests/harness.c

.PHONY: test $(addprefix test-,$(BACKENDS))
TEST_TARGETS += $(addprefix test-,$(VARIANTS))

.PHONY: check
check: deps-test $(addprefix test-,$(BACKENDS))

# The sanitizer variants run the same tests under tests/minicrit (see its
# header for why); the others under Criterion.
CRITERION = $$(pkg-config --cflags --libs criterion)
MINICRIT = -Itests/minicrit tests/minicrit/minicrit.c
runner = $(if $(filter %-tsan %-asan,$(1)),$(MINICRIT),$(CRITERION))

# Sanitizers: fail on the first report; let calloc return NULL (the
# capacity tests expect ENOMEM, not an abort, for a huge queue).
SAN_ENV := TSAN_OPTIONS=halt_on_error=1:allocator_may_return_null=1 \
	ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# test_variant(NAME): build/NAME/test_pcq, linked with build/NAME/libpcq.a
define test_variant
build/$(1)/test_pcq: $$(TEST_SRCS) tests/harness.h build/$(1)/libpcq.a \
		tests/minicrit/minicrit.c | deps-test
	$$(CC) $$(filter-out -fvisibility=hidden,$$($(1)_CFLAGS)) -Itests \
		$$(TEST_SRCS) build/$(1)/libpcq.a -o $$@ \
		$$(call runner,$(1)) $$(LDLIBS)

test-$(1): build/$(1)/test_pcq
	@echo "== test suite, $(1)"
	$$(SAN_ENV) build/$(1)/test_pcq $$(if $$(findstring san,$(1)),,--jobs 2) $$(TEST_ARGS)
endef

$(foreach v,$(VARIANTS),$(eval $(call test_variant,$(v))))

# The cross-check loads every backend's libpcq.so into one process.
ifeq ($(sort $(BACKENDS)),atomic semaphore)
TEST_TARGETS += test-crosscheck
.PHONY: test-crosscheck
build/crosscheck: tests/test_crosscheck.c include/pcq.h | deps-test
	@mkdir -p build
	$(CC) $(BASE_CFLAGS) $(OPT) $< -o $@ $(CRITERION) -ldl $(LDLIBS)

test-crosscheck: build/crosscheck build/semaphore/libpcq.so build/atomic/libpcq.so
	@echo "== cross-check: semaphore and atomic backends side by side"
	build/crosscheck --jobs 2 $(TEST_ARGS)
endif

# What a user gets: exported symbols, make install, pkg-config, the README.
TEST_TARGETS += test-install
.PHONY: test-install
test-install: $(foreach b,$(BACKENDS),build/$(b)/libpcq.a build/$(b)/libpcq.so)
	@echo "== install check"
	tests/check_install.sh $(BACKENDS)
