"""Rule `aggregate`: every run's metrics and provenance → results/tables/*.csv."""

# The imports follow gc.disable() on purpose (mlplab/workflow/job_log.py).
# ruff: noqa: E402

import gc

gc.disable()  # before the imports; why: mlplab/workflow/job_log.py

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # this workflow's own library, not an installed copy

from mlplab.presentation import tables
from mlplab.workflow.job_log import job_logging
from mlplab.workflow.run_record import run_folders

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    run_tables = tables.load_runs(run_folders(sm.input.runs))
    summary = tables.write_tables(
        run_tables,
        epochs_path=sm.output.epochs,
        runs_path=sm.output.runs,
        summary_path=sm.output.summary,
        weights_path=sm.output.weights,
    )
    n_runs, n_rows = len(run_tables.runs), len(run_tables.epochs)
    log.info("%d runs of %d experiments, %d epoch rows", n_runs, len(summary), n_rows)
    for row in summary[summary["status"] != "ok"].itertuples():
        log.warning("%s: %d of %d seeds diverged", row.experiment, row.n_diverged, row.n_seeds)
    for row in summary[summary["n_chance"] > 0].itertuples():
        log.warning("%s: %d of %d seeds ended at chance", row.experiment, row.n_chance, row.n_seeds)
