# SafeServe — `make demo` runs it, `make test` tests it; both work from a fresh clone.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
MANAGE := DEBUG=true $(PY) manage.py
VENDOR := build/vendor

.PHONY: prerequisites setup demo test test-sqlite test-postgres test-production test-dates fuzz lint assets messages run bench loadtest restore-drill clean

setup: prerequisites $(VENV)/.installed $(VENDOR)/.copied locale/zh_Hans/LC_MESSAGES/django.mo  ## idempotent

# What a bare Debian machine lacks, said in one line before anything else runs (the demo
# renders signed PDFs: Pango and a CJK font; the test suite also needs chromium,
# poppler-utils and libnss3-tools, which .ci/run installs).
prerequisites:
	@missing=""; \
	test -n "$(PYTHON)" || missing="$$missing python3(>=3.11)"; \
	command -v msgfmt >/dev/null 2>&1 || missing="$$missing gettext"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	fc-list :lang=zh 2>/dev/null | grep -q . || missing="$$missing fonts-wqy-zenhei"; \
	if [ -n "$(PYTHON)" ] && ! $(PYTHON) -c 'import ensurepip, venv' >/dev/null 2>&1; then missing="$$missing python3-venv"; fi; \
	if [ -n "$$missing" ]; then echo "Missing:$$missing — install with: sudo apt-get install$$missing" | sed 's/python3(>=3.11)/python3/g'; exit 1; fi

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python >= 3.11 is required"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[dev]"
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/.copied: node_modules/.package-lock.json scripts/copy_assets.sh
	bash scripts/copy_assets.sh node_modules $(VENDOR)
	touch $@

assets: $(VENDOR)/.copied

locale/zh_Hans/LC_MESSAGES/django.mo: locale/zh_Hans/LC_MESSAGES/django.po $(VENV)/.installed
	$(MANAGE) compilemessages -l zh_Hans --ignore=.venv --ignore=node_modules >/dev/null
	touch $@

messages: $(VENV)/.installed  ## refresh the translation catalogue after changing strings
	$(MANAGE) makemessages -l zh_Hans --no-wrap --no-obsolete --ignore=.venv --ignore=node_modules --ignore=build
	$(MANAGE) makemessages -d djangojs -l zh_Hans --no-wrap --no-obsolete --ignore=.venv --ignore=node_modules --ignore=build

demo: setup  ## migrate, seed the demo counties, run the task worker and the server
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@echo "Open http://127.0.0.1:8000 — demo logins above, password demo-Pass-2026"
	@$(MANAGE) db_worker --interval 1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver 127.0.0.1:8000

run: setup
	$(MANAGE) runserver 127.0.0.1:8000

bench: setup  ## figures for the note: county scale, then province scale (1M hazards)
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) bench
	$(MANAGE) seed_demo --scale province
	$(MANAGE) bench --user admin
	$(MANAGE) bench --scale province

loadtest: setup  ## 20 people of four roles reading the province fixture through gunicorn (DATABASE_URL: it)
	$(PIP) install --quiet -e ".[load]"
	bash deploy/loadtest/run.sh

restore-drill: setup  ## back up the demo database and files, restore them into fresh ones, compare
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	$(MANAGE) restore_drill

test: setup
	$(MAKE) --no-print-directory test-sqlite
	@if [[ "$$DATABASE_URL" == postgres* ]]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "DATABASE_URL does not point at PostgreSQL: PostgreSQL run skipped"; fi
	$(MAKE) --no-print-directory test-production

test-sqlite:
	@echo "== test suite on SQLite =="
	env -u DATABASE_URL $(VENV)/bin/pytest -n 2 -q -m "not production"

test-postgres:
	@echo "== test suite on PostgreSQL ($$DATABASE_URL) =="
	$(VENV)/bin/pytest -n 2 -q -m "not production"

# The suite again at awkward moments (outside CI): a Sunday, 29 February, New Year's Eve late.
test-dates: setup
	@for now in 2026-12-06T10:00:00+08:00 2028-02-29T10:00:00+08:00 2026-12-31T23:30:00+08:00; do \
	  echo "== test suite on SQLite with the clock at $$now =="; \
	  SAFESERVE_TEST_NOW=$$now env -u DATABASE_URL $(VENV)/bin/pytest -n 2 -q -m "not production" || exit 1; \
	done

# The API schema fuzzed much harder than make test does (every phase, many examples); outside CI.
fuzz: setup
	SAFESERVE_FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-50} env -u DATABASE_URL $(VENV)/bin/pytest -n 2 -q safeserve/api/tests/test_fuzz.py

# The README's production path under gunicorn, once per run (on PostgreSQL when
# DATABASE_URL points at it).
test-production:
	@echo "== production smoke test =="
	$(VENV)/bin/pytest -q -m production

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/djlint --lint templates safeserve
	$(MANAGE) makemigrations --check --dry-run >/dev/null

clean:
	rm -rf build node_modules $(VENV) db.sqlite3
