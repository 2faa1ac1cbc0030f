# The two commands of the README's quick start, and the pieces they are built from.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint bench bench-bulk screenshots clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Local secrets are generated once into .env (git-ignored) and kept, never per process.
.env:
	$(PYTHON) scripts/make_dev_env.py > .env

run: $(STAMP) .env
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	$(PY) -m pytest -n auto $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(STAMP)
	$(PY) bench/crypto.py
	$(PY) bench/verify.py

# Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL; defaults: the local servers). BENCH_ARGS="--rows 100000"
bench-bulk: $(STAMP)
	$(PY) bench/bulk.py $(BENCH_ARGS)

# The pictures in docs/screenshots, taken by the browser tests in headless Chromium.
screenshots: $(STAMP)
	SCREENSHOTS_DIR=docs/screenshots E2E_REQUIRED=1 $(PY) -m pytest tests/e2e -q

clean:
	rm -rf $(VENV) var .pytest_cache
