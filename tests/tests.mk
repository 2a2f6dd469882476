# tests/tests.mk - the test suite, built and run once per backend.
#
#   make test              every backend: contract suite and stress
#   make test-semaphore    one backend

TEST_SRCS := tests/test_contract.c tests/test_stress.c tests/harness.c

.PHONY: test $(addprefix test-,$(BACKENDS))
TEST_TARGETS += $(addprefix test-,$(BACKENDS))

# test_variant(NAME): build/NAME/test_pcq, linked with build/NAME/libpcq.a
define test_variant
build/$(1)/test_pcq: $$(TEST_SRCS) tests/harness.h build/$(1)/libpcq.a | deps-test
	$$(CC) $$(filter-out -fvisibility=hidden,$$($(1)_CFLAGS)) -Itests \
		$$(TEST_SRCS) build/$(1)/libpcq.a -o $$@ \
		$$$$(pkg-config --cflags --libs criterion) $$(LDLIBS)

test-$(1): build/$(1)/test_pcq
	@echo "== test suite, $(1) backend"
	build/$(1)/test_pcq --jobs 2 $$(TEST_ARGS)
endef

$(foreach b,$(BACKENDS),$(eval $(call test_variant,$(b))))
