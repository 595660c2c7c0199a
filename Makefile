# Thin wrappers over the real tools. `make run` and `make test` are the README's two commands:
# each installs what a fresh machine lacks, so both work on a new clone.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/visible

.PHONY: run test test-sqlite test-postgres test-frozen setup system-libs python-deps frontend translations messages browser dfe-validator lint bench demo clean

# The local demo runs on the development settings; everything else (wsgi.py, manage.py, the
# `visible` command) defaults to production's, which refuse to start without their secrets.
run: export DJANGO_SETTINGS_MODULE := visible.config.settings.dev
# The server and, beside it, the background worker (the sweep every minute): Ctrl+C stops both.
run: setup
	$(BIN)/visible demo
	@$(BIN)/visible worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(BIN)/visible serve --host $(HOST) --port $(PORT)

test: setup browser dfe-validator
	$(MAKE) --no-print-directory check
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

setup: system-libs python-deps frontend translations

# Pango (and its FreeType backend) for WeasyPrint's PDFs, with Liberation fonts as the Arial
# stand-in and Noto for the scripts children's own names come in (Ethiopic for Tigrinya and
# Amharic, Arabic for Pashto, Dari and Arabic, and others), so a grab pack PDF never prints
# a name as empty boxes. Poppler's tools (pdftoppm, pdffonts) for the tests that render each
# language's child's pack to PNG and list the fonts in its PDF (tests/childpack).
NOTO_ETHIOPIC := /usr/share/fonts/truetype/noto/NotoSansEthiopic-Regular.ttf
# gettext's msgfmt compiles the Welsh catalogue (translations, below).
system-libs:
	@{ ldconfig -p | grep -q libpango-1.0 && test -f $(NOTO_ETHIOPIC) && command -v msgfmt >/dev/null && command -v pdftoppm >/dev/null; } || { \
	  echo "Installing Pango, fonts and Poppler's tools for PDF exports and their tests, and gettext for the translations..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation fonts-noto-core poppler-utils gettext >/dev/null; }

# The pages in Welsh (docs/welsh.md): each catalogue (.po, in git) compiled to the .mo Django
# reads (not in git), again whenever the .po changes. `make messages` adds the strings newly
# marked in the code and templates to the Welsh catalogue, keeping its translations.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard src/visible/locale/*/LC_MESSAGES/django.po))
translations: $(CATALOGUES)

src/visible/locale/%/LC_MESSAGES/django.mo: src/visible/locale/%/LC_MESSAGES/django.po
	msgfmt --check -o $@ $<

messages: python-deps
	cd src/visible && DJANGO_SETTINGS_MODULE=visible.config.settings.test DATABASE_URL= \
	  $(abspath $(BIN))/python -m django makemessages -l cy --no-location --no-obsolete -i "static/*"

# Re-install only when pyproject.toml or the lock changes. The lock's exact versions (with their
# hashes) first, then Visible itself without letting pip choose any other version.
$(VENV)/.installed: pyproject.toml requirements/lock.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements/lock.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
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

# Quality gates: `make check` runs each (also by name, e.g. `make check-mypy`), reports how long
# each took, and fails if any failed. `make test` runs it before the suites, so CI does too.
.PHONY: check check-ruff check-format check-lock check-migrations check-deploy check-imports check-mypy lock
GATES := check-ruff check-format check-lock check-migrations check-deploy check-imports check-mypy
check: python-deps frontend
	@failed=(); TIMEFORMAT='   %1R s'; \
	for gate in $(GATES); do \
	  echo "== $$gate =="; \
	  time $(MAKE) --no-print-directory -s $$gate || failed+=("$$gate"); \
	done; \
	if (( $${#failed[@]} )); then echo "Failed: $${failed[*]}"; exit 1; fi; \
	echo "All gates pass: $(GATES)"

check-ruff: python-deps
	$(BIN)/ruff check src tests bench

check-format: python-deps
	$(BIN)/ruff format --check src tests bench

# requirements/lock.txt holds every version pinned in pyproject.toml (`make lock` rewrites it).
check-lock: python-deps
	$(BIN)/python scripts/check-lock

# Production settings, with throwaway values for the secrets they refuse to start without (never
# real ones), and an in-memory database so no file is read or made.
DEPLOY_CHECK_ENV := DJANGO_SETTINGS_MODULE=visible.config.settings.production \
  DATABASE_URL=sqlite:///:memory: \
  VISIBLE_SECRET_KEY=throwaway-secret-key-for-make-check-only-never-used-to-sign-anything \
  VISIBLE_AUDIT_KEY=throwaway-audit-key-for-make-check-only-never-used

# Every model change has its migration.
check-migrations: python-deps
	$(DEPLOY_CHECK_ENV) $(BIN)/visible manage makemigrations --check --dry-run

# Django's deployment checklist (HSTS, secure cookies, SSL redirect ...): warnings fail too.
# (Alone on a fresh clone, run `make frontend` first: a missing build/static is a warning.)
check-deploy: python-deps
	$(DEPLOY_CHECK_ENV) $(BIN)/visible manage check --deploy --fail-level WARNING

# The layers' import contracts in .importlinter.
check-imports: python-deps
	PYTHONPATH=src $(BIN)/lint-imports

# The risk engine strict and at zero errors; the package's count only allowed to fall.
check-mypy: python-deps
	$(BIN)/python scripts/mypy-ratchet

# Rewrite requirements/lock.txt from pyproject.toml (every extra, with hashes), keeping the
# versions already locked where they still fit; upgrade with e.g. LOCK_ARGS=--upgrade.
lock: python-deps
	$(BIN)/uv pip compile pyproject.toml --all-extras --universal --python-version 3.11 \
	  --generate-hashes --custom-compile-command 'make lock' -o requirements/lock.txt --quiet $(LOCK_ARGS)

lint: setup
	$(BIN)/ruff check src tests bench

bench: setup dfe-validator
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) node_modules build var
