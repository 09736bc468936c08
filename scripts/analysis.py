"""Rule `analysis`: one computation that needs no training (activation curves, numerical stability, the
notes' printed demonstrations). The function is reached by name ("module:function", from the catalogue),
so the job imports that module and nothing else of the library's analyses."""

# The imports follow gc.disable() on purpose (mlplab/workflow/job_log.py).
# ruff: noqa: E402

import gc

gc.disable()  # before the imports; why: mlplab/workflow/job_log.py

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # this workflow's own library, not an installed copy

from mlplab.workflow.job_log import job_logging
from mlplab.workflow.named_objects import resolve

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    table, summary = resolve(sm.params.function)(**sm.params.args)
    table.to_csv(sm.output[0], index=False)
    log.info("%s(%s): %s", sm.params.function, sm.params.args, summary)
