"""Rule `sweep_closed_form`: the exact fit (no SGD) at every point of a sweep whose kind has one."""

# The imports follow gc.disable() on purpose (mlplab/workflow/job_log.py).
# ruff: noqa: E402

import gc

gc.disable()  # before the imports; why: mlplab/workflow/job_log.py

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # this workflow's own library, not an installed copy

import pandas as pd

from mlplab.workflow.catalogue import KINDS, parse_entry
from mlplab.workflow.job_log import job_logging
from mlplab.workflow.named_objects import resolve
from mlplab.workflow.run_execution import load_inputs

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    fit = resolve(KINDS[sm.params.kind].closed_form)
    data, _ = load_inputs(
        {name: path for name, path in sm.input.items() if name not in ("lib", "fingerprints")}
    )
    rows = [{"point": path, **fit(parse_entry(entry), data)} for path, entry in sm.params.points]
    pd.DataFrame(rows).to_csv(sm.output[0], index=False)
    log.info("%s: closed-form fits at %d points", sm.wildcards.sweep, len(rows))
