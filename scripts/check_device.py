"""Rule `check_device`: the device the config asks for is there, checked once before any classifier trains."""

# The imports follow gc.disable() on purpose (mlplab/workflow/job_log.py).
# ruff: noqa: E402

import gc

gc.disable()  # before the imports; why: mlplab/workflow/job_log.py

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # this workflow's own library, not an installed copy

from mlplab.workflow.device_check import check_device
from mlplab.workflow.job_log import job_logging
from mlplab.workflow.provenance import write_json

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    found = check_device(sm.params.device)
    log.info("device: %s gives %s on %s: %s", found["requested"], found["device"], found["host"], found)
    write_json(found, sm.output[0])
