"""Run one catalogue entry with one seed, and record what it produced and with what.

A run that ends well saves what it trained as model.pt (`save_parameters`) before its run.json, which
records the file's SHA-256: a run.json always comes with its model, and a reader (mlplab-evaluate) can
tell the file the run wrote from one changed since. model.pt is not a Snakemake output, so that a config
with `save_weights: false` has no missing outputs; the training job checks it instead (`has_its_model`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import torch

from mlplab.chapter.hyperparameters import Training
from mlplab.chapter.loop import RunResult
from mlplab.chapter.seeding import derive_seed
from mlplab.workflow import provenance
from mlplab.workflow.catalogue import Kind
from mlplab.workflow.data_fingerprint import verified
from mlplab.workflow.named_objects import resolve
from mlplab.workflow.run_record import MODEL_PT, OK, RUN_JSON, RunRecord


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("config asks for device: cuda, but torch sees no CUDA device")
    return torch.device(name)


class DataFileError(ValueError):
    """A data file the workflow made is corrupt or truncated."""


def load_data(path: str) -> dict[str, torch.Tensor]:
    """A data set file the workflow wrote (decoded Fashion-MNIST, generated data), checked: a corrupt
    one is named with the command that rebuilds it. Only tensors are read (weights_only): PyTorch's
    advice to load such a file without that guard is not for files that fail to load."""
    rebuild = f"rebuild it with: snakemake --cores all -R {path}"
    try:
        data = torch.load(path, weights_only=True)
    except Exception as e:  # torch raises RuntimeError, EOFError, pickle and zip errors, ...
        raise DataFileError(f"{path}: corrupt or truncated ({type(e).__name__}); {rebuild}") from None
    if not isinstance(data, dict) or not all(isinstance(v, torch.Tensor) for v in data.values()):
        raise DataFileError(f"{path}: not a data set of this workflow; {rebuild}")
    return data


def load_inputs(data_paths: dict[str, str]) -> tuple[dict[str, dict[str, torch.Tensor]], dict[str, dict]]:
    """The data a run trains on, by the names its kind reads them under, each checked against the
    fingerprint the rule that made it wrote beside it (refused before training if it differs); and those
    fingerprints, for run.json."""
    data = {name: load_data(path) for name, path in data_paths.items()}
    return data, {name: verified(data[name], path) for name, path in data_paths.items()}


def run_experiment(
    kind: Kind,
    config: Training,
    seed: int,
    data: dict[str, dict[str, torch.Tensor]],
    device: torch.device,
    on_epoch: Callable[[dict], None] | None = None,
    diverge_at: int | None = None,
) -> RunResult:
    """Train `config` (an entry of `kind`) with the kind's training code on `data`, by the names its data
    set's files are read under (train and test, polynomial, linear)."""
    # Initial weights and dropout masks come from the global generator; batch order has its own.
    torch.manual_seed(derive_seed(seed, "init"))
    model = {"net": resolve(kind.model)(config)} if kind.model else {}
    fit = resolve(kind.fit)
    return fit(config, data, seed=fit_seed(seed), device=device, on_epoch=on_epoch,
               diverge_at=diverge_at, **model)  # fmt: skip


def fit_seed(seed: int) -> int:
    """The seed a run's fit function is given (its batch order, a classifier's validation set)."""
    return derive_seed(seed, "batch_order")


def save_parameters(result: RunResult, path: Path | str) -> str | None:
    """Save what a run trained as `path` (model.pt: its tensors by name, on the CPU, loadable with
    `torch.load(path, weights_only=True)`), atomically, and return the file's SHA-256. A diverged run's
    parameters are not those of any row of its metrics.csv: nothing is saved, and None returned."""
    if result.status != OK or not result.parameters:
        return None
    tensors = {name: tensor.detach().to("cpu", copy=True) for name, tensor in result.parameters.items()}
    # Into memory first: the bytes hashed are the bytes written, and the archive's inner name does not
    # follow the file's (torch names it after the file), so equal parameters give equal files.
    buffer = io.BytesIO()
    torch.save(tensors, buffer)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(buffer.getvalue())
    os.replace(tmp, path)
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def has_its_model(folder: Path | str, save_weights: bool) -> bool:
    """Whether a finished run's model.pt is as its run.json says: the file whose SHA-256 it records, or
    none where it records none, which with weights on only a diverged run may (a run trained with them
    off is then not complete). For the training job's check of a run another job finished."""
    folder = Path(folder)
    try:
        record = json.loads((folder / RUN_JSON).read_text())
        recorded = record.get("model_sha256")
        if recorded is None:
            return not save_weights or record.get("status") != OK
        return provenance.sha256_file(folder / MODEL_PT) == recorded
    except (OSError, ValueError, AttributeError):
        return False


class MetricsFile:
    """metrics.csv written one row per epoch as training goes, into `metrics.csv.partial` beside it (so
    progress can be followed), and renamed into place when the run ends: a killed job, or a second job
    for the same run, never leaves a partial file under the name Snakemake takes as the result.
    The csv module, not pandas: importing pandas would add to the start-up of every training job."""

    def __init__(self, path: str):
        self.path, self.partial = Path(path), Path(f"{path}.partial")
        self.file = open(self.partial, "w", newline="")
        self.writer: csv.DictWriter | None = None

    def write_row(self, row: dict) -> None:
        if self.writer is None:
            self.writer = csv.DictWriter(self.file, fieldnames=list(row))
            self.writer.writeheader()
        self.writer.writerow(row)
        self.file.flush()

    def close(self, columns: list[str]) -> None:
        """Finish the file; a run that diverged in its first epoch still gets its header."""
        if self.writer is None:
            csv.DictWriter(self.file, fieldnames=columns).writeheader()
        self.file.close()
        os.replace(self.partial, self.path)


def run_record(
    result: RunResult,
    *,
    name: str,
    entry: dict,
    seed: int,
    threads: int,
    device: torch.device,
    wall_time_s: float,
    metrics_path: str,
    data: dict[str, dict] | None = None,
    model_sha256: str | None = None,
) -> RunRecord:
    """What the run was, how it ended and what made it, for run.json beside the finished metrics.csv."""
    return RunRecord(
        experiment=name,
        config=entry,
        seed=seed,
        status=result.status,
        epochs_completed=len(result.rows),
        diverged_at_epoch=result.diverged_at_epoch,
        divergence=result.divergence,
        initial_loss=result.initial_loss,
        final=result.rows[-1] if result.rows else None,
        wall_time_s=round(wall_time_s, 3),
        seconds_per_epoch=round(sum(result.seconds_per_epoch) / max(len(result.seconds_per_epoch), 1), 4),
        threads=threads,
        device=str(device),
        gpu=provenance.accelerator(device),
        versions=provenance.versions(),
        git=provenance.git_commit(),
        machine=provenance.machine(),
        metrics_sha256=provenance.sha256_file(metrics_path),
        data=data,
        model_sha256=model_sha256,
        extra=result.extra,
    )  # fmt: skip


def timed_run(
    kind: Kind,
    config: Training,
    seed: int,
    data: dict[str, dict[str, torch.Tensor]],
    device,
    on_epoch=None,
    diverge_at=None,
):
    """`run_experiment` and its wall time in seconds."""
    start = time.perf_counter()
    result = run_experiment(kind, config, seed, data, device, on_epoch, diverge_at)
    return result, time.perf_counter() - start
