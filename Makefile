# Legitimatie bij beeldbellen — the two commands a new machine needs: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: help run test lint openapi unit integration bench lambda-python clean site node chromium pdf-tools proof-fonts security-tools build deploy publish-site

help:
	@echo "make run    install into .venv and start the local stack on http://127.0.0.1:3000 (PORT=8080 for another)"
	@echo "make test   install what the tests need and run them all"
	@echo "make lint   ruff, mypy and the layering contracts (import-linter) only"
	@echo "make bench  cold start, latency, AWS calls, package size, cost and load (a few minutes)"

# The virtualenv is rebuilt whenever the dependencies or their pins change.
$(STAMP): pyproject.toml requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e '.[dev]'
	$(PY) -c "import xmlsec, lxml.etree; print('xmlsec', xmlsec.__version__, 'lxml', lxml.etree.__version__)"
	@touch $(STAMP)

# The local stack's port: `make run PORT=8080` when 3000 is taken.
PORT ?= 3000
run: $(STAMP) site proof-fonts
	$(PY) -m infrastructure.local --port $(PORT)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	PYTHONPATH=functions $(VENV)/bin/lint-imports --no-cache

# The API's OpenAPI document (functions/sessions/openapi.json) is generated from the routes and their pydantic models;
# tests/infrastructure/test_openapi.py fails when the committed file is not this output or misses a route. So are the
# core schemas the handlers validate request bodies with (functions/<function>/request_schemas.json, from the same
# models; tests/infrastructure/test_request_schemas.py).
openapi: $(STAMP)
	$(PY) -m infrastructure.deploy.openapi
	$(PY) -m infrastructure.deploy.request_schemas

test: $(STAMP) lint site chromium pdf-tools proof-fonts security-tools
	$(PY) -m pytest

# Issue 7: cold start, warm latency, AWS calls, package size, cost and load, as one table (a few minutes).
# JSON goes to bench/results/<timestamp>.json (not committed). `$(PY) -m bench --quick` tries the machinery.
# Cold starts are timed with python3.13, the Lambda runtime's version (built once into .toolchain/ when missing).
# The cost part counts the pages' requests in the built site (make site).
bench: $(STAMP) site proof-fonts
	BENCH_PYTHON=$$(bash infrastructure/deploy/lambda_python.sh 3.13 .toolchain) $(PY) -m bench

# An interpreter of the Lambda runtime's version compiles the bundle's bytecode (functions/Makefile): python3.13 on
# PATH, else CPython built once from Debian 13's signed source package into .toolchain/ (a few minutes).
lambda-python:
	@bash infrastructure/deploy/lambda_python.sh 3.13 .toolchain >/dev/null

# Pages (issue 4): NL Design System CSS, the design-token theme, the logo and the QR library are copied from
# static_site/node_modules (npm ci, registry only, no CDN) into static_site/vendor/, which is produced, not committed.
# A municipality swaps its theme and logo here, not in the HTML: see README "Pages and theming".
# The DigiD logo (Logius: unaltered) is the one the Utrecht component library ships in its <utrecht-digid-logo> web
# component, written out as an SVG file; DIGID_LOGO=path/to/digid.svg replaces it (e.g. Logius' own file).
SITE := static_site
THEME_PACKAGE ?= @nl-design-system-unstable/voorbeeld-design-tokens
THEME_CSS ?= dist/variables.css
LOGO ?= $(SITE)/assets/logo-voorbeeld.svg
DIGID_LOGO_COMPONENT := $(SITE)/node_modules/@utrecht/web-component-library-stencil/dist/collection/components/digid-logo.js
DIGID_LOGO ?=
NPM_STAMP := $(SITE)/node_modules/.package-lock.json
VENDOR_STAMP := $(SITE)/vendor/.built

$(NPM_STAMP): $(SITE)/package.json $(SITE)/package-lock.json | node
	cd $(SITE) && npm ci --no-audit --no-fund
	@touch $(NPM_STAMP)

