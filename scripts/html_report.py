"""Rule `html_report`: results/report.html, one self-contained page with every figure, table and check."""

# The imports follow gc.disable() on purpose (mlplab/workflow/job_log.py).
# ruff: noqa: E402

import gc

gc.disable()  # before the imports; why: mlplab/workflow/job_log.py

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # this workflow's own library, not an installed copy

from pathlib import Path

import pandas as pd

from mlplab.presentation.report_page import render_report
from mlplab.workflow.job_log import job_logging

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    html = render_report(
        summary=pd.read_csv(sm.input.summary),
        runs=pd.read_csv(sm.input.runs),
        weights=pd.read_csv(sm.input.weights),
        figures={Path(p).stem: Path(p) for p in sm.input.figures},
        analyses={Path(p).stem: pd.read_csv(p) for p in sm.input.analyses},
        benchmarks=list(sm.input.benchmarks),
        config=sm.params.config,
        results=Path(sm.output[0]).parent,
        produced=set(sm.params.runs),
    )
    Path(sm.output[0]).write_text(html)
    log.info("wrote %s (%d kB, %d figures)", sm.output[0], len(html) // 1024, len(sm.input.figures))
