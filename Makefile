# Everything a fresh machine needs is installed by these targets themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_BIN := /usr/lib/postgresql/15/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench install postgres chromium clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# PostgreSQL 15 binaries for the throwaway test cluster (the tests start and stop it themselves).
postgres:
	@test -x $(PG_BIN)/initdb || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null)

# Debian's Chromium for the browser tests (Playwright drives it; never `playwright install`),
# with the CJK font the pages ask for first, so screenshots show Chinese rather than boxes.
chromium:
	@(test -x /usr/bin/chromium && fc-list -q ':lang=zh') || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null)

demo: $(STAMP)
	$(BIN)/budgetloop demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: $(STAMP) postgres chromium lint
	$(BIN)/python -m pytest -n 2

bench: $(STAMP) postgres
	$(BIN)/python bench/seed.py
	$(BIN)/python bench/workflow.py
	$(BIN)/python bench/rules.py
	$(BIN)/python bench/whatif.py --postgres
	$(BIN)/python bench/alerts.py --postgres
	$(BIN)/python bench/tick_claims.py --postgres
	$(BIN)/python bench/spec_cache.py --postgres
	$(BIN)/python bench/year.py
	$(BIN)/python bench/latency.py --postgres
	$(BIN)/python bench/abuse.py --postgres
	$(BIN)/python bench/messages.py
	$(BIN)/python bench/frames.py --postgres
	$(BIN)/python bench/departments.py --postgres

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
