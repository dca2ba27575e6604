# PagerBridge: `make run` sets up and starts everything; `make test` sets up and runs the tests.
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup setup-test run test lint lock clean

setup: $(VENV)/.installed static/vendor/htmx.min.js

# Installs exactly what the lock pins (requirements-dev.txt: the app's lock plus the test tools), then the app itself.
$(VENV)/.installed: requirements-dev.txt requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

static/vendor/htmx.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

setup-test: setup
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || echo "chromium missing: browser tests will be skipped (apt-get install chromium)"; }

run: setup
	$(PY) scripts/dev.py

test: setup-test
	$(PY) -m pytest $(PYTEST_ARGS)

# ruff; the import contracts of docs/architecture.md (.importlinter); mypy on the typed subset (pyproject.toml); the
# share of annotated functions per package (at least 90% in the typed ones).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) scripts/annotations.py

# Re-resolve the locks from pyproject.toml after changing a dependency (the production lock follows the dev one).
lock:
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet pip-tools
	$(VENV)/bin/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links \
		--extra dev -o requirements-dev.txt pyproject.toml
	$(VENV)/bin/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links \
		-c requirements-dev.txt -o requirements.txt pyproject.toml

clean:
	rm -rf $(VENV) node_modules static/vendor instance/*.db
