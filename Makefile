# Two commands for a newcomer: `make demo` (run the portal with demo data) and `make test` (every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

.PHONY: install demo test check suite lint chromium

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

## Install, prepare the database, load the demo, run web + Celery worker + beat on http://127.0.0.1:8000
demo: install
	$(BIN)/python manage.py demo

## Install everything (Chromium included), run the static checks, then the whole suite
## (`make -k test` runs the suite even when a static check fails)
test: check suite

## ruff, the import contracts and the type checks, as pyproject.toml configures them
check: install
	$(BIN)/ruff check .
	PYTHONPATH=. $(BIN)/lint-imports
	$(BIN)/mypy

# Through PgBouncer where it is installed (CI installs it); a laptop without it runs the second call directly.
POOLER := $(shell { command -v pgbouncer || test -x /usr/sbin/pgbouncer; } >/dev/null 2>&1 && echo pgbouncer-transaction)

## The whole suite, in three calls. First every test but the fault and replica tests, on one worker per core
## (pytest-xdist; pytest-django gives each worker its own test database, e.g. test_fucheng_gw0, and
## each worker its own live server and Chromium). xdist's default distribution hands each worker its
## tests in collection order, so pytest-django's order (the transactional tests, browser tests among
## them, after the others) holds in every worker. Then the fault tests alone: they start, kill and
## restart servers and wait on the clock, so they run with the machine to themselves. They run through
## PgBouncer in transaction mode, with the `postgres` tests (the races) again: DATABASE_POOLER puts a
## PgBouncer of the session's own in front of PostgreSQL (docs/pgbouncer.md; straight to PostgreSQL
## where pgbouncer is not installed). Last the reporting
## pages against a real streaming replica (tests/replica: a private primary holding the test database and
## a hot standby of it; skipped on SQLite). Every call always runs; the target fails if any does.
suite: install chromium
	status=0; $(BIN)/python -m pytest -n auto -m "not faults and not replica" || status=$$?; \
	DATABASE_POOLER=$(POOLER) $(BIN)/python -m pytest -m "faults or postgres" || status=$$?; \
	$(BIN)/python -m pytest -m replica || status=$$?; \
	exit $$status

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Browser tests drive Debian's Chromium (no test tool can download a browser here); the CJK
# fonts make the Chinese pages readable in the screenshots.
chromium:
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; \
	  else echo "Browser tests need Chromium and CJK fonts: sudo apt-get install chromium fonts-noto-cjk" >&2; exit 1; fi; }
