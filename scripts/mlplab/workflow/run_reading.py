"""The run folder, read: a finished run's files verified (`read_run`), and the state of any seed folder
(`run_state`), from the files alone. Every reader of runs goes through here (the tables, the sweep
summaries, mlplab-compare, mlplab-status, mlplab-evaluate, the MLflow export), so that a run.json that is
not a record, a file changed after its run wrote it, or a folder copied under another seed's name is
refused the same way everywhere, with the command that rebuilds it; and no page, table or verdict shows a
number the verified metrics.csv does not hold. The files and their order are `run_record`'s.

What a reader may rely on: Snakemake deletes a job's outputs before the job starts, and the training job
writes run.json last, so a run.json that verifies is a finished run whatever else lies beside it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import yaml

from mlplab.workflow.catalogue import KINDS, chance_level
from mlplab.workflow.config_diff import config_changes
from mlplab.workflow.job_log import logged_failure
from mlplab.workflow.run_lock import Writer, checkable, writer
from mlplab.workflow.run_record import (
    DIVERGED,
    LOCK,
    METRICS_CSV,
    MODEL_PT,
    PARTIAL,
    RESULTS,
    RUN_JSON,
    RunRecord,
    RunRecordError,
    run_log,
    seed_of,
)
from mlplab.workflow.sweeps import produced_runs

EPOCH = "epoch"


class RunFileError(ValueError):
    """A run's file is missing, corrupt, not the file the run wrote, or of another run."""


# A run folder's path: the results folder it lies in, and the run's path in it (`runs/<experiment>/seed<k>`,
# `sweeps/<sweep>/<point>/seed<k>`, the point one or more levels); the last runs/ or sweeps/ that fits.
RUN_PATH = re.compile(r"(?:(.*)/)?((?:runs/([^/]+)|sweeps/([^/]+(?:/[^/]+)+?))/seed\d+)")


def placed(folder: Path) -> tuple[Path, str, str] | None:
    """(the results folder, the run's path in it, the run's name as run.json records it) of a run folder
    laid out as the workflow lays it out; None for any other folder."""
    match = RUN_PATH.fullmatch(folder.as_posix())
    if match is None:
        return None
    return Path(match.group(1) or "."), match.group(2), match.group(3) or match.group(4)


def rebuild_hint(folder: Path) -> str:
    """What to do about a run that cannot be read: the command that rebuilds it, in the workflow folder
    that made it; or, for a run the config no longer produces, to remove its folder."""
    where = placed(folder)
    if where is None:
        return f"rebuild the run with: snakemake --cores all -R {folder / METRICS_CSV}"
    results, run, _ = where
    made = f"{RESULTS}/{run}/{METRICS_CSV}"
    if results.name != RESULTS and Path(os.path.abspath(results)).name != RESULTS:
        return (
            f"{results} is not a results folder the workflow wrote (a copy, or moved): rebuild "
            f"the run in the workflow folder that made it, with: snakemake --cores all -R {made}"
        )
    config = Path(os.path.abspath(results)).parent / "config.yaml"
    try:
        produced = produced_runs(yaml.safe_load(config.read_text()))
    except Exception:  # no config, or one that `snakemake -n` would refuse: the usual hint then
        produced = {run}
    if run not in produced:
        return f"{config} no longer makes this run (its entry, point or seed was removed): remove {folder}"
    return f"rebuild the run with: snakemake --cores all -R {folder / METRICS_CSV}"


def hinted(error: RunFileError, folder: Path) -> RunFileError:
    """The error with what to do (reading config.yaml: only for a run that fails)."""
    return RunFileError(f"{error}; {rebuild_hint(folder)}")


# ---- A finished run, verified ----


