"""Rule `plot_sweep`: a sweep's figure (SVG for the pages, PNG for a quick look)."""

import gc

gc.disable()  # before the imports; why: mlplab/joblog.py

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # this workflow's own library, not an installed copy

import pandas as pd

from mlplab.presentation import sweep_figures as sweep_plots
from mlplab.workflow.job_log import job_logging

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    sweep_plots.render(sm.params.sweep, pd.read_csv(sm.input.summary), sm.output.svg, sm.output.png)
    log.info("%s: drew %d points", sm.params.sweep["name"], len(sm.params.sweep["points"]))
