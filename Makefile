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

# bpmn-js and htmx, served to the pages from node_modules (nothing third-party is committed). The owners' modeler
# (bpmn-js + properties panel + bpmnlint + token simulation) needs a bundler: esbuild, a devDependency, bundles our
# sources in app/owners/static/src into the ignored app/owners/static/build (docs/owners.md).
OWNERS_SRC   := app/owners/static/src
OWNERS_BUILD := app/owners/static/build
$(NODE_STAMP): package.json package-lock.json $(wildcard $(OWNERS_SRC)/*)
	npm ci --no-audit --no-fund
	node $(OWNERS_SRC)/pack-lint.mjs
	node_modules/.bin/esbuild $(OWNERS_SRC)/modeler.js $(OWNERS_SRC)/diff.js --bundle --minify --format=iife \
		--target=es2020 --loader:.svg=text --outdir=$(OWNERS_BUILD) --log-level=warning
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
	$(BIN)/gasflow lint --offline processes

format: $(STAMP)
	$(BIN)/ruff format app tests bench migrations
	$(BIN)/ruff check --fix app tests bench migrations

test: $(STAMP) $(NODE_STAMP) browser-deps lint
	$(BIN)/pytest -n 2 -q

bench: setup
	$(BIN)/python -m bench.engine_overhead
	$(BIN)/python -m bench.http_completions
	$(BIN)/python -m bench.complaint_cases
	$(BIN)/python -m bench.timer_lag
	$(BIN)/python -m bench.inbox
	$(BIN)/python -m bench.customer_search
	$(BIN)/python -m bench.history_chain

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache .ruff_cache .hypothesis
