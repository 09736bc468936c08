"""Rule `decide_report`: what `decide` decided and what it cost, from each sweep's last plan: its summary
table (results/decide/<sweep>/summary.csv) and results/decide.html."""

# The imports follow gc.disable() on purpose (mlplab/workflow/job_log.py).
# ruff: noqa: E402

import gc

gc.disable()  # before the imports; why: mlplab/workflow/job_log.py

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # this workflow's own library, not an installed copy

from pathlib import Path

from mlplab.presentation.decide_page import render_decide, summary_table
from mlplab.presentation.decide_plan import read_plan
from mlplab.workflow.job_log import job_logging
from mlplab.workflow.sweeps import Sweep

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    sweeps = [Sweep.from_params(params) for params in sm.params.sweeps]
    plans = {sweep.name: read_plan(path) for sweep, path in zip(sweeps, sm.input.plans, strict=True)}
    tables = {sweep.name: summary_table(sweep, plans[sweep.name]) for sweep in sweeps}
    for sweep, path in zip(sweeps, sm.output.summaries, strict=True):
        tables[sweep.name].to_csv(path, index=False)
    Path(sm.output.page).write_text(render_decide(sweeps, plans, tables))
    for sweep in sweeps:
        log.info("%s: %s", sweep.name, tables[sweep.name]["state"].value_counts().to_dict())
