"""Rule `decode_fashion_mnist`: IDX → uint8 tensors, decoded once so training loads in milliseconds."""

# The imports follow gc.disable() on purpose (mlplab/workflow/job_log.py).
# ruff: noqa: E402

import gc

gc.disable()  # before the imports; why: mlplab/workflow/job_log.py

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # this workflow's own library, not an installed copy

from mlplab.workflow.idx import decode_split, save_split
from mlplab.workflow.job_log import job_logging

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    for split in ("train", "test"):
        data = decode_split(sm.input[f"{split}_images"], sm.input[f"{split}_labels"])
        save_split(data, sm.output[split])
        log.info("%s: %d images, labels %s", split, len(data["labels"]), data["labels"].bincount().tolist())