@dataclass(frozen=True)
class Run:
    """A finished run: its record and its epochs, every file checked against run.json."""

    folder: Path
    record: RunRecord
    columns: tuple[str, ...]  # metrics.csv's metrics, after `epoch`
    rows: tuple[dict[str, float | None], ...]  # one per completed epoch, `epoch` an int; None: empty

    @property
    def seed(self) -> int:
        return self.record.seed

    @property
    def record_file(self) -> Path:
        return self.folder / RUN_JSON

    @property
    def metrics_file(self) -> Path:
        return self.folder / METRICS_CSV

    @property
    def model_file(self) -> Path | None:
        """model.pt, where the run saved its parameters."""
        return self.folder / MODEL_PT if self.record.model_sha256 is not None else None

    def model(self) -> bytes:
        """model.pt's bytes, checked again against run.json (read when asked: a table of runs needs none)."""
        if self.record.model_sha256 is None:
            raise RunFileError(f"{self.record_file}: the run saved no parameters (model_sha256 is null)")
        try:
            return verify_file(self.folder / MODEL_PT, self.record.model_sha256)
        except RunFileError as e:
            raise hinted(e, self.folder) from None

    @property
    def ok(self) -> bool:
        return self.record.ok

    @property
    def final_metrics(self) -> dict[str, float | None]:
        """The last completed epoch's metrics (empty where none completed), from metrics.csv."""
        return {k: v for k, v in self.rows[-1].items() if k != EPOCH} if self.rows else {}

    def final(self, metric: str) -> float | None:
        """A metric at the last completed epoch; None when missing or not finite."""
        value = self.final_metrics.get(metric)
        return value if value is not None and value == value and abs(value) != float("inf") else None

    @property
    def chance(self) -> str | None:
        """Why a finished run is no better than chance (`catalogue.chance_level`), or None; a diverged run
        is diverged, not at chance. Computed where read, so the rule can change without retraining."""
        if not self.ok or self.record.kind not in KINDS:
            return None
        return chance_level(KINDS[self.record.kind].family, self.final_metrics)


def read_run(folder: Path | str) -> Run:
    """A finished run, checked: run.json is a record naming this folder's entry and seed; metrics.csv and
    model.pt are the files the run wrote (run.json's SHA-256); run.json's final metrics are metrics.csv's
    last row. RunFileError names the file and what to do."""
    folder = Path(folder)
    try:
        return checked_run(folder)
    except RunFileError as e:
        raise hinted(e, folder) from None