# Copied every time (a few small files), so that THEME_PACKAGE, THEME_CSS, LOGO and DIGID_LOGO given on the command
# line count. Then the served site is built into static_site/dist/ (produced, not committed): each page with one
# stylesheet and one script of content-hashed names (infrastructure/deploy/site_build.py), fewer billed requests;
# the stylesheet keeps only the rules the pages can use (--purge: PurgeCSS, static_site/tools/purge-css.mjs).
# `make run`, `make publish-site` and the browser tests serve static_site/dist/.
site: $(NPM_STAMP)
	@rm -rf $(SITE)/vendor && mkdir -p $(SITE)/vendor
	cp $(SITE)/node_modules/@utrecht/component-library-css/dist/index.css $(SITE)/vendor/utrecht.css
	cp $(SITE)/node_modules/$(THEME_PACKAGE)/$(THEME_CSS) $(SITE)/vendor/theme.css
	cp $(SITE)/node_modules/qrcode-generator/dist/qrcode.js $(SITE)/vendor/qrcode.js
	cp $(LOGO) $(SITE)/vendor/logo.svg
	cp $(SITE)/node_modules/@utrecht/digid-button-css/dist/index.css $(SITE)/vendor/digid-button.css
	$(if $(DIGID_LOGO),cp $(DIGID_LOGO) $(SITE)/vendor/digid-logo.svg,node $(SITE)/tools/digid-logo.mjs $(DIGID_LOGO_COMPONENT) $(SITE)/vendor/digid-logo.svg)
	$(PYTHON) -m infrastructure.deploy.site_build --root $(SITE) --out $(SITE)/dist --purge
	@touch $(VENDOR_STAMP)

# npm builds the pages' vendor files (make site). Installed with apt when missing, like Chromium below.
node:
	@command -v npm >/dev/null || apt-get install -y --no-install-recommends nodejs npm \
		|| { apt-get update && apt-get install -y --no-install-recommends nodejs npm; } \
		|| { echo "Install Node.js with npm (https://nodejs.org) and run make again."; exit 1; }

# The browser tests drive Debian's Chromium (Playwright downloads no browser).
chromium:
	@test -x /usr/bin/chromium || apt-get install -y --no-install-recommends chromium \
		|| { apt-get update && apt-get install -y --no-install-recommends chromium; }

# The proof PDF's font (DejaVu Sans) and pdftoppm, which renders proofs to PNG in the tests (issue 5).
pdf-tools:
	@command -v pdftoppm >/dev/null && test -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf \
		|| (apt-get update && apt-get install -y --no-install-recommends poppler-utils fonts-dejavu-core)

# The proof's fonts as the delivery function ships them (functions/Makefile, proof-fonts: DejaVu Sans cut down to
# what a proof can show), into functions/proofs/fonts/ (not committed), where proofs.pdf looks first: the local stack
# and the bench make proofs with the same fonts as Lambda.
PROOF_FONTS := functions/proofs/fonts/DejaVuSans.ttf
$(PROOF_FONTS): functions/proofs/fonts/unicodes.txt | $(STAMP)
	@test -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf \
		|| (apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core)
	$(MAKE) --no-print-directory -C functions proof-fonts PROOF_FONTS_DIR=$(CURDIR)/functions/proofs/fonts \
		FONT_TOOLS_PATH= BYTECODE_PYTHON=$(CURDIR)/$(PY)
proof-fonts: $(PROOF_FONTS)

# checkov in a venv of its own: its pins (boto3, jsonschema, ...) clash with ours. bandit and pip-audit are dev
# extras. tests/security runs all three.
CHECKOV_VENV := .venv-checkov
$(CHECKOV_VENV)/.installed:
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet 'checkov>=3.2,<4'
	@touch $@
security-tools: $(CHECKOV_VENV)/.installed

# sam build without Docker: SAM CLI in its own venv; the functions build with functions/Makefile (arm64 wheels).
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
$(SAM):
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet 'aws-sam-cli>=1.120'
build: $(SAM) lambda-python
	$(SAM) build --template-file template.yaml

# Guided deploy of one profile of samconfig.toml (ENV=default: DigiD preproduction, ENV=production). Never runs without credentials.
ENV ?= default
deploy: build
	@$(SAM_VENV)/bin/python -c "import boto3,sys; sys.exit(0 if boto3.Session().get_credentials() else 'No AWS credentials: log in to the municipality account first (aws sso login).')"
	$(SAM) deploy --config-env $(ENV) --guided

# Upload the pages of a deployed stack with its /config.json (hosted staff login) and invalidate CloudFront.
STACK ?= legitimatie-beeldbellen
publish-site: $(STAMP) site
	@test -n "$(BRP_URL)" || { echo "Give BRP_URL=https://... (the municipality's BRP application)"; exit 2; }
	$(PY) -m infrastructure.deploy.publish_site --stack $(STACK) --brp-url $(BRP_URL)

clean:
	rm -rf $(VENV) .local .pytest_cache .ruff_cache .mypy_cache .aws-sam
