# Barnet Outreach Atlas. `make run` starts the dashboard; `make test` runs every check.
# Both set up what they need on a fresh machine (a Python virtual environment in .venv,
# browser assets from pip packages, Debian's chromium for the browser tests).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8501
# A boundary file to use instead of downloading from the ONS (GeoJSON, GeoPackage, zip).
WARDS_FILE ?=
# Records in the synthetic demo shown while the store is empty.
ATLAS_DEMO_RECORDS ?= 1000
export ATLAS_DEMO_RECORDS

.PHONY: run test lint unit e2e bench bench-quick bench-load bench-utility bench-backtest setup setup-dev assets wards chromium clean

run: setup assets wards
	$(BIN)/streamlit run dashboard/app.py --server.port $(PORT) --server.address 0.0.0.0

test: setup-dev assets chromium node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

# Only the fast tests (no browser).
unit: setup-dev assets
	$(BIN)/pytest -m "not e2e"

e2e: setup-dev assets chromium node_modules/.installed
	$(BIN)/pytest -m e2e

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

setup: $(VENV)/.installed
setup-dev: $(VENV)/.installed-dev

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

assets: setup
	$(PY) -m dashboard.assets

# Cached boundaries are kept; otherwise WARDS_FILE is loaded, or the ONS service is asked.
# If neither works (say, offline), the dashboard starts on its set-up page instead.
wards: setup
ifneq ($(strip $(WARDS_FILE)),)
	$(PY) -m geodata wards --from "$(WARDS_FILE)"
else
	-$(PY) -m geodata wards --ensure
endif

# Debian's chromium for the browser tests (Playwright drives it; it never downloads one).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

# Needs ward boundaries: the cached ones (make run), or WARDS_FILE=path.
bench: setup-dev assets chromium
	$(PY) -m bench.run $(if $(WARDS_FILE),--wards "$(WARDS_FILE)")

bench-quick: setup-dev assets chromium
	$(PY) -m bench.run --quick $(if $(WARDS_FILE),--wards "$(WARDS_FILE)")

# 10 browser sessions clicking for 2 minutes against one server (loopback), on an atlas
# home that holds records: make bench-load HOME_DIR=/path/to/atlas-home
bench-load: setup-dev assets chromium
	$(PY) -m bench.concurrency --home "$(HOME_DIR)" --two-servers $(if $(WARDS_FILE),--wards "$(WARDS_FILE)")

# What the release layer costs planners: released against exact figures on the demo.
bench-utility: setup-dev
	$(PY) -m bench.utility $(if $(WARDS_FILE),--wards "$(WARDS_FILE)")

# How accurate each Priorities method has been on the demo, beside two baselines.
bench-backtest: setup-dev
	$(PY) -m bench.backtest $(if $(WARDS_FILE),--wards "$(WARDS_FILE)")

clean:
	rm -rf $(VENV) node_modules dashboard/static/vendor .pytest_cache .ruff_cache
