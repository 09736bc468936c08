"""Reading a results folder for mlplab-compare: every seed folder under it (`seed<k>/`), by entry and seed.
A finished run is read and checked by `mlplab.workflow.run_reading.read_run` as every other reader of runs
reads it; a seed folder without a finished run (training still writing it, or killed, or a folder left
empty) is kept as unfinished, in the words mlplab-status uses for it (`run_reading.unfinished`), so that
the comparison accounts for every seed folder instead of judging the rest as if it were all.

An entry is a run folder's path relative to the results folder without the `seed<k>` part
(runs/mlp_concise, sweeps/mlp_lr/lr~0.3), shown without a leading `runs/`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from mlplab.workflow.run_reading import EPOCH, Run, RunFileError, read_run, seed_of, unfinished
from mlplab.workflow.run_record import CATALOGUE_RUN, SWEEP_RUN

__all__ = ["EPOCH", "BadInput", "Results", "Run", "Unfinished", "entry_label", "load_results", "misplaced"]
# The folders that hold run folders directly under a results folder, and how deep a run folder lies in them.
RUN_GROUPS = {pattern.split("/")[0]: pattern.count("/") for pattern in (CATALOGUE_RUN, SWEEP_RUN)}


class BadInput(Exception):
    """Input the comparison cannot use; the message is one line naming the folder or file."""


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
    unfinished_runs: dict[str, list[Unfinished]] = defaultdict(list)
    for run_folder in folders:
        entry = run_folder.parent.relative_to(folder).as_posix()
        state = unfinished(run_folder)
        if state is None:
            runs[entry].append(load_run(run_folder))
        else:
            seed = seed_of(run_folder)
            assert seed is not None  # seed_dirs gives seed<k> folders only
            unfinished_runs[entry].append(Unfinished(run_folder, seed, state.summary()))
    return Results(
        folder,
        {entry: sorted(found, key=lambda r: r.seed) for entry, found in sorted(runs.items())},
        {entry: sorted(found, key=lambda u: u.seed) for entry, found in sorted(unfinished_runs.items())},
    )


def load_run(folder: Path) -> Run:
    try:
        return read_run(folder)
    except RunFileError as error:
        raise BadInput(str(error)) from None
