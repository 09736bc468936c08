"""The run folder, written: what one training run leaves, under which names and in which order. The training
job writes through `RunWriter`; every reader goes through `mlplab.workflow.run_reading`, kept apart so that
changing how a run is read or judged reruns no training.

A run is a folder `results/runs/<experiment>/seed<k>/` (a catalogue entry) or
`results/sweeps/<sweep>/<point>/seed<k>/` (a sweep's point). What lies in it, in the order it is written:
the writer's lock (`LOCK`, `run_lock`), metrics.csv.partial growing a row per epoch (`PARTIAL`), metrics.csv
renamed into place, model.pt (the trained parameters, unless the config says `save_weights: false`), then
run.json, this record, which carries metrics.csv's and model.pt's SHA-256 so that a reader can tell the
files the run wrote from files changed since; last, the lock is removed. Every file is created exclusively
and never through a symbolic link (a link planted in a run folder would make the job write wherever it
points), and model.pt and run.json are written to a temporary name first and renamed, so that no reader
sees half a file.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlplab.workflow.provenance import sha256_file

RUN_JSON = "run.json"
METRICS_CSV = "metrics.csv"
PARTIAL = f"{METRICS_CSV}.partial"  # metrics.csv while the run trains: a row per epoch as it ends
MODEL_PT = "model.pt"  # the trained parameters, where the run saves them
LOCK = ".writer.lock"  # the writing job's claim on the folder (`mlplab.workflow.run_lock`)
SEED_FOLDER = re.compile(r"seed(\d+)")
# The run folders, as Snakemake patterns (with the results folder) and relative to the results folder.
CATALOGUE_RUN = "runs/{experiment}/seed{seed}"
SWEEP_RUN = "sweeps/{sweep}/{point}/seed{seed}"
RESULTS = "results"
TRAIN_LOGS = "logs/train"  # the training jobs' logs, relative to the workflow folder

OK = "ok"
DIVERGED = "diverged"


def temporary(name: str) -> str:
    """Where a file of the run is written before it is renamed into place: `.model.pt.tmp`."""
    return f".{name}.tmp"


def run_file(pattern: str, name: str) -> str:
    """A run file's Snakemake pattern: `results/runs/{experiment}/seed{seed}/metrics.csv`."""
    return f"{RESULTS}/{pattern}/{name}"


def run_log(run: str) -> str:
    """A training job's log, relative to the workflow folder, from its run folder relative to the results
    folder (a pattern or a path): `runs/mlp_concise/seed0` → `logs/train/mlp_concise/seed0.log`,
    `sweeps/mlp_lr/lr~0.3/seed0` → `logs/train/sweeps/mlp_lr/lr~0.3/seed0.log`."""
    return f"{TRAIN_LOGS}/{run.removeprefix('runs/')}.log"


def seed_of(folder: Path | str) -> int | None:
    """The seed a run folder's name gives (`seed3` → 3); None for any other folder."""
    match = SEED_FOLDER.fullmatch(Path(folder).name)
    return int(match.group(1)) if match else None


def run_folders(paths) -> list[Path]:
    """The run folders that files (metrics.csv, run.json) lie in, in first-seen order."""
    return list(dict.fromkeys(Path(p).parent for p in paths))


def catalogue_run(experiment: str, seed: int) -> str:
    """A catalogue entry's run folder relative to the results folder: `runs/mlp_concise/seed0`."""
    return CATALOGUE_RUN.format(experiment=experiment, seed=seed)


def sweep_run(sweep: str, point: str, seed: int) -> str:
    """A sweep point's run folder relative to the results folder: `sweeps/mlp_lr/lr~0.3/seed0`."""
    return SWEEP_RUN.format(sweep=sweep, point=point, seed=seed)


class RunRecordError(ValueError):
    """A run.json that is not a run record: not an object, or missing or mistyped required fields."""


@dataclass(frozen=True, kw_only=True)
class RunRecord:
    experiment: str  # the entry's name, or "<sweep>/<point>" for a sweep's point
    config: dict  # the catalogue entry as trained (kind and hyperparameters)
    seed: int
    status: str  # OK or DIVERGED
    epochs_completed: int = 0
    diverged_at_epoch: int | None = None
    divergence: str | None = None  # why it counts as diverged
    initial_loss: float | None = None  # the train loss before the first step
    final: dict | None = None  # a copy of metrics.csv's last row; readers take metrics.csv's own
    wall_time_s: float | None = None
    seconds_per_epoch: float | None = None
    threads: int | None = None
    device: str | None = None
    gpu: dict | None = None
    versions: dict = field(default_factory=dict)
    git: dict | None = None  # commit and whether the tree was dirty; None outside a git checkout
    machine: dict = field(default_factory=dict)
    metrics_sha256: str
    # What the run trained on: each data file's name → its fingerprint (`mlplab.workflow.data_fingerprint`).
    # Absent from records written before fingerprints existed: compared as unknown, never as changed.
    data: dict | None = None
    examples: dict | None = None  # examples trained and measured on, by split (train, validation, test)
    model_sha256: str | None = None  # SHA-256 of model.pt, the trained parameters, where saved
    # The epoch whose parameters model.pt holds: the last completed one (0: the initial parameters, of a
    # run that diverged in its first epoch). None in records written before diverged runs saved theirs.
    model_epoch: int | None = None
    extra: dict = field(default_factory=dict)  # what a kind adds (a polynomial fit's learned weights)

    @property
    def kind(self) -> str:
        return self.config["kind"]

    @property
    def ok(self) -> bool:
        return self.status == OK

    def to_dict(self) -> dict[str, Any]:
        """run.json's object: the fields in declaration order, `extra`'s keys at the top level."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"}
        return {**fields, **self.extra}

    def to_json(self) -> bytes:
        return (json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n").encode()

    @classmethod
    def from_dict(cls, data: Any) -> RunRecord:
        """The record of a parsed run.json; RunRecordError names what is missing or mistyped."""
        if not isinstance(data, dict):
            raise RunRecordError("not a JSON object")
        missing = [key for key in REQUIRED_KEYS if key not in data]
        if missing:
            raise RunRecordError(f"missing {', '.join(missing)}")
        if not isinstance(data["config"], dict) or "kind" not in data["config"]:
            raise RunRecordError("config is not an entry (an object with a kind)")
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        extra = {k: v for k, v in data.items() if k not in known}
        return cls(**{k: v for k, v in data.items() if k in known}, extra=extra)


# The fields a reader needs; the rest are optional (older records lack some).
REQUIRED_KEYS = tuple(
    f.name
    for f in dataclasses.fields(RunRecord)
    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
)


# ---- Writing: never through a link, never half a file ----


class RunFolderError(RuntimeError):
    """A run folder that cannot be written safely: a symbolic link where the run's files go."""


