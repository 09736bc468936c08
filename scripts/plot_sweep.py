"""Rule `plot_sweep`: a sweep's figure (SVG for the pages, PNG for a quick look)."""

# The imports follow gc.disable() on purpose (mlplab/workflow/job_log.py).
# ruff: noqa: E402

import gc

gc.disable()  # before the imports; why: mlplab/workflow/job_log.py

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # this workflow's own library, not an installed copy

import pandas as pd

from mlplab.presentation import sweep_figures
from mlplab.workflow.job_log import job_logging
from mlplab.workflow.sweeps import Sweep

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    sweep = Sweep.from_params(sm.params.sweep)
    sweep_figures.render(sweep, pd.read_csv(sm.input.summary), sm.output.svg, sm.output.png)
    log.info("%s: drew %d points", sweep.name, len(sweep.points))
