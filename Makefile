# GasFlow — two commands: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint format bench setup clean browser-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)
	$(BIN)/gasflow setup

run: setup
	GASFLOW_RUN_SCHEDULER=1 $(BIN)/gasflow serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check app tests bench migrations
	$(BIN)/ruff format --check app tests bench migrations

format: $(STAMP)
	$(BIN)/ruff format app tests bench migrations
	$(BIN)/ruff check --fix app tests bench migrations

test: $(STAMP) lint
	$(BIN)/pytest -n 2 -q

bench: setup
	$(BIN)/python bench/engine_overhead.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .hypothesis
