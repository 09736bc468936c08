"""Checkpoint `decide_plan`: one sweep's plan after one look of `decide` (the comparisons decided so far,
and the run folders the next look reads), from the previous look's plan and the runs it named."""

# The imports follow gc.disable() on purpose (mlplab/workflow/job_log.py).
# ruff: noqa: E402

import gc

gc.disable()  # before the imports; why: mlplab/workflow/job_log.py

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # this workflow's own library, not an installed copy

from pathlib import Path

from mlplab.presentation.decide_plan import plan_look, read_plan, to_json
from mlplab.workflow.job_log import job_logging
from mlplab.workflow.looks import look_reads
from mlplab.workflow.run_reading import read_run
from mlplab.workflow.sweeps import Sweep

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    sweep, looks, look = Sweep.from_params(sm.params.sweep), tuple(sm.params.looks), int(sm.wildcards.look)
    previous = sm.input.previous if look else None
    folders = look_reads(sweep, looks, look, previous)
    runs = {path: [read_run(folder) for folder in found] for path, found in folders.items()}
    plan = plan_look(sweep, looks, look, read_plan(previous) if previous else None, runs)
    Path(sm.output[0]).write_text(to_json(plan))
    states = [c.state for c in plan.comparisons.values()]
    log.info("%s, look %d of %d: %s; open: %s", sweep.name, look + 1, len(looks), states, plan.open or "none")
