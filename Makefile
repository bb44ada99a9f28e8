# Legitimatie bij beeldbellen — the two commands a new machine needs: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help run test lint unit integration bench clean

help:
	@echo "make run    install into .venv and start the local stack on http://127.0.0.1:3000"
	@echo "make test   install what the tests need and run them all"
	@echo "make lint   ruff and mypy only"

# The virtualenv is rebuilt whenever the dependencies or their pins change.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	$(PY) -c "import xmlsec, lxml.etree; print('xmlsec', xmlsec.__version__, 'lxml', lxml.etree.__version__)"
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m infrastructure.local

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

test: $(STAMP) lint
	$(PY) -m pytest

clean:
	rm -rf $(VENV) .local .pytest_cache .ruff_cache .mypy_cache .aws-sam
