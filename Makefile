# Two commands: `make run` and `make test`. Everything else is a helper they call.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1:8000
# The public base URL in e-mails, the PDF's verification link and QR: SITE_URL when set, else the
# address `make run` serves.
RUN_SITE_URL = $(or $(SITE_URL),http://$(HOST))

.PHONY: run test bench venv deps dev-deps system-packages messages migrate seed lint

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)

venv: $(VENV)/bin/activate

deps: venv
	$(PIP) install -q -e .

dev-deps: venv
	$(PIP) install -q -e ".[dev]"

system-packages:
	./scripts/install-system-packages.sh

messages: venv
	$(PY) manage.py compilemessages -v 0 --ignore=.venv

run: system-packages deps messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	SITE_URL='$(RUN_SITE_URL)' $(PY) manage.py runserver $(HOST)

test: system-packages dev-deps messages
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: dev-deps messages
	$(PY) -m bench

lint: dev-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
