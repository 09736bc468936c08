"""Rule `results_readme`: results/README.md, saying what each folder of results/ holds."""

# The imports follow gc.disable() on purpose (mlplab/workflow/job_log.py).
# ruff: noqa: E402

import gc

gc.disable()  # before the imports; why: mlplab/workflow/job_log.py

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # this workflow's own library, not an installed copy

from pathlib import Path

from mlplab.presentation.report_page import render_results_readme
from mlplab.workflow.job_log import job_logging

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    text = render_results_readme(
        experiments=sm.params.experiments,
        seeds=list(sm.params.seeds),
        figures=list(sm.params.figures),
        topics=list(sm.params.topics),
    )
    Path(sm.output[0]).write_text(text)
    log.info("wrote %s", sm.output[0])
