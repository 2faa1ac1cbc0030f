# The two commands of the README's quick start, and the pieces they are built from.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint bench bench-bulk check-reference clean

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

# Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL; defaults: the local servers). BENCH_ARGS="--rows 100000"
bench-bulk: $(STAMP)
	$(PY) bench/bulk.py $(BENCH_ARGS)

# Optional, never part of `make test` or CI: compare the repository's copies of reference files (tests/data,
# verification/contexts, verification/schemas) with a reference folder outside it. REFERENCE=/path/to/ob3
check-reference:
	@test -n "$(REFERENCE)" || { echo "usage: make check-reference REFERENCE=/path/to/reference-material"; exit 2; }
	$(PYTHON) scripts/check_reference.py "$(REFERENCE)"

clean:
	rm -rf $(VENV) var .pytest_cache
