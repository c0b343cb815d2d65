# Two commands set everything up: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# Prefect must not phone home, and its temporary local server may start slowly here.
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 120
export PREFECT_LOGGING_EXTRA_LOGGERS := flows,db
export PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW := ignore
# Bytecode written into the project's venv as the modules are first imported: where
# PYTHONDONTWRITEBYTECODE is set (many containers) every command, and the Prefect server,
# would compile each module it imports again, each time. Compiling all of site-packages at
# install (uv's --compile-bytecode) costs more than a first `make run` compiles.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install run test test-quick lint format bench golden screenshots clean

install: $(STAMP)

# The Makefile too: a change of how to install reinstalls an existing venv.
$(STAMP): pyproject.toml Makefile
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "Python 3.11 or newer is needed (set PYTHON=python3.11)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@# uv installs the dependencies in seconds where pip took minutes; pip only fetches uv.
	@test -x $(BIN)/uv || $(BIN)/python -m pip --version >/dev/null 2>&1 \
	  || $(BIN)/python -m ensurepip --default-pip >/dev/null  # a venv made by uv has no pip
	@test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet --disable-pip-version-check 'uv>=0.5'
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e '.[dev]'
	@# Prefect's server started once on an empty database: its migrated tables and block
	@# types kept as the template a new Prefect home starts from, its modules' bytecode written.
	$(BIN)/python -m flows.orchestration.local_server
	@# The bytecode of the project and of what its commands import on the way, written once
	@# (a module that a later release of a dependency no longer has is passed over).
	@$(BIN)/python -m compileall -q flows db \
	  $$($(BIN)/python -c 'import os, typer; print(os.path.dirname(typer.__file__))')
	@$(BIN)/python -c 'import importlib, importlib.util, sys; \
	  [importlib.import_module(m) for m in sys.argv[1:] if importlib.util.find_spec(m)]' \
	  flows.cli.main flows.orchestration.runner flows.orchestration.ingest_flow \
	  flows.orchestration.weekly_flow flows.pipeline.store_chunk flows.pipeline.stories_ahead \
	  flows.pipeline.preview feedparser prefect.flow_engine prefect.task_engine \
	  prefect.utilities.visualization safetensors tokenizers
	@touch $(STAMP)

run: install
	$(BIN)/digest run --all-weeks

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# Four processes on two cores, each taking the next test when free: the suite mostly
	@# waits on servers and subprocesses, and two processes left the cores half idle.
	$(BIN)/pytest -n 4 --dist worksteal

# Everything but the tests marked slow (real servers, wheels, killed processes): while
# working; `make test` runs them all.
test-quick: install
	$(BIN)/pytest -n 4 --dist worksteal -m "not slow"

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	@for script in tests/bench/bench_*.py; do \
	  echo "== $$script"; $(BIN)/python "$$script" || exit 1; done

# After an intended change to what a digest shows; review with `git diff tests/data/golden/`.
golden: install
	UPDATE_GOLDEN=1 $(BIN)/pytest -q tests/integration/test_golden.py

screenshots: run
	$(BIN)/python -m tests.support.screenshots

clean:
	rm -rf data outbox site tests/artifacts .pytest_cache
