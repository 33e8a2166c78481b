# Two commands for a newcomer: `make demo` (run the portal with demo data) and `make test` (every test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

.PHONY: install demo test lint chromium

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

## Install, prepare the database, load the demo, run web + Celery worker + beat on http://127.0.0.1:8000
demo: install
	$(BIN)/python manage.py demo

## Install everything (Chromium included) and run the whole suite, lint included
test: install chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Browser tests drive Debian's Chromium (no test tool can download a browser here); the CJK
# fonts make the Chinese pages readable in the screenshots.
chromium:
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; \
	  else echo "Browser tests need Chromium and CJK fonts: sudo apt-get install chromium fonts-noto-cjk" >&2; exit 1; fi; }
