# GasFlow — two commands: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint format bench setup clean browser-deps fonts

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# bpmn-js and htmx, served to the pages from node_modules (nothing third-party is committed).
$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

# A CJK font: the printable notices (PDF, S24.6) need it, and it makes the browser screenshots readable.
fonts:
	test -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc || (apt-get update && apt-get install -y fonts-wqy-microhei)

# The browser tests drive Debian's chromium; Playwright never downloads a browser.
browser-deps: fonts
	test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)

setup: $(STAMP) $(NODE_STAMP) fonts
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
	$(BIN)/python -m bench.engine_overhead
	$(BIN)/python -m bench.http_completions
	$(BIN)/python -m bench.timer_lag
	$(BIN)/python -m bench.inbox
	$(BIN)/python -m bench.customer_search
	$(BIN)/python -m bench.history_chain

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache .ruff_cache .hypothesis
