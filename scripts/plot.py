"""Rule `plot`: one figure of the report (SVG for the report, PNG for a quick look)."""

# The imports follow gc.disable() on purpose (mlplab/workflow/job_log.py).
# ruff: noqa: E402

import gc

gc.disable()  # before the imports; why: mlplab/workflow/job_log.py

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # this workflow's own library, not an installed copy

from pathlib import Path

import pandas as pd

from mlplab.presentation import figures as plots
from mlplab.presentation import tables
from mlplab.workflow.job_log import job_logging
from mlplab.workflow.run_record import run_folders

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    figure = sm.wildcards.figure
    runs = sm.input.get("runs", [])
    run_tables = tables.load_runs(run_folders(runs)) if runs else None
    analyses = {Path(p).stem: pd.read_csv(p) for p in sm.input.get("analyses", [])}
    plots.render(figure, run_tables, analyses, sm.output.svg, sm.output.png)
    drawn = sorted(set(run_tables.runs["experiment"])) if run_tables else sorted(analyses)
    log.info("%s: drew %s", figure, ", ".join(drawn))
