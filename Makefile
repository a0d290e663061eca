# Two commands do everything: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint bench samples clean chromium java postgresql load load-large

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

ANONYMETER := anonymeter==1.1.0

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[privacy,dp]'
	# anonymeter's declared pins would downgrade numpy; see pyproject.toml.
	$(PY) -m pip install -q --no-deps $(ANONYMETER)
	touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install -q -e '.[test]'
	touch $@

run: $(STAMP)
	$(VENV)/bin/fairsynth app --port $(PORT)

# Debian's chromium drives the browser tests; `playwright install` would download and fail here.
chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

# Spark's local mode (the `--engine spark` tests) needs a Java runtime.
java:
	@command -v java >/dev/null || (apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null)

# The registry tests start their own PostgreSQL 15 server (tests/conftest_registry.py).
postgresql:
	@command -v /usr/lib/postgresql/15/bin/pg_ctl >/dev/null || (apt-get update -qq && apt-get install -y -qq postgresql >/dev/null)

test: $(TEST_STAMP) chromium java postgresql
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

samples: $(STAMP)
	$(PY) scripts/build_samples.py

bench: $(STAMP)
	$(PY) bench/run_all.py

# 8 browser sessions at once walk the analyst path against a local server (see README).
load: $(TEST_STAMP) chromium
	$(PY) bench/load_test.py --sessions 8

# 8 sessions at once each upload a 100 MB + 100 MB CSV pair and walk every page; the server's peak
# RSS must stay under its memory budget (FAIRSYNTH_SERVER_MEMORY_MB for the run, see README).
load-large: $(TEST_STAMP) chromium
	$(PY) bench/load_large.py --sessions 8 --mb 100

clean:
	rm -rf $(VENV) .pytest_cache
