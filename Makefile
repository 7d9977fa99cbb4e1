# Học vụ số. Quick start: `make run` (app with demo data) and `make test` (everything).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
TEST_DATABASE_URL ?= postgresql://127.0.0.1:5432/test
export FLASK_APP := wsgi.py

.PHONY: run test bench install translations compile-translations lint test-sqlite test-postgres vendor clean

$(BIN)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip==25.3
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

install: $(BIN)/.installed compile-translations

compile-translations: $(BIN)/.installed
	$(BIN)/pybabel -q compile -d translations

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask demo
	@echo "Học vụ số: http://$(HOST):$(PORT)/"
	$(BIN)/flask run --host $(HOST) --port $(PORT)

lint: $(BIN)/.installed
	$(BIN)/ruff check learnapp tests scripts bench migrations wsgi.py
	$(BIN)/bandit -q -r learnapp -ll  # no medium or high findings
	$(BIN)/python scripts/audit.py    # pip-audit: known vulnerabilities in the pinned packages

test: install lint test-sqlite test-postgres

# `env -u`: a TEST_DATABASE_URL given to make on its command line is exported to every
# recipe; this run is the SQLite one.
test-sqlite: install
	$(BIN)/flask lessons check
	env -u TEST_DATABASE_URL $(BIN)/pytest -q

# PostgreSQL: required when CI=true; elsewhere skipped (with a notice) if no server answers.
test-postgres: install
	@if $(BIN)/python scripts/pg_ready.py "$(TEST_DATABASE_URL)"; then \
		TEST_DATABASE_URL="$(TEST_DATABASE_URL)" $(BIN)/pytest -q -m "not browser"; \
	elif [ "$${CI:-}" = "true" ]; then \
		echo "CI=true and PostgreSQL does not answer at $(TEST_DATABASE_URL)" >&2; exit 1; \
	else \
		echo "NOTICE: PostgreSQL does not answer at $(TEST_DATABASE_URL): PostgreSQL tests not run."; \
	fi

# Every benchmark on SQLite and PostgreSQL (tens of minutes at national scale), then
# bench/results/SUMMARY.md. Needs Debian's wrk and chromium; see docs/performance.md.
bench: install
	$(BIN)/python bench/all.py

translations: $(BIN)/.installed
	$(BIN)/python scripts/translations.py

vendor:
	bash scripts/vendor.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
