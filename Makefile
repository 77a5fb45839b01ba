# Vínculo — `make run` serves the app with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export VINCULO_HOME ?= $(CURDIR)/var
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres lint bench setup clean messages mutation

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/vinculo migrate --no-input
	$(BIN)/vinculo demo --if-empty
	$(BIN)/vinculo createadmin --print
	$(BIN)/vinculo collectstatic --no-input --verbosity 0
	$(BIN)/vinculo serve

test: setup
	bash scripts/ensure-system-packages
	bash scripts/test-all

test-sqlite: setup
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/vinculo makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(BIN)/mypy vinculo

bench: setup
	$(BIN)/python -m bench

# Mutation testing of the kernel modules (minutes; not part of `make test`): writes
# docs/development/mutation.md and fails when a module falls below its required score.
mutation: setup
	$(BIN)/python scripts/mutation

# Extracts strings, fills translations from vinculo/locale/pending/*.json, compiles.
messages: setup
	$(BIN)/python scripts/translations.py apply

clean:
	rm -rf $(VENV) var mutants
