# Two commands: `make run` and `make test`. Everything else is a helper they call.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1:8000
# The public base URL in e-mails, the PDF's verification link and QR: SITE_URL when set, else the
# address `make run` serves.
RUN_SITE_URL = $(or $(SITE_URL),http://$(HOST))

.PHONY: run test bench venv deps dev-deps system-packages messages migrate seed lint gates lock backup

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)

venv: $(VENV)/bin/activate

# Dependencies come from the lock files (exact versions, every file's hash): two builds of one commit
# install the same bytes. The project itself is installed without dependencies on top. `make lock`
# re-resolves them after a change to pyproject.toml (README, "Updating dependencies").
deps: venv
	$(PIP) install -q --require-hashes -r requirements/main.lock
	$(PIP) install -q --no-deps -e .

dev-deps: venv
	$(PIP) install -q --require-hashes -r requirements/dev.lock
	$(PIP) install -q --no-deps -e .

lock: dev-deps
	$(PIP) install -q 'uv==0.13.9'
	$(VENV)/bin/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes --no-header -q -o requirements/main.lock
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes --no-header -q -o requirements/dev.lock

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

# What a 测评机构 checks before a release (R38), run by .ci/run: lint and layering, migrations that match
# the models, Django's deployment checks under the production settings the compose file deploys,
# and no high-severity bandit finding.
gates: dev-deps messages
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run
	PYTHON=$(PY) ./scripts/check-deploy.sh
	$(VENV)/bin/bandit -q -c pyproject.toml -r portal diagnosis providers subsidies bench --severity-level high

# Encrypted backup of the database and the media store (README, "Operations"; needs BACKUP_KEY).
backup: deps
	$(PY) manage.py backup

lint: dev-deps
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
