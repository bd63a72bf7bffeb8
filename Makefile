# GasFlow — two commands: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint format bench setup clean browser-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# bpmn-js and htmx, served to the pages from node_modules (nothing third-party is committed).
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

# The browser tests drive Debian's chromium; Playwright never downloads a browser. A CJK font makes the saved
# screenshots readable (the pages are in Chinese).
browser-deps:
	test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)
	test -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || (apt-get update && apt-get install -y fonts-wqy-microhei)

setup: $(STAMP) $(NODE_STAMP)
	$(BIN)/gasflow setup

run: setup
	GASFLOW_RUN_SCHEDULER=1 $(BIN)/gasflow serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check app tests bench migrations
	$(BIN)/ruff format --check app tests bench migrations

format: $(STAMP)
	$(BIN)/ruff format app tests bench migrations
	$(BIN)/ruff check --fix app tests bench migrations

test: $(STAMP) $(NODE_STAMP) browser-deps lint
	$(BIN)/pytest -n 2 -q

bench: setup
	$(BIN)/python bench/engine_overhead.py
	$(BIN)/python bench/inbox.py

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache .ruff_cache .hypothesis
