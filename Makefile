# spinepath — the two commands people need: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint types pytest browser install install-dev bench bench-web bench-load serve-prod wrk dast dast-tools clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamps re-run the install only when pyproject.toml changes, so repeat runs start fast.
$(VENV)/.runtime: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.dev: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# DEBUG defaults off (production-safe); `make run` is for development, so it turns DEBUG on.
# Another port: make run PORT=8001
run: export DEBUG=1
run: install
	@mkdir -p var
	$(PY) manage.py migrate --no-input -v0
	$(PY) manage.py seed_demo --if-empty
	@echo
	@echo "  spinepath is starting on http://$(HOST):$(PORT)/ (and its background worker)"
	@echo "  Demo logins: clinician-a, physiotherapist-a, admin-a, analyst-a (and the same with -b)"
	@echo "  Demo password: $$($(PY) -c 'import os; os.environ.setdefault("DJANGO_SETTINGS_MODULE","spinepath.settings"); import django; django.setup(); from django.conf import settings; print(settings.SPINEPATH_DEMO_PASSWORD)')"
	@echo
	@# The background worker (follow-up messages) runs beside the web server. Ctrl-C stops the
	@# server; the trap then stops the worker (SIGTERM: it finishes the task in hand) and waits
	@# for it, so nothing is left running.
	@$(PY) manage.py run_worker --managed --no-startup-delay & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# Browser tests drive Debian's Chromium; never a browser downloaded by a test tool.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests…"; \
	    apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "chromium is missing and cannot be installed here (needs root and apt-get)."; \
	  fi; \
	fi

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/bandit -q -c pyproject.toml -r spinepath -x '*/tests/*,spinepath/testing.py'

types: install-dev
	$(VENV)/bin/mypy spinepath/clinical spinepath/lib

# One worker per core (pytest-xdist); PYTEST_ARGS= runs in one process, e.g. to debug.
PYTEST_ARGS ?= -n auto

pytest: install-dev browser
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test: lint types pytest

bench: install-dev
	$(PY) bench/run.py

# The pages under load (bench/web.py): a seeded demo served by gunicorn, driven by wrk on loopback.
# Options go through BENCH_ARGS, e.g. make bench-web BENCH_ARGS="--patients 300 --seconds 3";
# DATABASE_URL=postgres://… benches PostgreSQL (that database is dropped and recreated).
BENCH_ARGS ?=
bench-web: install-dev wrk
	$(PY) bench/web.py $(BENCH_ARGS)

# Load (issue 17, bench/load.py): B1 patient page, B2 patient link submissions with duplicates,
# each beside a reference server in the same run, and a soak of 70 people of every role with
# think time (30 min after a 2-min warm-up unless BENCH_ARGS="--soak-minutes 5"; flat out:
# "--soak-mode stress"). DATABASE_URL=postgres://…/load_bench benches PostgreSQL (recreated).
bench-load: install-dev wrk
	$(PY) bench/load.py $(BENCH_ARGS)

# wrk drives the web bench; Debian's package, installed like the browser tests' chromium.
wrk:
	@if ! command -v wrk >/dev/null; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's wrk for the web bench…"; \
	    apt-get update -qq && apt-get install -y -qq wrk >/dev/null; \
	  else \
	    echo "wrk is missing and cannot be installed here (needs root and apt-get)."; \
	  fi; \
	fi

# The production server as the bench runs it: DEBUG off, collected static files, 2 workers.
# Needs SECRET_KEY and ALLOWED_HOSTS (and SECURE_SSL_REDIRECT=0 without a TLS proxy in front).
WORKERS ?= 2
serve-prod: install
	$(PY) manage.py collectstatic --no-input -v0
	$(PY) manage.py migrate --no-input -v0
	$(VENV)/bin/gunicorn spinepath.wsgi:application --bind $(HOST):$(PORT) --workers $(WORKERS)

# DAST (issue 17, item 7): wapiti against the production set-up (gunicorn, DEBUG off, TLS with a
# throwaway certificate) on 127.0.0.1, over a seeded demo: the staff pages signed in (second step
# done), a patient's link pages, and the anonymous sign-in and link pages. Wapiti lives in its own
# virtualenv (its pins clash with the project's), installed from PyPI by `make dast-tools`. Reports
# in var/dast/<scan>/report.json; a finding of medium severity or above, or a scan that did not
# reach its pages, fails. .ci/run runs it: 6 to 7 minutes here. DAST_ARGS="--time-scale 4" goes deeper.
DAST_VENV := .venv-dast
WAPITI_VERSION := 3.2.3
DAST_ARGS ?=
$(DAST_VENV)/.wapiti-$(WAPITI_VERSION):
	$(PYTHON) -m venv $(DAST_VENV)
	$(DAST_VENV)/bin/pip install --quiet wapiti3==$(WAPITI_VERSION)
	touch $@

dast-tools: $(DAST_VENV)/.wapiti-$(WAPITI_VERSION)

dast: install dast-tools
	$(PY) tools/dast.py $(DAST_ARGS)

clean:
	rm -rf $(VENV) $(DAST_VENV) var/static .pytest_cache .mypy_cache .ruff_cache
