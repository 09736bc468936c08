"""The state of one run folder, told from its files alone: mlplab-status runs beside a live Snakemake, and
on a cluster's shared folder from a login node, where Snakemake's own state (its locks, its API) is held
by another process or another machine. Nothing is locked or written here.

What the training job leaves, in order (scripts/train.py): the writer's lock (`run_lock.LOCK_NAME`),
metrics.csv.partial growing a row per epoch (`run_execution.MetricsFile`), metrics.csv renamed into
place, run.json, the lock removed. Snakemake deletes a job's outputs before the job starts, so a run.json
that verifies is a finished run whatever else lies beside it.
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from mlplab.workflow.run_lock import LOCK_NAME, alive, checkable, describe
from mlplab.workflow.run_reading import RunFileError, chance, read_record
from mlplab.workflow.run_record import DIVERGED, METRICS_CSV, RUN_JSON, RunRecord

PARTIAL = f"{METRICS_CSV}.partial"  # where MetricsFile writes until the run ends
# A lock that names no holder yet: created, not yet written (the holder writes it at once). Younger than
# this it counts as a job starting; older, as one that died between the two steps.
UNWRITTEN_LOCK_S = 10.0


class State(StrEnum):
    RUNNING = "running"
    FAILED = "failed"
    DONE = "done"
    DIVERGED = DIVERGED
    CHANCE = "chance"
    WAITING = "waiting"


@dataclass(frozen=True)
class RunState:
    state: State
    planned: int | None = None  # epochs the config asks for
    epochs: int | None = None  # epochs completed (rows written), where known
    elapsed_s: float | None = None  # a running job's time so far; a finished run's wall time
    left_s: float | None = None  # a running job's estimate of what is left
    metrics: dict[str, str] = field(default_factory=dict)  # a running job's last row, as written
    why: str = ""  # what a person needs to know: why it failed, diverged or is at chance; who writes it


@dataclass(frozen=True)
class Writer:
    """The job a run folder's lock names."""

    holder: dict  # as run_lock writes it; empty when the file names no one
    since: float  # the lock's modification time: written once, when the job claimed the folder
    live: bool

    def named(self) -> str:
        return describe(self.holder) if self.holder else "a job that left its lock unwritten"


def writer(folder: Path, now: float) -> Writer | None:
    """The lock's holder and whether it may still be writing (`run_lock.alive`: a holder that cannot be
    checked from here counts as alive, as it does for the training job)."""
    lock = folder / LOCK_NAME
    try:
        since = lock.stat().st_mtime
        holder = json.loads(lock.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        holder = None
    if not isinstance(holder, dict) or not holder:
        return Writer({}, since, now - since < UNWRITTEN_LOCK_S)
    return Writer(holder, since, alive(holder))


def partial_rows(folder: Path) -> list[dict[str, str]] | None:
    """The whole rows of metrics.csv.partial (a row being written is left out); None without the file."""
    try:
        text = (folder / PARTIAL).read_text(errors="replace")
    except FileNotFoundError:
        return None
    except OSError:
        return []
    rows = csv.DictReader(io.StringIO(text))
    return [row for row in rows if None not in row and None not in row.values()]


def clock(seconds: float) -> str:
    """'0:42', '12:05', '1:02:03'."""
    minutes, secs = divmod(round(max(seconds, 0.0)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def of_planned(epochs: int, planned: int | None) -> str:
    return f"epoch {epochs} of {planned if planned is not None else '?'}"


def finished(record: RunRecord, planned: int | None) -> RunState:
    state, why = State.DONE, ""
    if not record.ok:
        at = f"at epoch {record.diverged_at_epoch}" if record.diverged_at_epoch is not None else ""
        state, why = State.DIVERGED, ": ".join(filter(None, [at, record.divergence or ""]))
        why = why or f"status {record.status}"
    elif (reason := chance(record)) is not None:
        state, why = State.CHANCE, reason
    return RunState(state, planned, record.epochs_completed, record.wall_time_s, why=why)


def running(lock: Writer, rows: list[dict[str, str]] | None, planned: int | None, now: float) -> RunState:
    epochs = len(rows or [])
    elapsed = max(now - lock.since, 0.0)
    left = None
    if epochs and planned is not None:
        left = elapsed / epochs * max(planned - epochs, 0)
    last = {k: v for k, v in rows[-1].items() if k != "epoch"} if rows else {}
    unchecked = ""
    if lock.holder and not checkable(lock.holder):
        unchecked = f"{lock.named()}, not checkable from here"
    return RunState(State.RUNNING, planned, epochs, elapsed, left, last, unchecked)


def stopped(rows: list[dict[str, str]] | None, planned: int | None) -> str:
    return f"; it stopped at {of_planned(len(rows), planned)}" if rows is not None else ""


def run_state(folder: Path | str, planned: int | None, now: float | None = None) -> RunState:
    """What the files of one run folder say about it (see the module docstring for the order)."""
    folder = Path(folder)
    now = time.time() if now is None else now
    lock = writer(folder, now)
    rows = partial_rows(folder)
    live = lock is not None and lock.live
    if (folder / RUN_JSON).exists():
        try:
            return finished(read_record(folder), planned)
        except RunFileError as e:
            if not live:
                return RunState(State.FAILED, planned, why=str(e))
    if lock is not None and live:
        return running(lock, rows, planned, now)
    if lock is not None:
        why = f"its job ({lock.named()}) is gone and left no {RUN_JSON}{stopped(rows, planned)}"
        return RunState(State.FAILED, planned, why=why)
    if rows is not None:
        why = f"{PARTIAL} is left with no job writing it (no {LOCK_NAME}), and no {RUN_JSON}"
        why += stopped(rows, planned)
        return RunState(State.FAILED, planned, why=why)
    if (folder / METRICS_CSV).exists():
        why = f"{METRICS_CSV} without {RUN_JSON}: its job ended before recording the run"
        return RunState(State.FAILED, planned, why=why)
    return RunState(State.WAITING, planned)
