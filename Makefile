# The README's two commands: `make demo` and `make test`. Both install first when needed.
# `make check` is the quick loop: the tests not marked slow, and the layering contracts.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Two workers: the machine has 2 cores and the tests share no state (each worker has its own Prefect harness).
WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -q -n $(WORKERS) --durations=15
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_UI_ENABLED ?= false

.PHONY: install demo test check lint-imports chromium poppler clean bench-smoke

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[test,dask]'
	touch $(STAMP)

install: $(STAMP)

# Reports are tested in a real headless Chromium: Debian's package, installed when missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || sudo sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null'; }

demo: install
	$(BIN)/python -m sim_pipeline.demo

lint-imports: install
	$(BIN)/lint-imports --no-cache

test: install chromium lint-imports
	$(PYTEST)

check: install chromium lint-imports
	$(PYTEST) -m "not slow"

clean:
	rm -rf $(VENV) .prefect .pytest_cache .hypothesis test-artifacts .import_linter_cache
