# The README's two commands: `make demo` and `make test`. Both install first when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_UI_ENABLED ?= false

.PHONY: install demo test chromium clean bench-smoke

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

test: install chromium
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) .prefect .pytest_cache .hypothesis test-artifacts
