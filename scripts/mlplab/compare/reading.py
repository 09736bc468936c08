"""Reading a results folder for mlplab-compare: every seed folder under it (`seed<k>/`), by entry and seed.
A finished run (run.json and metrics.csv) is checked by `mlplab.workflow.run_reading` as every other reader
of runs checks it; a seed folder without a finished run (training still writing it, or killed, or a folder
left empty) is kept as unfinished, with why, so that the comparison accounts for every seed folder instead
of judging the rest as if it were all.

An entry is a run folder's path relative to the results folder without the `seed<k>` part
(runs/mlp_concise, sweeps/mlp_lr/lr~0.3), shown without a leading `runs/`.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from mlplab.workflow.run_lock import LOCK_NAME
from mlplab.workflow.run_reading import RunFileError, read_record, seed_of
from mlplab.workflow.run_record import CATALOGUE_RUN, METRICS_CSV, RUN_JSON, SWEEP_RUN, RunRecord

EPOCH = "epoch"
# What run_execution.MetricsFile writes row by row while a run trains, renamed to metrics.csv at its end.
PARTIAL = f"{METRICS_CSV}.partial"
# The folders that hold run folders directly under a results folder, and how deep a run folder lies in them.
RUN_GROUPS = {pattern.split("/")[0]: pattern.count("/") for pattern in (CATALOGUE_RUN, SWEEP_RUN)}


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


@dataclass(frozen=True)
class Unfinished:
    """A seed folder without a finished run, and why it is not one (in words)."""

    folder: Path
    seed: int
    why: str


@dataclass
class Results:
    """A results folder: the finished runs and the unfinished seed folders, each by entry, by seed."""

    folder: Path
    runs: dict[str, list[Run]]
    unfinished: dict[str, list[Unfinished]] = field(default_factory=dict)

    @property
    def entries(self) -> set[str]:
        return self.runs.keys() | self.unfinished.keys()


def entry_label(entry: str) -> str:
    return entry.removeprefix("runs/")


def misplaced(folder: Path) -> str | None:
    """Why a folder given as a results folder is a runs/ or sweeps/ folder, or a folder inside one (whose
    entries would lose their `runs/` and match no entry of a real results folder); None otherwise."""
    if any((folder / group).is_dir() for group in RUN_GROUPS) or not holds_runs(folder):
        return None
    resolved = folder.resolve()
    for depth, up in enumerate([resolved, *resolved.parents][: max(RUN_GROUPS.values()) + 1]):
        if up.name in RUN_GROUPS and depth <= RUN_GROUPS[up.name]:
            what = f"a {up.name}/ folder" if depth == 0 else f"a folder inside {up}"
            shown = folder
            for _ in range(depth + 1):
                shown = shown.parent
            results = up.parent if shown.name in ("", ".", "..") or ".." in shown.parts else shown
            return (
                f"{folder}: {what}, not a results folder; give the results folder that holds "
                f"{up.name}/ instead: {results}"
            )
    return None


def holds_runs(folder: Path) -> bool:
    return seed_of(folder) is not None or bool(seed_dirs(folder))


def seed_dirs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("seed*") if p.is_dir() and seed_of(p) is not None)


def load_results(folder: Path | str) -> Results:
    """Every seed folder under a results folder, by entry (the run folder's path without `seed<k>`), by
    seed: a finished run read and checked, any other kept as unfinished."""
    folder = Path(folder)
    if not folder.exists():
        raise BadInput(f"{folder}: no such folder")
    if not folder.is_dir():
        raise BadInput(f"{folder}: not a folder")
    folders = [p for p in seed_dirs(folder) if p != folder]
    if not folders:
        raise BadInput(f"{folder}: not a results folder (no seed<k> run folder under it)")
    runs: dict[str, list[Run]] = defaultdict(list)
    unfinished: dict[str, list[Unfinished]] = defaultdict(list)
    for run_folder in folders:
        entry = run_folder.parent.relative_to(folder).as_posix()
        why = unfinished_why(run_folder)
        if why is None:
            runs[entry].append(load_run(run_folder))
        else:
            seed = seed_of(run_folder)
            assert seed is not None  # seed_dirs gives seed<k> folders only
            unfinished[entry].append(Unfinished(run_folder, seed, why))
    return Results(
        folder,
        {entry: sorted(found, key=lambda r: r.seed) for entry, found in sorted(runs.items())},
        {entry: sorted(found, key=lambda u: u.seed) for entry, found in sorted(unfinished.items())},
    )


def unfinished_why(folder: Path) -> str | None:
    """Why a seed folder holds no finished run, or None where it has run.json (read and checked next), or
    metrics.csv alone, a finished run that lost its run.json: refused with the command that rebuilds it."""
    if (folder / RUN_JSON).exists():
        return None
    locked = (folder / LOCK_NAME).exists()
    lock = f"a writer's lock ({LOCK_NAME})"
    if (folder / PARTIAL).exists():
        try:
            epochs = max(len((folder / PARTIAL).read_text().splitlines()) - 1, 0)
            written = f"{epochs} epoch{'s' if epochs != 1 else ''} written"
        except (OSError, UnicodeDecodeError):
            written = "unreadable"
        return f"partial ({PARTIAL}, {written}{', ' + lock if locked else ''}; no {RUN_JSON})"
    if locked:
        return f"partial ({lock}: a training job started it; no {RUN_JSON})"
    if (folder / METRICS_CSV).exists():
        return None
    held = sorted(p.name for p in folder.iterdir())
    if not held:
        return "empty folder"
    shown = ", ".join(held[:3]) + (f" and {len(held) - 3} more" if len(held) > 3 else "")
    return f"no {RUN_JSON} or {METRICS_CSV} (holds {shown})"


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
