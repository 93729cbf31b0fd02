# simxh — the two commands a newcomer needs:
#   make run    set up (venv + install) and run the main job: the policy comparison, the audit of
#               its scenarios' configs (results/policy_comparison/audit/) and its brief
#   make test   set up and run the checks (ruff, mypy) and the test suite; CI runs exactly this
#   make test-fast   the tests not marked slow (tests/conftest.py), on 2 processes (pytest-xdist),
#               in under a minute (after ruff; not mypy, whose first run alone takes ~30 s)
#   make typecheck   mypy on simxh/ ([tool.mypy] in pyproject.toml; about 30 s the first time,
#               under 2 s with its cache in .mypy_cache)
VENV ?= .venv
BIN := $(VENV)/bin
WORKERS ?= 2

.PHONY: setup run test test-fast test-parallel lint typecheck clean
setup: $(VENV)/.installed

# The times below were measured on the project's 2-core VM (shared and busy: "about").
# PYTHONWARNINGS silences setuptools' informational "Editable installation" notice (a flat
# layout gets a meta-path finder); real errors still stop the install.
$(VENV)/.installed: pyproject.toml
	@PY=$$(bash .ci/find-python) || exit 1; \
	  echo "==> installing simxh and its dependencies into $(VENV) with $$PY" \
	       "(first time only; about 1-3 min on 2 cores)..."; \
	  "$$PY" -m venv $(VENV) && $(BIN)/pip install --quiet --upgrade pip && \
	  PYTHONWARNINGS=ignore::UserWarning $(BIN)/pip install --quiet -e '.[test]'
	@touch $@

OUT ?= results/policy_comparison
# scenarios whose configs are audited before the brief (AUDIT= empty: all seven, about 13 min
# more); a failed check does not stop the run, the brief's Audit section lists it and gives the
# command for the others. About 1 min a config at 8 seeds on 2 cores.
AUDIT ?= baseline combined
AUDIT_SEEDS ?= 8
run: setup
	@echo "==> run: 280 runs of experiments/policy_comparison.toml on $(WORKERS) workers" \
	      "(about 1 min; a rerun reuses finished runs)"
	@$(BIN)/simxh run experiments/policy_comparison.toml --out $(OUT) --workers $(WORKERS) --resume
	@echo "==> compare: paired differences, targets, equity (about 5-10 s)"
	@$(BIN)/simxh compare $(OUT)
	@echo "==> report + audit: audit each scenario's config, then the figures and the brief" \
	      "(about 1-2 min a config audited: $(AUDIT); then about 2 min)"
	@$(BIN)/simxh report $(OUT) --lang zh --formats png,svg,pdf --audit $(AUDIT) --audit-seeds $(AUDIT_SEEDS)
	@echo "brief: $(OUT)/brief.md   figures: $(OUT)/figures/   audits: $(OUT)/audit/"

lint: setup
	$(BIN)/ruff check simxh tests benchmarks

typecheck: setup
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest

# the whole suite on 2 processes (pytest-xdist): about 5 min instead of 9; CI keeps the serial
# run, whose timing-sensitive tests (signals, time limits) do not share the cores
test-parallel: lint typecheck
	$(BIN)/python -m pytest -n 2

test-fast: lint
	$(BIN)/python -m pytest -m "not slow" -n 2

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
