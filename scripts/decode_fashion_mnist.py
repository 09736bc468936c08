"""Rule `decode_fashion_mnist`: IDX → uint8 tensors, decoded once so training loads in milliseconds."""

# The imports follow gc.disable() on purpose (mlplab/workflow/job_log.py).
# ruff: noqa: E402

import gc

gc.disable()  # before the imports; why: mlplab/workflow/job_log.py

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # this workflow's own library, not an installed copy

import hashlib
from pathlib import Path

from mlplab.workflow.data_fingerprint import write_fingerprint
from mlplab.workflow.idx import decode_split, read_idx_bytes, save_split
from mlplab.workflow.job_log import job_logging

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    for split in ("train", "test"):
        data = decode_split(sm.input[f"{split}_images"], sm.input[f"{split}_labels"])
        save_split(data, sm.output[split])
        # The raw files it came from, by the SHA-256 of their decompressed bytes (what fetch verified).
        raw = [sm.input[f"{split}_images"], sm.input[f"{split}_labels"]]
        sources = {Path(f).name: hashlib.sha256(read_idx_bytes(f)).hexdigest() for f in raw}
        write_fingerprint(data, sm.output[split], sources=sources)
        log.info("%s: %d images, labels %s", split, len(data["labels"]), data["labels"].bincount().tolist())
