# Tasks of the template itself. The generated project has its own Makefile.
DEMO_DIR ?= build/demo
BAKE_DIR ?= build/bake
# A pinned uv of our own: a uv behind a pyenv shim is not found in a baked project whose
# .python-version names another Python, and pins PYENV_VERSION for everything it starts.
UV_VERSION := 0.13.9
TOOLS := $(CURDIR)/.tools
export PATH := $(TOOLS)/bin:$(PATH)

.DEFAULT_GOAL := help
.PHONY: help install demo bake test test-fast check lock names clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

install: $(TOOLS)/bin/uv ## Install uv and the template's dev tools (into .tools and .venv)
	uv sync --frozen

$(TOOLS)/bin/uv:
	python3 -m venv $(TOOLS)/venv
	$(TOOLS)/venv/bin/pip install --quiet uv==$(UV_VERSION)
	mkdir -p $(TOOLS)/bin && ln -sf $(TOOLS)/venv/bin/uv $@

demo: install ## Bake with the defaults, train, serve, predict over HTTP, load-test, stop
	scripts/demo.sh $(DEMO_DIR)

bake: install ## Bake with ANSWERS (e.g. ANSWERS="dataset=wine include_preview=false") into $(BAKE_DIR)
	rm -rf $(BAKE_DIR)
	uv run --frozen cookiecutter --no-input --output-dir $(BAKE_DIR) . $(ANSWERS)

test: check ## Lint, then run every template test, the slow ones included
	uv run --frozen pytest

test-fast: install ## Run the template tests that take seconds
	uv run --frozen pytest -m "not slow"

check: install ## Lint the template: Python, workflows, shell scripts
	uv run --frozen ruff check .
	uv run --frozen ruff format --check .
	uv run --frozen mypy
	uv run --frozen actionlint
	uv run --frozen zizmor --offline .github/workflows
	uv run --frozen shellcheck scripts/*.sh .ci/run

lock: install ## Re-lock the generated project (after editing its pyproject.toml), then `make names`
	uv run --frozen python scripts/lock_generated.py

names: install ## Re-derive the package names the pre-generation hook refuses, from the lock and the tree
	uv run --frozen python scripts/lock_generated.py --names-only

clean: ## Remove build output and the tools
	rm -rf build .tools .pytest_cache .mypy_cache .ruff_cache
