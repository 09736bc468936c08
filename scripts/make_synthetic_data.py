"""Rules `make_polynomial_data` and `make_linear_data`: seeded generated data sets."""

import gc

gc.disable()  # before the imports; why: mlplab/joblog.py

import json

import torch

from mlplab import synthetic
from mlplab.joblog import job_logging

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    make = getattr(synthetic, sm.params.generator)
    args = json.loads(sm.params.args)
    data = make(**args)
    torch.save(data, sm.output[0])
    log.info("%s(%s): %s", sm.params.generator, args, {k: tuple(v.shape) for k, v in data.items()})