def refuse_links(folder: Path | str) -> None:
    """Refuse a run folder that is, or holds, a symbolic link. Anyone who can write a shared folder could
    otherwise make this job overwrite whatever file the link points to. The folders above it may be links
    (a results/ on a cluster's scratch space)."""
    folder = Path(folder)
    if not os.path.lexists(folder):
        return
    links = [folder] if folder.is_symlink() else [Path(e.path) for e in os.scandir(folder) if e.is_symlink()]
    if links:
        shown = ", ".join(f"{link} → {os.readlink(link)}" for link in sorted(links))
        raise RunFolderError(
            f"{shown}: a symbolic link where a run's files go; the training job never writes through a "
            f"link (it would overwrite the file the link points to). Remove it, check who put it there, "
            f"then run again."
        )


def create_exclusively(path: Path) -> int:
    """A new file at `path`, opened for writing: whatever lies there is removed first (a temporary file a
    killed job left), and the file is created, not opened, so that a link put there in between is refused
    rather than followed."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)


def write_renamed(path: Path, content: bytes) -> None:
    """`content` as `path`, written to its temporary name, flushed to disk and renamed into place."""
    tmp = path.with_name(temporary(path.name))
    with os.fdopen(create_exclusively(tmp), "wb") as f:
        f.write(content)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class MetricsFile:
    """metrics.csv written one row per epoch as training goes, into PARTIAL beside it (so progress can be
    followed), and renamed into place when the run ends: a killed job, or a second job for the same run,
    never leaves a partial file under the name Snakemake takes as the result.
    The csv module, not pandas: importing pandas would add to the start-up of every training job."""

    def __init__(self, path: Path):
        self.path, self.partial = path, path.with_name(PARTIAL)
        self.file = os.fdopen(create_exclusively(self.partial), "w", newline="")
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
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.replace(self.partial, self.path)


class RunWriter:
    """One run folder written in the order its readers rely on (see the module docstring):

        with RunWriter(folder, save_weights) as writer:
            metrics = writer.start()                    # the partial file, a row per epoch
            ...train, calling metrics.write_row(row)...
            writer.finish(columns, model, record)       # metrics.csv, model.pt, run.json

    A write that fails (a full disk) leaves no temporary file behind; the partial file stays, to show how
    far the run got. The job's lock is taken before (`run_lock.run_folder_lock`)."""

    def __init__(self, folder: Path | str, save_weights: bool):
        self.folder, self.save_weights = Path(folder), save_weights
        self.metrics: MetricsFile | None = None

    def __enter__(self) -> RunWriter:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        # Only once this job writes here (a refused folder is left as it was found, links and all).
        if error is not None and self.metrics is not None:
            if not self.metrics.file.closed:
                with contextlib.suppress(OSError):
                    self.metrics.file.close()
            for name in (MODEL_PT, RUN_JSON):
                with contextlib.suppress(OSError):
                    (self.folder / temporary(name)).unlink()

    def start(self) -> MetricsFile:
        refuse_links(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        # A model.pt that an earlier run of this folder left with weights off (not an output then, so
        # Snakemake keeps it) is not this run's.
        (self.folder / MODEL_PT).unlink(missing_ok=True)
        self.metrics = MetricsFile(self.folder / METRICS_CSV)
        return self.metrics

    def finish(
        self, columns: list[str], model: bytes | None, record: Callable[[str, str | None], RunRecord]
    ) -> RunRecord:
        """metrics.csv renamed into place, model.pt saved (where weights are saved), then run.json: the
        record `record(metrics_sha256, model_sha256)` gives, so that a run.json always has its model."""
        assert self.metrics is not None, "start() first"
        self.metrics.close(columns)
        metrics_sha256 = sha256_file(self.folder / METRICS_CSV)
        model_sha256 = None
        if self.save_weights and model is not None:
            write_renamed(self.folder / MODEL_PT, model)
            model_sha256 = hashlib.sha256(model).hexdigest()
        written = record(metrics_sha256, model_sha256)
        write_renamed(self.folder / RUN_JSON, written.to_json())
        return written


def is_complete(folder: Path | str, entry: dict, seed: int, save_weights: bool) -> bool:
    """Whether a run's files are there, whole, and of this entry and seed: written by another job that
    trained the same run (the training job asks this after waiting for that job's lock)."""
    folder = Path(folder)
    try:
        record = RunRecord.from_dict(json.loads((folder / RUN_JSON).read_text()))
        same = record.config == entry and record.seed == seed
        if not same or record.metrics_sha256 != sha256_file(folder / METRICS_CSV):
            return False
        if record.model_sha256 is None:
            return not save_weights
        return sha256_file(folder / MODEL_PT) == record.model_sha256
    except (OSError, ValueError, TypeError):
        return False
