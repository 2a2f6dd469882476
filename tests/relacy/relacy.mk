# tests/relacy/relacy.mk - Relacy check of the atomic backend's C11 memory
# orders and of every mutant that weakens one (docs/verification-relacy.md).
# Included by the top Makefile with `-include tests/relacy/relacy.mk`.
#
#   make relacy-check                 tests + mutants (about 2-3 minutes)
#   make relacy-check RELACY_ITERS=N  iterations per test (default 200000)

# Relacy is a header-only C++ library: run.sh builds the check with g++.
RELACY_DEPS := relacy-dev g++

TEST_TARGETS += relacy-check
.PHONY: relacy-check deps-relacy
deps-relacy:
	@scripts/deps.sh $(RELACY_DEPS)

relacy-check: deps-relacy
	@echo "== relacy: memory orders of the atomic backend"
	@$(if $(RELACY_ITERS),RELACY_ITERS=$(RELACY_ITERS)) tests/relacy/run.sh
