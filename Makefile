# The two commands of the README's quick start, and the pieces they are built from.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install lint typecheck messages lock bench bench-bulk bench-load screenshots check-reference clean

# Installs exactly the locked versions (hash-checked), then the project itself without resolving anything again.
$(STAMP): pyproject.toml requirements/dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
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
	$(VENV)/bin/lint-imports

# mypy's Django plugin imports config.settings, which refuses to load without its secrets: placeholders here
# (the test suite's fixed values), and never the developer's .env.
TYPECHECK_ENV := DJANGO_ENV_FILE= DJANGO_DEBUG=1 SECRET_KEY=typecheck-only DATABASE_URL=sqlite:///:memory: \
	KEY_ENCRYPTION_KEY=dGVzdC1rZXktZW5jcnlwdGlvbi1rZXktMzJieXRlcyE=
typecheck: $(STAMP)
	$(TYPECHECK_ENV) $(VENV)/bin/mypy

# The translations (README, "Languages"): collects the marked strings into each language's .po, then compiles the
# .mo files the server reads. Needs GNU gettext (msgmerge, msgfmt), which only this target does: the .mo files are
# committed, so running the site or the tests needs none of it.
MESSAGE_LANGUAGES := de
messages: $(STAMP)
	$(TYPECHECK_ENV) $(PY) manage.py makemessages --no-location --no-obsolete \
		$(addprefix -l ,$(MESSAGE_LANGUAGES)) --ignore=.venv --ignore=var --ignore=tests --ignore=bench --ignore=docs
	$(TYPECHECK_ENV) $(PY) manage.py compilemessages --ignore=.venv

# Regenerates both lock files from pyproject.toml after a dependency changes there (then `make install`).
# Pins already in the lock are kept; LOCK_ARGS=--upgrade moves everything to the newest allowed release,
# LOCK_ARGS="--upgrade-package NAME" one package. Universal: one lock for every supported Python and platform
# (the Dockerfile's 3.12 as well as 3.11). The dev lock is constrained by the runtime one, so the tests run on
# exactly the versions that ship.
LOCK := $(VENV)/bin/uv pip compile pyproject.toml --quiet --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock" $(LOCK_ARGS)
lock: $(STAMP)
	$(LOCK) -o requirements/runtime.txt
	$(LOCK) --extra dev -c requirements/runtime.txt -o requirements/dev.txt

# Every row of the speed targets (docs/performance.md), each with the core rate of the same run: the in-process ones
# on the embedded default, then the bulk job and the served load where PostgreSQL and Redis can be reached.
bench: $(STAMP)
	$(PY) bench/crypto.py
	$(PY) bench/verify.py
	$(PY) bench/award.py
	$(PY) bench/public.py
	$(PY) bench/bulk.py --rows 100000 --if-available
	$(PY) bench/load.py --if-available

# Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL; defaults: the local servers). BENCH_ARGS="--rows 100000"
bench-bulk: $(STAMP)
	$(PY) bench/bulk.py $(BENCH_ARGS)

# The public page, the verify API and the award API under locust, against gunicorn + PostgreSQL on 127.0.0.1: 10 users
# for 30 s by default (BENCH_ARGS="--users 10 --duration 60"). DATABASE_URL names the server; REDIS_URL and
# CELERY_BROKER_URL, when set, must be Redis databases of the run's own (emptied before and after).
bench-load: $(STAMP)
	$(PY) bench/load.py $(BENCH_ARGS)

# The pictures in docs/screenshots, taken by the browser tests in headless Chromium.
screenshots: $(STAMP)
	SCREENSHOTS_DIR=docs/screenshots E2E_REQUIRED=1 $(PY) -m pytest tests/e2e -q

# Optional, never part of `make test` or CI: compare the repository's copies of reference files (tests/data,
# verification/contexts, verification/schemas) with a reference folder outside it. REFERENCE=/path/to/ob3
check-reference:
	@test -n "$(REFERENCE)" || { echo "usage: make check-reference REFERENCE=/path/to/reference-material"; exit 2; }
	$(PYTHON) scripts/check_reference.py "$(REFERENCE)"

clean:
	rm -rf $(VENV) var .pytest_cache
