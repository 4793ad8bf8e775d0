# Two commands for a newcomer: `make run` and `make test`. Both set everything up themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider
# The HTTP benchmarks drive their servers with wrk (Debian's package), installed on first use.
WRK := command -v wrk >/dev/null || (apt-get install -y -q wrk || (apt-get update -q && apt-get install -y -q wrk))

.PHONY: bench-data bench-realtime bench-auth bench-webhooks bench-endpoints bench-hooks profile-data bench-instructions install run migrate lint test test-postgres test-sqlite bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/basalt migrate

## Serve on http://127.0.0.1:8000 (PORT overrides) with SQLite, in-memory broadcast and ./var/files.
run: migrate
	$(BIN)/basalt serve

## The whole suite on PostgreSQL + Redis + S3 (started here on free ports), then the main paths on SQLite.
test: lint test-postgres test-sqlite

lint: install
	$(BIN)/ruff check --select F,E9 --exclude models/migrations graphql_api schema resolvers models rest_compat tests bench scripts extensions

# pytest exits 5 when a selection collects no tests; that is not a failure here.
test-postgres: install
	$(BIN)/python scripts/test_services.py -- $(PYTEST) || [ $$? -eq 5 ]

test-sqlite: install
	BASALT_TEST_DATABASE_URL= BASALT_TEST_REDIS_URL= $(PYTEST) -m "not postgres_only" || [ $$? -eq 5 ]

bench: install
	$(WRK)
	$(BIN)/python scripts/test_services.py -- $(BIN)/python bench/run.py

bench-data: install
	$(WRK)
	$(BIN)/python scripts/test_services.py -- $(BIN)/python bench/data_plane.py

bench-realtime: install
	$(BIN)/python scripts/test_services.py -- $(BIN)/python bench/realtime.py

bench-auth: install
	$(WRK)
	$(BIN)/python scripts/test_services.py -- $(BIN)/python bench/auth.py

bench-webhooks: install
	$(BIN)/python scripts/test_services.py -- $(BIN)/python bench/webhooks.py

bench-endpoints: install
	$(WRK)
	$(BIN)/python scripts/test_services.py -- $(BIN)/python bench/custom_endpoints.py

bench-hooks: install
	$(WRK)
	$(BIN)/python scripts/test_services.py -- $(BIN)/python bench/hooks.py

profile-data: install
	$(BIN)/python scripts/test_services.py -- $(BIN)/python bench/profile_requests.py

## Instructions per request under valgrind (TARGETS="get create", TREES="--tree /tmp/prev --tree ."): A/B without the box's noise.
bench-instructions: install
	command -v valgrind >/dev/null || apt-get install -y -q valgrind
	$(BIN)/python bench/instructions.py $(or $(TARGETS),get create list) $(TREES)

clean:
	rm -rf $(VENV) var .pytest_cache
