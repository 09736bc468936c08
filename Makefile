# Two commands on a fresh machine: `make run` (the pipeline) and `make test` (lint + the whole test suite).
# `make check` is the quick tier to run while editing: lint and the tests that run no Snakemake.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CORES ?= all

.PHONY: setup run check test lint bench bench-exercises status clean

setup: $(VENV)/.installed

# Reinstalls when requirements.txt or the package declaration changes. The library (scripts/mlplab) is
# installed editable, so tests, benchmarks and console commands import the working copy.
$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps --editable .
	touch $@

run: setup
	$(BIN)/snakemake --cores $(CORES)

lint: setup
	$(BIN)/snakemake --lint
	$(BIN)/snakefmt --check .
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

check: lint
	$(BIN)/pytest -q -m "not snakemake and not slurm and not slow"

test: lint
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/epoch_speed.py
	benchmarks/catalogue_time.sh 2

# The exercises (every sweep) in a scratch copy: wall time, job time, start-up share (about 3× the catalogue).
bench-exercises: setup
	$(BIN)/python benchmarks/exercises_time.py --cores 2

# Where the workflow's runs stand (done, running at epoch k of N, waiting, failed, diverged, chance), from
# the files alone; `make status WATCH=1` redraws it every few seconds.
status: setup
	$(BIN)/mlplab-status results $(if $(WATCH),--watch)

clean:
	rm -rf results logs .snakemake
