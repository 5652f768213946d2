# The two commands of the README: `make run` and `make test`. Each sets up what it needs first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test test-fast lint bench demo-workbooks

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(VENV)/.runtime $@

## Set up and run the app on the embedded store (data/backbone.duckdb; the demo loads on first run).
run: $(VENV)/.runtime
	$(BIN)/python -m streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT)

## Set up and run every test: unit, app (AppTest) and browser (Chromium).
test: $(VENV)/.dev
	@command -v chromium >/dev/null || sh .ci/install-chromium.sh
	@sh .ci/install-tools.sh
	$(BIN)/python -m pytest

## Unit and app tests only (no browser).
test-fast: $(VENV)/.dev
	@sh .ci/install-tools.sh
	$(BIN)/python -m pytest -m "not browser"

lint: $(VENV)/.dev
	$(BIN)/ruff check .

## Every benchmark; the scale benchmark at 1,000,000 observations (`make bench BIG=10000000` adds a 10M store).
BIG ?=
bench: $(VENV)/.dev
	$(BIN)/python bench/run_all.py
	$(BIN)/python -m bench.scale $(if $(BIG),--big $(BIG))

## Rebuild the demo workbooks in data/demo from their copied sources.
demo-workbooks: $(VENV)/.runtime
	$(BIN)/python data/demo/build_workbooks.py
	$(BIN)/python data/demo/build_plans.py
