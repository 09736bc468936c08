"""Rule `train` (one catalogue entry, one seed) and the sweeps' block rules (one point, a block of seeds,
one after another): each seed → its run folder's metrics.csv (row by row), model.pt (unless the config
says `save_weights: false`) and run.json, written in the order readers rely on, and its own log."""

# The imports follow gc.disable() on purpose (mlplab/workflow/job_log.py).
# ruff: noqa: E402

import gc

gc.disable()  # before the imports; why: mlplab/workflow/job_log.py

import functools
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))  # this workflow's own library, not an installed copy

import torch

from mlplab.workflow.job_log import job_logging
from mlplab.workflow.run_execution import resolve_device, train_run
from mlplab.workflow.run_lock import run_folder_lock
from mlplab.workflow.run_record import is_complete, run_folders, seed_of

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


def train_and_record(folder: Path, seed: int, log) -> None:
    torch.set_num_threads(sm.threads)
    train_run(
        folder,
        sm.params.entry,
        name=sm.params.name,
        seed=seed,
        # The data files by the names the kind reads them under.
        data_paths={name: path for name, path in sm.input.items() if name not in NOT_DATA},
        device=resolve_device(sm.params.device),
        threads=sm.threads,
        save_weights=SAVE_WEIGHTS,
        log=log,
        diverge_at=test_fault(sm.params.name, seed),
    )


# One run folder per seed, in the order of the rule's logs.
for index, (folder, log_path) in enumerate(zip(run_folders(sm.output), sm.log, strict=True)):
    seed = seed_of(folder)
    if index:
        # What the last seed left is collected (job_log froze it), so that each seed trains as if alone.
        gc.unfreeze()
        gc.collect()
    # Whether another job finished this run, its model.pt included where weights are saved.
    finished = functools.partial(is_complete, folder, sm.params.entry, seed, SAVE_WEIGHTS)
    # The run folder is claimed before the log is opened: a job that waits for another writer of the
    # same run must not truncate that job's log.
    with run_folder_lock(folder, finished=finished) as must_train:
        if must_train:
            with job_logging(log_path) as log:
                train_and_record(folder, seed, log)
