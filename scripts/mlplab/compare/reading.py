"""Reading a results folder for mlplab-compare: every run under it (`seed<k>/` with run.json and
metrics.csv), by entry and seed, each run's record checked by `mlplab.workflow.run_reading` as every other
reader of runs checks it.

An entry is a run folder's path relative to the results folder without the `seed<k>` part
(runs/mlp_concise, sweeps/mlp_lr/lr~0.3), shown without a leading `runs/`.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from mlplab.workflow.run_reading import RunFileError, read_record, seed_of
from mlplab.workflow.run_record import METRICS_CSV, RUN_JSON, RunRecord

EPOCH = "epoch"


class BadInput(Exception):
    """Input the comparison cannot use; the message is one line naming the folder or file."""


@dataclass
class Run:
    folder: Path
    seed: int
    record: RunRecord
    columns: list[str]  # metrics.csv's columns after `epoch`
    rows: list[dict[str, float | None]]  # one per epoch, `epoch` included

    @property
    def diverged(self) -> bool:
        return not self.record.ok

    @property
    def config(self) -> dict:
        return self.record.config

    @property
    def sha256(self) -> str:
        # read_record has checked that metrics.csv still has the SHA-256 its run wrote down.
        return self.record.metrics_sha256

    def final(self, metric: str) -> float | None:
        """The metric at the last completed epoch; None when missing or not finite."""
        value = self.rows[-1].get(metric) if self.rows else None
        return value if value is not None and math.isfinite(value) else None


def entry_label(entry: str) -> str:
    return entry.removeprefix("runs/")


def load_results(folder: Path | str) -> dict[str, list[Run]]:
    """Every run under a results folder, by entry (the run folder's path without `seed<k>`), by seed."""
    folder = Path(folder)
    if not folder.exists():
        raise BadInput(f"{folder}: no such folder")
    if not folder.is_dir():
        raise BadInput(f"{folder}: not a folder")
    # Folders holding either file: a run that lost one of the two is refused below, not skipped.
    found = [p.parent for name in (RUN_JSON, METRICS_CSV) for p in folder.rglob(name)]
    run_folders = sorted({p for p in found if seed_of(p) is not None and p != folder})
    if not any((p / RUN_JSON).exists() for p in run_folders):
        raise BadInput(f"{folder}: not a results folder (no {RUN_JSON} in a seed<k> folder under it)")
    entries: dict[str, list[Run]] = defaultdict(list)
    for run_folder in run_folders:
        entry = run_folder.parent.relative_to(folder).as_posix()
        entries[entry].append(load_run(run_folder))
    return {entry: sorted(runs, key=lambda r: r.seed) for entry, runs in sorted(entries.items())}


def load_run(folder: Path) -> Run:
    try:
        record = read_record(folder, verify=True)
    except RunFileError as error:
        raise BadInput(str(error)) from None
    columns, rows = read_metrics(folder / METRICS_CSV)
    seed = seed_of(folder)
    assert seed is not None  # load_results reads seed<k> folders only
    return Run(folder, seed, record, columns, rows)


def read_metrics(path: Path) -> tuple[list[str], list[dict[str, float | None]]]:
    """Columns after `epoch`, and the rows as numbers (an empty cell is None)."""
    try:
        lines = list(csv.reader(io.StringIO(path.read_text())))
    except (UnicodeDecodeError, csv.Error) as error:
        raise BadInput(f"{path}: corrupt ({error})") from None
    if not lines or not lines[0] or lines[0][0] != EPOCH:
        raise BadInput(f"{path}: corrupt, the header does not start with {EPOCH}")
    header, rows = lines[0], []
    for number, line in enumerate(lines[1:], start=2):
        if len(line) != len(header):
            raise BadInput(f"{path}: corrupt, line {number} has {len(line)} fields, the header {len(header)}")
        try:
            rows.append(
                {name: float(cell) if cell else None for name, cell in zip(header, line, strict=True)}
            )
        except ValueError:
            raise BadInput(f"{path}: corrupt, line {number} holds a value that is not a number") from None
    return header[1:], rows
