# tests/model/model.mk - Spin models of both backends' blocking protocols
# (tests/model/*.pml), each model as coded and each planted mutant; see
# docs/verification-model.md. Build products and trails: build/model/.
#
#   make model-check            every run, one per CPU (about 5 minutes on 2 cores)
#   tests/model/check.sh build/model mut-    only the runs whose name has mut-

# check.sh runs spin, which preprocesses the models with gcc, and builds
# each verifier (pan.c) with gcc.
MODEL_DEPS := spin gcc

.PHONY: model-check
TEST_TARGETS += model-check

model-check:
	@scripts/deps.sh $(MODEL_DEPS)
	@echo "== model check: Spin, tests/model"
	@tests/model/check.sh build/model
