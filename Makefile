# simxh — the two commands a newcomer needs:
#   make run    set up (venv + install) and run the main job: the policy comparison, the audit of
#               its scenarios' configs (results/policy_comparison/audit/) and its brief
#   make test   set up and run the checks (ruff) and the test suite; CI runs exactly this
#   make test-fast   the tests not marked slow (tests/conftest.py), in under a minute
VENV ?= .venv
BIN := $(VENV)/bin
WORKERS ?= 2

.PHONY: setup run test test-fast lint clean
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@PY=$$(bash .ci/find-python) || exit 1; \
	  echo "using $$PY"; \
	  "$$PY" -m venv $(VENV) && $(BIN)/pip install --quiet --upgrade pip && \
	  $(BIN)/pip install --quiet -e '.[test]'
	@touch $@

OUT ?= results/policy_comparison
# scenarios whose configs are audited before the brief (empty: all); a failed check does not
# stop the run, the brief's Audit section lists it. About 10 s a config at 8 seeds on 2 cores.
AUDIT ?=
AUDIT_SEEDS ?= 8
run: setup
	$(BIN)/simxh run experiments/policy_comparison.toml --out $(OUT) --workers $(WORKERS) --resume
	$(BIN)/simxh compare $(OUT)
	$(BIN)/simxh report $(OUT) --lang zh --formats png,svg,pdf --audit $(AUDIT) --audit-seeds $(AUDIT_SEEDS)
	@echo "brief: $(OUT)/brief.md   figures: $(OUT)/figures/   audits: $(OUT)/audit/"

lint: setup
	$(BIN)/ruff check simxh tests benchmarks

test: lint
	$(BIN)/python -m pytest

test-fast: lint
	$(BIN)/python -m pytest -m "not slow"

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
