# `make run` and `make test` each build .venv on first use and reinstall when pyproject.toml changes: `make run`
# installs what serving needs, `make test` (and the other development targets) the test and lint tools too.
# pip's output goes to .venv/install.log and is shown only when an install fails.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
STAMP := $(VENV)/.installed
INSTALL = $(BIN)/pip install --quiet --disable-pip-version-check

.PHONY: run test test-domain test-fast test-processes lint schema migration graphiql bench bench-readme profile clean

$(BIN)/pip:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): pyproject.toml | $(BIN)/pip
	@echo "installing the server's packages into $(VENV) (log: $(VENV)/install.log)"
	@$(INSTALL) -e . > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $(RUN_STAMP)

$(STAMP): pyproject.toml | $(BIN)/pip
	@echo "installing the server's packages and the development tools into $(VENV) (log: $(VENV)/install.log)"
	@$(INSTALL) -e '.[dev]' > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@touch $(STAMP) $(RUN_STAMP)

# GraphiQL's scripts, fetched once with npm so the page works offline (see web/graphiql.py).
graphiql: $(RUN_STAMP)
	@$(BIN)/python tools/fetch_graphiql.py

run: $(RUN_STAMP) graphiql
	$(BIN)/python main.py

# Every test, on every backend the TEST_*_URL variables name.
# Every test: the in-process tiers on two xdist workers (each test has databases of its own), then the tiers that
# start servers and browsers one at a time. Exit status 5 is "this selection has no test of that half".
test: $(STAMP) graphiql
	@$(BIN)/python -m pytest -n 2 --dist worksteal -m "not processes" $(PYTEST_ARGS); s=$$?; [ $$s -eq 0 ] || [ $$s -eq 5 ] || exit $$s
	@$(BIN)/python -m pytest -m processes $(PYTEST_ARGS); s=$$?; [ $$s -eq 0 ] || [ $$s -eq 5 ] || exit $$s

# The tiers: a folder each, its marker applied by tests/tiers.py. The two fast ones run on SQLite and in-memory
# counters only, whatever is exported; test-fast (tests/unit, tests/domain, tests/graphql) on two pytest-xdist
# workers, each with its own databases and its own share of the loopback ports (tests/support/servers.py).
LOCAL_ONLY := env -u TEST_POSTGRES_URL -u TEST_MYSQL_URL -u TEST_REDIS_URL
test-domain: $(STAMP)
	$(LOCAL_ONLY) $(BIN)/python -m pytest -m domain $(PYTEST_ARGS)

test-fast: $(STAMP) graphiql
	$(LOCAL_ONLY) $(BIN)/python -m pytest -n 2 --dist worksteal -m "not processes" $(PYTEST_ARGS)

test-processes: $(STAMP) graphiql
	$(BIN)/python -m pytest -m processes $(PYTEST_ARGS)

schema: $(STAMP)
	$(BIN)/python main.py export-schema > schema.graphql

# After changing models/: write the next migration into migrations/ (review it, then commit it).
migration: $(STAMP)
	$(BIN)/tortoise -c database.TORTOISE_ORM makemigrations
	$(BIN)/ruff format --quiet migrations
	$(BIN)/ruff check --quiet --fix migrations

# Load figures on this machine, each also as a ratio to a bare Strawberry app (bench/run.py --help). bench/tools.sh
# installs wrk (and pgbouncer for --pooler pgbouncer) when missing and run as root, else says how.
bench: $(STAMP)
	@bench/tools.sh bench $(BENCH_ARGS)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# README's Performance figures (between its bench:figures markers) and docs/bench.svg, from whichever
# bench/results/latest*.json the runs above wrote (bench/readme.py).
bench-readme: $(STAMP)
	$(BIN)/python bench/readme.py

# Where me and user(userName:) spend the server's time: py-spy samples of the running server (bench/profile.py).
profile: $(STAMP)
	@bench/tools.sh profile $(BENCH_ARGS)
	$(BIN)/python bench/profile.py $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info build
