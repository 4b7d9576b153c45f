# Two commands matter: `make run` (the simulator on its embedded demo
# default) and `make test` (the whole suite). Each one creates or updates the
# project's virtual environment from the pinned dependencies in
# pyproject.toml; nothing installed by hand is assumed.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SIM_DATA ?= $(HOME)/.local/share/fiscal-sim

.PHONY: run test lint typecheck bench demo clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: Python 3.11 not found"; exit 2; }
	@$(PYTHON) -c "import sys; sys.exit(sys.version_info < (3, 11))" || { echo "error: $(PYTHON) is older than Python 3.11"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/fiscal-sim --data "$(SIM_DATA)"

test: $(STAMP)
	$(BIN)/ruff check hal fiscal_core firmware simulator tools tests benchmarks
	$(BIN)/ruff format --check hal fiscal_core firmware simulator tools tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --benchmark-disable -q

lint: $(STAMP)
	$(BIN)/ruff check hal fiscal_core firmware simulator tools tests benchmarks
	$(BIN)/ruff format --check hal fiscal_core firmware simulator tools tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks --benchmark-enable -q -s

demo: $(STAMP)
	rm -rf build/demo
	$(BIN)/fiscal-sim --headless --data build/demo --keys examples/business-day.keys
	$(BIN)/fiscal-inspect verify build/demo

clean:
	rm -rf $(VENV) build .mypy_cache .pytest_cache .ruff_cache
