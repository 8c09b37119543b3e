# The two README commands, `make demo` and `make test`, set up .venv themselves on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# A strict editable install is a link tree: a new module needs a re-install, so the stamp depends on the file list.
SOURCES := $(shell find core adapters -name '*.py' 2>/dev/null | sort)
STAMP := $(VENV)/.installed-$(shell printf '%s' "$(SOURCES)" | cksum | cut -d' ' -f1)

.PHONY: demo test lint typecheck pytest bench mutate install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	flock $(VENV)/.lock $(BIN)/python -m pip install --quiet --upgrade pip
	flock $(VENV)/.lock $(BIN)/python -m pip install --quiet -e '.[dev]' --config-settings editable_mode=strict
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/payfold demo

lint: $(STAMP)
	$(BIN)/ruff check core adapters tests examples
	$(BIN)/ruff format --check core adapters tests examples
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy -p payfold
	$(BIN)/mypy tests examples

pytest: $(STAMP)
	$(BIN)/pytest -q

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m tests.bench_all

# Mutation testing of core/_decide.py, core/_fold.py and core/_apply.py (docs/mutation.md): mutmut is installed here on demand,
# not in the dev extra, so `make test` stays lean. Work folder: build/mutation/ (core/ is only ever read).
MUTMUT := mutmut==3.8.1

mutate: $(STAMP)
	flock $(VENV)/.lock $(BIN)/python -m pip install --quiet '$(MUTMUT)'
	$(BIN)/python -m tests.mutation.run

clean:
	rm -rf $(VENV) build *.egg-info

# The long simulation run (README, "Long runs"): make simulate SEEDS=5000 [FROM=0] [STORE=postgresql://...] [JSON=1]
SEEDS ?= 5000
FROM ?= 0
.PHONY: simulate
simulate: $(STAMP)
	$(BIN)/payfold simulate --seed $(FROM) --seeds $(SEEDS) $(if $(STORE),--store '$(STORE)',) $(if $(JSON),--json,)
