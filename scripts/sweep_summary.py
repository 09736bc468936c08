"""Rule `sweep_summary`: one row per point of a sweep, with confidence intervals, the selected point and
paired differences to the baseline point."""

# The imports follow gc.disable() on purpose (mlplab/workflow/job_log.py).
# ruff: noqa: E402

import gc

gc.disable()  # before the imports; why: mlplab/workflow/job_log.py

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # this workflow's own library, not an installed copy

import pandas as pd

from mlplab.presentation.sweep_tables import sweep_summary
from mlplab.workflow.job_log import job_logging
from mlplab.workflow.run_record import run_folders
from mlplab.workflow.sweeps import Sweep

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    sweep = Sweep.from_params(sm.params.sweep)
    # Each point's runs, as the job's inputs name them (the sweep says which folders are whose).
    inputs = {str(folder): folder for folder in run_folders(sm.input.runs)}
    folders = {p.path: [inputs[f] for f in sweep.run_folders(p)] for p in sweep.points}
    closed_form = pd.read_csv(sm.input.closed_form[0]) if sm.input.closed_form else None
    summary = sweep_summary(sweep, folders, closed_form)
    summary.to_csv(sm.output[0], index=False)
    selected = summary.loc[summary["selected"], "point"].tolist()
    nothing = (
        "nothing (every point diverged or had a seed at chance)" if sweep.selects else "none (a regression)"
    )
    log.info("%s: %d points; selected: %s", sweep.name, len(summary), selected or nothing)
