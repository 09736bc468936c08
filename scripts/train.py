"""Rule `train`: one catalogue entry, one seed → metrics.csv (row by row), model.pt (unless the config
says `save_weights: false`, or the run diverged) and run.json."""

# The imports follow gc.disable() on purpose (mlplab/workflow/job_log.py).
# ruff: noqa: E402

import gc

gc.disable()  # before the imports; why: mlplab/workflow/job_log.py

import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))  # this workflow's own library, not an installed copy

import torch

from mlplab.workflow.catalogue import KINDS, parse_entry
from mlplab.workflow.job_log import job_logging
from mlplab.workflow.run_execution import (
    MODEL_PT,
    MetricsFile,
    has_its_model,
    load_inputs,
    resolve_device,
    run_record,
    save_parameters,
    timed_run,
)
from mlplab.workflow.run_lock import run_folder_lock
from mlplab.workflow.run_record import is_complete

sm = snakemake  # noqa: F821 (injected by Snakemake)
NOT_DATA = ("lib", "fingerprints")  # the named inputs that are not data files
# A param only where false (rules/experiment_inputs.smk), so that the default leaves existing runs' params,
# and so the runs, as they were.
SAVE_WEIGHTS = sm.params.get("save_weights", True)


def test_fault(name: str, seed: int) -> int | None:
    """Test-only: MLPLAB_TEST_DIVERGE="experiment/seed/epoch,..." makes those runs diverge at that epoch."""
    for fault in filter(None, os.environ.get("MLPLAB_TEST_DIVERGE", "").split(",")):
        fault_name, fault_seed, epoch = fault.rsplit("/", 2)  # a sweep point's name holds "/"
        if (fault_name, int(fault_seed)) == (name, seed):
            return int(epoch)
    return None


def train_and_record(log) -> None:
    entry = sm.params.entry
    kind, config = KINDS[entry["kind"]], parse_entry(entry)
    seed = int(sm.wildcards.seed)
    # A model.pt that an earlier run of this folder left (no output, so Snakemake keeps it) is not ours.
    (run_folder / MODEL_PT).unlink(missing_ok=True)
    torch.set_num_threads(sm.threads)
    device = resolve_device(sm.params.device)
    log.info("%s seed %d on %s, %d thread(s): %s", sm.params.name, seed, device, sm.threads, config)
    # The data files by the names the kind reads them under; a file that is not the data the workflow
    # made is refused here, before anything trains.
    data, fingerprints = load_inputs({name: path for name, path in sm.input.items() if name not in NOT_DATA})
    metrics = MetricsFile(sm.output.metrics)
    result, wall = timed_run(
        kind,
        config,
        seed,
        data,
        device,
        on_epoch=metrics.write_row,
        diverge_at=test_fault(sm.params.name, seed),
    )
    metrics.close(["epoch", *kind.metrics_of(config)])
    if result.status == "diverged":
        # Recorded, not raised: one diverging run must not abort the rest of the workflow.
        log.warning("diverged at epoch %d: %s", result.diverged_at_epoch, result.divergence)
    # Before run.json, so that a finished run.json always has its model.
    model_sha256 = save_parameters(result, run_folder / MODEL_PT) if SAVE_WEIGHTS else None
    record = run_record(
        result,
        name=sm.params.name,
        entry=entry,
        seed=seed,
        threads=sm.threads,
        device=device,
        wall_time_s=wall,
        metrics_path=sm.output.metrics,
        data=fingerprints,
        model_sha256=model_sha256,
    )
    record.write(sm.output.run)


def finished() -> bool:
    """Whether another job finished this run, its model.pt included where weights are saved."""
    complete = is_complete(run_folder, sm.params.entry, int(sm.wildcards.seed))
    return complete and has_its_model(run_folder, SAVE_WEIGHTS)


run_folder = Path(sm.output.metrics).parent
# The run folder is claimed before the log is opened: a job that waits for another writer of the same
# run must not truncate that job's log.
with run_folder_lock(run_folder, finished=finished) as must_train:
    if must_train:
        with job_logging(sm.log[0]) as log:
            train_and_record(log)
