# Every target installs what it needs: a fresh clone needs only python3 (3.11 or newer).
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
RUN := $(UV) run --frozen --no-sync
CHROMIUM := /usr/bin/chromium

.PHONY: install test test-browser lint format run clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

install: $(VENV)/.synced

test: install
	$(RUN) pytest --ignore=tests/browser

# The chat page in Debian's Chromium (headless, driven by Playwright; no browser download).
test-browser: install
	@test -x $(CHROMIUM) || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)
	$(RUN) pytest tests/browser

lint: install
	$(RUN) ruff check src tests
	$(RUN) ruff format --check src tests
	$(RUN) mypy
	$(RUN) lint-imports

format: install
	$(RUN) ruff check --fix src tests
	$(RUN) ruff format src tests

run: install
	$(RUN) parley serve

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .pytest_cache .ruff_cache .hypothesis

# How close Parley comes to its database (docs/benchmarks.md); not part of `make test`.
.PHONY: bench bench-smoke

bench: install
	$(RUN) python bench/run.py --out docs/benchmarks.md

bench-smoke: install
	$(RUN) python bench/run.py --smoke
