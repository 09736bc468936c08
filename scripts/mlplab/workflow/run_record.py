"""The run record: what one training run was, how it ended and what made it (run.json), its fields as a
dataclass, and where runs live. Written by the training job; read and verified by
`mlplab.workflow.run_reading`, kept apart so that changing a reader reruns no training.

A run is a folder `results/runs/<experiment>/seed<k>/` (a catalogue entry) or
`results/sweeps/<sweep>/<point>/seed<k>/` (a sweep's point) holding metrics.csv, one row per epoch,
and run.json, this record, which carries metrics.csv's SHA-256 so that a reader can tell the file the
run wrote from one changed since.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlplab.workflow.provenance import sha256_file, write_json

RUN_JSON = "run.json"
METRICS_CSV = "metrics.csv"
MODEL_PT = "model.pt"  # the trained parameters, where the run saved them
SEED_FOLDER = re.compile(r"seed(\d+)")
# The run folders, as Snakemake patterns (with the results folder) and relative to the results folder.
CATALOGUE_RUN = "runs/{experiment}/seed{seed}"
SWEEP_RUN = "sweeps/{sweep}/{point}/seed{seed}"
RESULTS = "results"

OK = "ok"
DIVERGED = "diverged"


def run_file(pattern: str, name: str) -> str:
    """A run file's Snakemake pattern: `results/runs/{experiment}/seed{seed}/metrics.csv`."""
    return f"{RESULTS}/{pattern}/{name}"


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
    final: dict | None = None  # the last completed epoch's row of metrics.csv
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
    model_sha256: str | None = None  # SHA-256 of model.pt, the trained parameters, where saved
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

    def write(self, path: Path | str) -> None:
        """Write run.json atomically (a reader never sees half a file)."""
        write_json(self.to_dict(), path)

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


def is_complete(folder: Path | str, entry: dict, seed: int) -> bool:
    """Whether a run's outputs are there, whole, and of this entry and seed (written by another job that
    trained the same run). Here and not in the readers' module: the training job asks this."""
    folder = Path(folder)
    try:
        record = RunRecord.from_dict(json.loads((folder / RUN_JSON).read_text()))
        digest = sha256_file(folder / METRICS_CSV)
    except (OSError, ValueError, TypeError):
        return False
    return record.config == entry and record.seed == seed and record.metrics_sha256 == digest
