"""Rules `activations` and `vanishing_gradient`: curves and autograd gradients, checked against formulas."""

import gc

gc.disable()  # before the imports; why: mlplab/joblog.py

import json

from mlplab.analyses import activation_curves, grid
from mlplab.joblog import job_logging

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    g = json.loads(sm.params.grid)
    curves, max_errors = activation_curves(grid(**g), names=sm.params.functions)
    curves.to_csv(sm.output.curves, index=False)
    log.info("largest |autograd - analytic| per function: %s", max_errors)
