"""Rule `exercises_report`: results/exercises.html, a section per sweep."""

# The imports follow gc.disable() on purpose (mlplab/workflow/job_log.py).
# ruff: noqa: E402

import gc

gc.disable()  # before the imports; why: mlplab/workflow/job_log.py

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # this workflow's own library, not an installed copy

from pathlib import Path

import pandas as pd

from mlplab.presentation.exercises_page import render_exercises
from mlplab.workflow.job_log import job_logging
from mlplab.workflow.sweeps import Sweep, orphaned_runs

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    sweeps = [Sweep.from_params(params) for params in sm.params.sweeps]
    names = [s.name for s in sweeps]
    summaries = dict(zip(names, map(pd.read_csv, sm.input.summaries), strict=True))
    html = render_exercises(
        sweeps,
        summaries=summaries,
        figures=dict(zip(names, map(Path, sm.input.figures), strict=True)),
        orphaned=orphaned_runs(Path(sm.output[0]).parent, set(sm.params.runs), "sweeps"),
    )
    Path(sm.output[0]).write_text(html)
    log.info("wrote %s (%d kB, %d sweeps)", sm.output[0], len(html) // 1024, len(names))
    for sweep in sweeps:
        if sweep.selects and not summaries[sweep.name]["selected"].any():
            log.warning("%s: nothing selected (every point diverged or had a seed at chance)", sweep.name)