def checked_run(folder: Path) -> Run:
    run_json = folder / RUN_JSON
    try:
        record = RunRecord.from_dict(json.loads(run_json.read_text()))
    except OSError as e:
        raise RunFileError(f"{run_json}: cannot be read ({e.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RunFileError(f"{run_json}: cannot be read as JSON ({e})") from None
    except (RunRecordError, TypeError) as e:
        raise RunFileError(f"{run_json}: not a run record ({e})") from None
    if problem := identity_problem(folder, record):
        raise RunFileError(f"{run_json}: {problem} (a copied or moved run folder?)")
    columns, rows = read_metrics(folder / METRICS_CSV, record.metrics_sha256)
    if not same_numbers(record.final or {}, rows[-1] if rows else {}):
        raise RunFileError(
            f"{run_json}: its final metrics are not metrics.csv's last row (run.json was edited after its "
            "run wrote it)"
        )
    if record.model_sha256 is not None:
        verify_file(folder / MODEL_PT, record.model_sha256)
    return Run(folder, record, columns, rows)


def same_numbers(recorded: dict, row: dict) -> bool:
    """run.json's copy of a row against metrics.csv's: the same keys and numbers (NaN equal to NaN)."""
    return recorded.keys() == row.keys() and all(
        a == b or (a != a and b != b) for a, b in ((recorded[k], row[k]) for k in row)
    )


def identity_problem(folder: Path, record: RunRecord) -> str | None:
    """Why run.json is not this folder's run: another seed, or another entry, than the folder's name says."""
    seed = seed_of(folder)
    if seed is not None and record.seed != seed:
        return f"it records seed {record.seed!r}, but its folder is for seed {seed}"
    where = placed(folder)
    if where is not None and record.experiment != where[2]:
        return f"it records the run {record.experiment!r}, but its folder is for {where[2]!r}"
    return None


def verify_file(path: Path, recorded: str | None) -> bytes:
    """A file of a run (metrics.csv, model.pt), checked to be the one its run wrote; its bytes."""
    try:
        content = path.read_bytes()
    except OSError as e:
        raise RunFileError(f"{path}: cannot be read ({e.strerror})") from None
    if hashlib.sha256(content).hexdigest() != recorded:
        raise RunFileError(f"{path}: changed after its run wrote it (its SHA-256 is not the one in run.json)")
    return content


def read_metrics(path: Path, recorded: str) -> tuple[tuple[str, ...], tuple[dict, ...]]:
    """metrics.csv, verified: its columns after `epoch`, and its rows as numbers (an empty cell is None)."""
    content = verify_file(path, recorded)
    try:
        lines = list(csv.reader(io.StringIO(content.decode())))
    except (UnicodeDecodeError, csv.Error) as error:
        raise RunFileError(f"{path}: corrupt ({error})") from None
    if not lines or not lines[0] or lines[0][0] != EPOCH:
        raise RunFileError(f"{path}: corrupt, the header does not start with {EPOCH}")
    header, rows = lines[0], []
    for number, line in enumerate(lines[1:], start=2):
        try:
            if len(line) != len(header):
                raise ValueError
            row: dict[str, float | None] = {EPOCH: int(line[0])}
            row.update(
                {name: float(cell) if cell else None for name, cell in zip(header[1:], line[1:], strict=True)}
            )
        except ValueError:
            raise RunFileError(f"{path}: corrupt at line {number}") from None
        rows.append(row)
    return tuple(header[1:]), tuple(rows)


# ---- The state of a seed folder ----


class State(StrEnum):
    RUNNING = "running"
    STALLED = "stalled"
    FAILED = "failed"
    DONE = "done"
    OUT_OF_DATE = "out of date"
    DIVERGED = DIVERGED
    CHANCE = "chance"
    WAITING = "waiting"


FINISHED = (State.DONE, State.OUT_OF_DATE, State.DIVERGED, State.CHANCE)
# A writer is stalled after no row for STALL_EPOCHS times its own seconds per epoch, and at least
# STALL_MIN_S; before its first row, after FIRST_ROW_S unless a finished seed of the entry tells its pace.
STALL_EPOCHS, STALL_MIN_S, FIRST_ROW_S = 5, 60.0, 600.0


@dataclass(frozen=True)
class RunState:
    state: State
    planned: int | None = None  # epochs the config asks for
    epochs: int | None = None  # epochs completed (rows written), where known
    elapsed_s: float | None = None  # a running job's time so far; a finished run's wall time
    left_s: float | None = None  # a running job's estimate of what is left
    metrics: dict[str, str] = field(default_factory=dict)  # a running job's last row, as written
    why: str = ""  # why it failed, diverged, is at chance or out of date; who writes it
    since: float | None = None  # a stalled run's last write (epoch seconds)
    log: Path | None = None  # a failed run's job log, where there is one
    run: Run | None = None  # a finished run, as read

    def __post_init__(self) -> None:
        # Text read from the run's files (a log line, run.json's divergence, a partial row) goes to a
        # terminal as it is: never its control characters.
        object.__setattr__(self, "why", printable(self.why))
        object.__setattr__(self, "metrics", {printable(k): printable(v) for k, v in self.metrics.items()})

    def summary(self) -> str:
        """The state in one line: 'failed: no space left on device', 'running: epoch 2 of 10'."""
        detail = self.why
        if self.state in (State.RUNNING, State.STALLED) and self.epochs is not None:
            detail = "; ".join(filter(None, [of_planned(self.epochs, self.planned), self.why]))
        return f"{self.state}: {detail}" if detail else str(self.state)


def printable(text: str) -> str:
    """`text` with every control character shown as an escape (`\\x1b`), so that text from a file cannot
    drive the terminal it is printed on."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in str(text))


def of_planned(epochs: int, planned: int | None) -> str:
    return f"epoch {epochs} of {planned if planned is not None else '?'}"


def partial_rows(folder: Path) -> tuple[list[dict[str, str]], float] | None:
    """The whole rows of the partial metrics file (a row being written is left out) and when it was last
    written; None without the file."""
    path = folder / PARTIAL
    try:
        written = path.lstat().st_mtime
        text = path.read_text(errors="replace") if not path.is_symlink() else ""
    except FileNotFoundError:
        return None
    except OSError:
        return [], 0.0
    rows = csv.DictReader(io.StringIO(text))
    return [row for row in rows if None not in row and None not in row.values()], written


def job_log(folder: Path) -> Path | None:
    """The training job's log of a run folder laid out as the workflow lays it out."""
    where = placed(folder)
    if where is None:
        return None
    return Path(os.path.abspath(where[0])).parent / run_log(where[1])


def run_state(
    folder: Path | str,
    planned: int | None = None,
    now: float | None = None,
    *,
    entry: dict | None = None,
    threads: int | None = None,
    epoch_s: float | None = None,
) -> RunState:
    """What the files of a seed folder say about its run. With the current config's `entry` (and
    `threads`), a finished run trained otherwise is out of date; `epoch_s`, the pace of a finished seed of
    the same entry, tells how long a run may go without a row before it counts as stalled."""
    folder = Path(folder)
    now = time.time() if now is None else now
    state = unfinished(folder, planned, now, epoch_s)
    if state is not None:
        return state
    try:
        run = read_run(folder)
    except RunFileError as e:
        lock = writer(folder, now)
        if lock is not None and lock.live:  # a job rewriting the run
            return in_progress(lock, partial_rows(folder), planned, now, epoch_s)
        return RunState(State.FAILED, planned, why=str(e))
    return finished(run, planned, entry, threads)


def finished(run: Run, planned: int | None, entry: dict | None, threads: int | None) -> RunState:
    record = run.record
    changes = config_changes(record.config, entry) if entry is not None else []
    if threads is not None and record.threads is not None and threads != record.threads:
        changes.append(f"threads {record.threads} → {threads}")
    if changes:
        state, why = State.OUT_OF_DATE, ", ".join(changes)
    elif not record.ok:
        at = f"at epoch {record.diverged_at_epoch}" if record.diverged_at_epoch is not None else ""
        state, why = State.DIVERGED, ": ".join(filter(None, [at, record.divergence or ""]))
        why = why or f"status {record.status}"
    elif (reason := run.chance) is not None:
        state, why = State.CHANCE, reason
    else:
        state, why = State.DONE, ""
    return RunState(state, planned, record.epochs_completed, record.wall_time_s, why=why, run=run)


def unfinished(
    folder: Path, planned: int | None = None, now: float | None = None, epoch_s: float | None = None
) -> RunState | None:
    """The state of a seed folder without a finished run (running, stalled, failed and why, waiting), or
    None where it holds a run.json, to be read with `read_run`. mlplab-status and mlplab-compare both
    ask this, so that they never disagree about a folder."""
    if os.path.lexists(folder / RUN_JSON):
        return None
    now = time.time() if now is None else now
    lock, rows, log = writer(folder, now), partial_rows(folder), job_log(folder)
    if lock is not None and lock.live:
        return in_progress(lock, rows, planned, now, epoch_s)
    reason = logged_failure(log)
    stopped = f"; it stopped at {of_planned(len(rows[0]), planned)}" if rows is not None else ""
    shown_log = log if log is not None and log.exists() else None
    if lock is not None:
        why = f"{reason}; its job ({lock.named()}) is gone" if reason else f"its job ({lock.named()}) is gone"
        return RunState(State.FAILED, planned, why=f"{why} and left no {RUN_JSON}{stopped}", log=shown_log)
    if reason is not None:
        return RunState(State.FAILED, planned, why=reason + stopped, log=shown_log)
    if rows is not None:
        why = f"{PARTIAL} is left with no job writing it (no {LOCK}), and no {RUN_JSON}{stopped}"
        return RunState(State.FAILED, planned, why=why, log=shown_log)
    if os.path.lexists(folder / METRICS_CSV):
        why = f"{METRICS_CSV} without {RUN_JSON}: its job ended before recording the run"
        return RunState(State.FAILED, planned, why=why, log=shown_log)
    held = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    return RunState(State.WAITING, planned, why=f"holds {', '.join(held)} but no {RUN_JSON}" if held else "")


def in_progress(
    lock: Writer, found: tuple[list[dict[str, str]], float] | None, planned: int | None, now: float,
    epoch_s: float | None,
) -> RunState:  # fmt: skip
    """A live writer's run: running, or stalled when it has written no row for too long."""
    rows, written = found if found is not None else ([], lock.since)
    epochs = len(rows)
    last_write = max(written, lock.since) if epochs else lock.since
    pace = (last_write - lock.since) / epochs if epochs else epoch_s
    limit = max(STALL_MIN_S, STALL_EPOCHS * pace) if pace else FIRST_ROW_S
    elapsed = max(now - lock.since, 0.0)
    last = {k: v for k, v in rows[-1].items() if k != EPOCH} if rows else {}
    unchecked = (
        "" if not lock.holder or checkable(lock.holder) else f"{lock.named()}, not checkable from here"
    )
    if now - last_write > limit:
        return RunState(State.STALLED, planned, epochs, elapsed, None, last, unchecked, since=last_write)
    left = elapsed / epochs * max(planned - epochs, 0) if epochs and planned is not None else None
    return RunState(State.RUNNING, planned, epochs, elapsed, left, last, unchecked)
