"""Rule `train`: one catalogue entry, one seed → metrics.csv (row by row) and run.json."""

import gc

gc.disable()  # before the imports; why: mlplab/joblog.py

import os
import sys
from functools import partial
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))  # this workflow's own library, not an installed copy

import torch

from mlplab import loop
from mlplab.catalogue import KINDS, parse_entry
from mlplab.joblog import job_logging
from mlplab.runlock import run_folder_lock
from mlplab.runs import MetricsFile, resolve_device, run_complete, timed_run, write_run

sm = snakemake  # noqa: F821 (injected by Snakemake)


def train_and_record(log) -> None:
    entry = sm.params.entry
    kind, config = KINDS[entry["kind"]], parse_entry(entry)
    seed = int(sm.wildcards.seed)
    # Test-only: MLPLAB_TEST_DIVERGE="experiment/seed/epoch,..." makes those runs diverge at that epoch.
    for fault in filter(None, os.environ.get("MLPLAB_TEST_DIVERGE", "").split(",")):
        name, fault_seed, epoch = fault.split("/")
        if (name, int(fault_seed)) == (sm.params.name, seed):
            loop.inject_divergence_at = int(epoch)
    torch.set_num_threads(sm.threads)
    device = resolve_device(sm.params.device)
    log.info("%s seed %d on %s, %d thread(s): %s", sm.params.name, seed, device, sm.threads, config)
    data = {name: path for name, path in sm.input.items() if name != "lib"}
    metrics = MetricsFile(sm.output.metrics)
    result, wall = timed_run(kind, config, seed, data, device, on_epoch=metrics.write_row)
    metrics.close(["epoch", *kind.metrics_of(config)])
    if result.status == "diverged":
        # Recorded, not raised: one diverging run must not abort the rest of the workflow.
        log.warning("diverged at epoch %d: %s", result.diverged_at_epoch, result.divergence)
    write_run(
        result,
        name=sm.params.name,
        entry=entry,
        seed=seed,
        threads=sm.threads,
        device=device,
        wall_time_s=wall,
        metrics_path=sm.output.metrics,
        run_json_path=sm.output.run,
    )


# The run folder is claimed before the log is opened: a job that waits for another writer of the same
# run must not truncate that job's log.
finished = partial(run_complete, sm.output.metrics, sm.output.run, sm.params.entry, int(sm.wildcards.seed))
with run_folder_lock(Path(sm.output.metrics).parent, finished=finished) as must_train:
    if must_train:
        with job_logging(sm.log[0]) as log:
            train_and_record(log)
