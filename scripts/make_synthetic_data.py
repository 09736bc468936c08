"""Rule `make_synthetic_data`: one of the chapter's seeded generated data sets."""

# The imports follow gc.disable() on purpose (mlplab/workflow/job_log.py).
# ruff: noqa: E402

import gc

gc.disable()  # before the imports; why: mlplab/workflow/job_log.py

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # this workflow's own library, not an installed copy

import torch

from mlplab.chapter import synthetic
from mlplab.workflow.data_fingerprint import code_sha256, write_fingerprint
from mlplab.workflow.job_log import job_logging

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    data = synthetic.GENERATORS[sm.wildcards.dataset](**sm.params.args)
    torch.save(data, sm.output[0])
    generator = {**sm.params.args, "code_sha256": code_sha256(synthetic.__file__)}
    write_fingerprint(data, sm.output[0], generator=generator)
    log.info("%s %s: %s", sm.wildcards.dataset, sm.params.args, {k: tuple(v.shape) for k, v in data.items()})
