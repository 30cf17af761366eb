# Two commands do all set-up on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DB ?= data/hssk.duckdb
PORT ?= 8501

.PHONY: run test lint demo install install-dev system-deps benchmark clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Debian packages the tests need: Chromium for the browser test, Java 17 for Splink's Spark backend.
system-deps:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }
	@command -v java >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless; }

$(DB): | $(VENV)/.installed
	$(PY) -m hssk demo --db $(DB)

demo: $(VENV)/.installed
	$(PY) -m hssk demo --db $(DB)

run: $(VENV)/.installed $(DB)
	HSSK_DB=$(DB) $(VENV)/bin/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT)

# ruff's settings are in pyproject.toml ([tool.ruff]).
lint: $(VENV)/.installed-dev
	$(PY) -m ruff check .

test: lint $(VENV)/.installed-dev system-deps
	$(PY) -m pytest -q -p no:cacheprovider tests

benchmark: $(VENV)/.installed
	$(PY) benchmarks/run.py --residents 50000

clean:
	rm -rf $(VENV) .pytest_cache
