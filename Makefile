# Thin wrappers over the real tools. `make run` and `make test` are the README's two commands:
# each installs what a fresh machine lacks, so both work on a new clone.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/visible

.PHONY: run test test-sqlite test-postgres test-frozen setup system-libs python-deps frontend browser dfe-validator lint bench demo clean

# The server and, beside it, the background worker (the sweep every minute): Ctrl+C stops both.
run: setup
	$(BIN)/visible demo
	@$(BIN)/visible worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(BIN)/visible serve --host $(HOST) --port $(PORT)

test: setup browser dfe-validator
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres
	$(MAKE) --no-print-directory test-frozen

test-sqlite:
	@echo "== tests on SQLite =="
	DATABASE_URL= $(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

test-postgres:
	@echo "== tests on PostgreSQL ($(PG_URL)) =="
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# The date-sensitive tests again with the clock frozen at the awkward moments in
# tests/frozen_dates.txt (year ends, 1 April, clock changes, 29 February, years ahead).
test-frozen:
	scripts/test-at-awkward-dates $(PG_URL)

setup: system-libs python-deps frontend

# Pango (and its FreeType backend) for WeasyPrint's PDFs, with Liberation fonts as the Arial
# stand-in and Noto for the scripts children's own names come in (Ethiopic for Tigrinya and
# Amharic, Arabic for Pashto, Dari and Arabic, and others), so a grab pack PDF never prints
# a name as empty boxes.
NOTO_ETHIOPIC := /usr/share/fonts/truetype/noto/NotoSansEthiopic-Regular.ttf
system-libs:
	@{ ldconfig -p | grep -q libpango-1.0 && test -f $(NOTO_ETHIOPIC); } || { \
	  echo "Installing Pango and fonts for PDF exports..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation fonts-noto-core >/dev/null; }

# Re-install only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

python-deps: $(VENV)/.installed

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

build/static/css/visible.css: node_modules/.package-lock.json scripts/build-frontend.mjs $(wildcard src/visible/web/scss/*.scss)
	npm run --silent build

frontend: build/static/css/visible.css

# Debian's chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The DfE's own SSDA903 validator, the oracle for Visible's 903 export (tests/ssda903) and the
# yardstick of its import benchmark: in a virtual environment of its own, as it pins pandas < 2.
DFE_VALIDATOR := var/dfe-validator
$(DFE_VALIDATOR)/.installed:
	test -x $(DFE_VALIDATOR)/bin/python || $(PYTHON) -m venv $(DFE_VALIDATOR)
	$(DFE_VALIDATOR)/bin/pip install --quiet --disable-pip-version-check csc-validator-be-903==0.1.17
	touch $@

dfe-validator: $(DFE_VALIDATOR)/.installed

lint: setup
	$(BIN)/ruff check src tests bench

bench: setup dfe-validator
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) node_modules build var
