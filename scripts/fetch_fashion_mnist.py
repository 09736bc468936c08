"""Rule `fetch_fashion_mnist`: the four files, each from the first source whose copy verifies."""

# The imports follow gc.disable() on purpose (mlplab/workflow/job_log.py).
# ruff: noqa: E402

import gc

gc.disable()  # before the imports; why: mlplab/workflow/job_log.py

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # this workflow's own library, not an installed copy

from pathlib import Path

from mlplab.workflow.fetch import FetchError, expected_files, fetch
from mlplab.workflow.job_log import job_logging

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    expected = expected_files(sm.params.checksums)
    # The sources from the config, not from params: which source gave a verified file does not change
    # the file, so adding a mirror or reordering them reruns nothing (docs/reruns.md).
    sources = list(sm.config["data"]["fashion_mnist"]["sources"])
    errors = []
    for dest in map(Path, sm.output):
        try:
            source = fetch(dest.name, sources, dest, expected[dest.name])
            log.info("%s: verified copy from %s", dest.name, source)
        except FetchError as e:
            errors.append(str(e))
    if errors:
        # Snakemake deletes the outputs of a failed job, so the files that did verify go too.
        raise FetchError("\n".join(errors))
