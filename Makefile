# Two commands on a fresh machine: `make run` (the pipeline) and `make test` (lint + the whole test suite).
# `make check` is the quick tier to run while editing: lint and the tests that run no Snakemake.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CORES ?= all
LOCK := requirements-lock.txt

.PHONY: setup run exercises decide report-zip evaluate compare check test lint bench bench-exercises status mlflow clean

setup: $(VENV)/.installed

# Every package from the lock, each file checked against its SHA-256 there; reinstalls when the lock or the
# package declaration changes. The library (scripts/mlplab) is installed editable, outside hash checking
# (it is this working copy), built with the lock's setuptools: tests, benchmarks and console commands
# import the working copy.
$(VENV)/.installed: $(LOCK) pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation --editable .
	touch $@

# The lock again, after changing a pin in LOCK_INPUTS (then `make setup`); `make lock UPGRADE=1` also
# moves the unpinned dependencies to their newest versions (otherwise the lock's are kept). uv resolves
# for every platform and hashes every file of each pinned version; it runs from a throwaway venv and is
# no part of the project's environment.
LOCK_INPUTS := requirements.txt requirements-mlflow.txt
UV := uv==0.13.9
.PHONY: lock
lock:
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && $(PYTHON) -m venv "$$tmp" \
	&& "$$tmp/bin/pip" install --quiet $(UV) \
	&& "$$tmp/bin/uv" pip compile --quiet --universal --python-version 3.11 --generate-hashes --allow-unsafe \
		$(if $(UPGRADE),--upgrade) --custom-compile-command "make lock" -o $(LOCK) $(LOCK_INPUTS) \
	&& { printf '%s\n' \
		"# Every package of the project's environment (.venv), pinned, with the SHA-256 of each file it may" \
		"# be installed from: \`make setup\` installs it with pip install --require-hashes. Made by \`make lock\`" \
		"# from $(LOCK_INPUTS) for CPython 3.11 (envs/mlplab.yaml's) on any" \
		"# platform (uv pip compile --universal: markers choose per platform, e.g. CUDA wheels on Linux);" \
		"# installed and tested on Linux x86_64. Do not edit by hand."; \
		cat $(LOCK); } > "$$tmp/lock" && mv "$$tmp/lock" $(LOCK)

run: setup
	$(BIN)/snakemake --cores $(CORES)

# Every sweep of config.yaml (the book's exercises as sweeps), then results/exercises.html.
exercises: setup
	$(BIN)/snakemake --cores $(CORES) exercises

# Every sweep's points against their baseline, seeds added a look at a time until each comparison is
# decided (config.yaml `decide: looks:`), then results/decide.html.
decide: setup
	$(BIN)/snakemake --cores $(CORES) decide

# Snakemake's own report of the default run: every figure and table with its caption, in one zip file.
SNAKEMAKE_REPORT := results/snakemake-report.zip
report-zip: setup
	$(BIN)/snakemake --report $(SNAKEMAKE_REPORT)

# A run's final metrics recomputed from its model.pt: `make evaluate RUN=results/runs/mlp_concise/seed0`.
evaluate: setup
	$(if $(RUN),,$(error name the run folder: make evaluate RUN=results/runs/<entry>/seed<k>))
	$(BIN)/mlplab-evaluate $(RUN)

# What changed between two results folders beyond seed noise: `make compare A=results-before` (B is
# results unless given; WIDE=1 prints every row and column).
compare: setup
	$(if $(A),,$(error name the folder to compare with: make compare A=results-before [B=results]))
	$(BIN)/mlplab-compare $(A) $(or $(B),results) $(if $(WIDE),--wide)

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
	$(BIN)/python benchmarks/dry_run_time.py

# The exercises (every sweep) in a scratch copy: wall time, job time, start-up share (about 3× the catalogue).
bench-exercises: setup
	$(BIN)/python benchmarks/exercises_time.py --cores 2

# Where the workflow's runs stand (done, running at epoch k of N, waiting, failed, diverged, chance), from
# the files alone; `make status WATCH=1` redraws it every few seconds.
status: setup
	$(BIN)/mlplab-status results $(if $(WATCH),--watch)

# Every finished run into MLflow (results/mlflow.db), then MLflow's UI on it, at the default address the
# export's last line names with the runs table's page (MLflow 3.17 opens in its GenAI view without it).
# Exit status 1 (some run folder unreadable, the others exported) still opens the UI.
mlflow: setup
	$(BIN)/mlplab-export-mlflow results || [ $$? -eq 1 ]
	$(BIN)/mlflow ui --backend-store-uri sqlite:///results/mlflow.db --workers 1

clean:
	rm -rf results logs .snakemake
