# docs/docs.mk - the docs are checked like code (included by the Makefile).
#
#   make docs-check    build every docs/examples/*.c against each backend's
#                      libpcq.a and run it; check that the code blocks in
#                      docs/*.md and the man pages are those files, and that
#                      every man page renders without a groff warning
#
# An example must exit 0 within DOCS_TIMEOUT seconds.

DOCS_EXAMPLES := $(wildcard docs/examples/*.c)
DOCS_TIMEOUT ?= 60
DOCS_CFLAGS := -std=c11 -Wall -Wextra -Werror -Iinclude
# groff renders the man pages (groff-base has groff -man -Tutf8).
DOCS_DEPS := groff-base

.PHONY: docs-check deps-docs
TEST_TARGETS += docs-check
deps-docs:
	@scripts/deps.sh $(DOCS_DEPS)

# docs_example(BACKEND, EXAMPLE.c): build/docs/BACKEND/EXAMPLE
define docs_example
build/docs/$(1)/$(basename $(notdir $(2))): $(2) include/pcq.h build/$(1)/libpcq.a
	@mkdir -p $$(@D)
	$$(CC) $$(DOCS_CFLAGS) $(2) build/$(1)/libpcq.a -o $$@ -pthread
endef
$(foreach b,$(BACKENDS),$(foreach e,$(DOCS_EXAMPLES),\
	$(eval $(call docs_example,$(b),$(e)))))

DOCS_BINS := $(foreach b,$(BACKENDS),$(foreach e,$(DOCS_EXAMPLES),\
	build/docs/$(b)/$(basename $(notdir $(e)))))

docs-check: deps-docs $(DOCS_BINS)
	@echo "== docs: examples, code blocks, man pages"
	@set -e; for x in $(DOCS_BINS); do \
		echo "$$x"; timeout $(DOCS_TIMEOUT) $$x > /dev/null || \
			{ echo "$$x failed (exit $$?)"; exit 1; }; \
	done
	@sh docs/check_docs.sh
