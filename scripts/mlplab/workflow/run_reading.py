"""Reading run folders: each run's record, checked, and the run folders under a results folder.

Every reader of runs (the tables, the sweep summaries, mlplab-compare) goes through `read_record`, so a
run.json that is not a record, or a metrics.csv changed after its run wrote it, is refused the same way
everywhere, with the command that rebuilds it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from mlplab.workflow.catalogue import KINDS, chance_level
from mlplab.workflow.provenance import sha256_file
from mlplab.workflow.run_record import (
    METRICS_CSV,
    RESULTS,
    RUN_JSON,
    SEED_FOLDER,
    RunRecord,
    RunRecordError,
)


class RunFileError(ValueError):
    """A run's run.json or metrics.csv is missing, corrupt, or not the file the run wrote."""


# A run folder's path: the results folder it lies in, and the run's path in it (`runs/<experiment>/seed<k>`,
# `sweeps/<sweep>/<point>/seed<k>`, the point one or more levels); the last runs/ or sweeps/ that fits.
RUN_PATH = re.compile(r"(?:(.*)/)?((?:runs/[^/]+|sweeps/[^/]+(?:/[^/]+)+?)/seed\d+)")


def rebuild_hint(folder: Path) -> str:
    """The command that rebuilds a run. The workflow writes runs under results/ only: a run read in a
    copy (`results-before/runs/...`) is rebuilt where it was made, by the path the workflow knows."""
    match = RUN_PATH.fullmatch(folder.as_posix())
    if match and match.group(1) and Path(match.group(1)).name != RESULTS:
        made = f"{RESULTS}/{match.group(2)}/{METRICS_CSV}"
        return (
            f"{match.group(1)} is not a results folder the workflow wrote (a copy, or moved): rebuild "
            f"the run in the workflow folder that made it, with: snakemake --cores all -R {made}"
        )
    return f"rebuild the run with: snakemake --cores all -R {folder / METRICS_CSV}"


def read_record(folder: Path | str, verify: bool = True) -> RunRecord:
    """A run's record, checked: run.json parses and holds the required fields, and (with `verify`)
    metrics.csv is the file the run wrote (its SHA-256 is in run.json)."""
    folder = Path(folder)
    run_json = folder / RUN_JSON
    try:
        record = RunRecord.from_dict(json.loads(run_json.read_text()))
    except OSError as e:
        raise RunFileError(f"{run_json}: cannot be read ({e.strerror}); {rebuild_hint(folder)}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RunFileError(f"{run_json}: cannot be read as JSON ({e}); {rebuild_hint(folder)}") from None
    except (RunRecordError, TypeError) as e:
        raise RunFileError(f"{run_json}: not a run record ({e}); {rebuild_hint(folder)}") from None
    if verify:
        verify_metrics(folder, record)
    return record


def verify_metrics(folder: Path, record: RunRecord) -> None:
    verify_file(folder / METRICS_CSV, record.metrics_sha256)


def verify_file(path: Path, recorded: str | None) -> None:
    """A file of a run (metrics.csv, model.pt) is the one its run wrote: its SHA-256 is run.json's."""
    folder = path.parent
    try:
        digest = sha256_file(path)
    except OSError as e:
        raise RunFileError(f"{path}: cannot be read ({e.strerror}); {rebuild_hint(folder)}") from None
    if digest != recorded:
        raise RunFileError(
            f"{path}: changed after its run wrote it (its SHA-256 is not the one in run.json); "
            + rebuild_hint(folder)
        )


def run_folders(paths) -> list[Path]:
    """The run folders that files (metrics.csv, run.json) lie in, in first-seen order."""
    return list(dict.fromkeys(Path(p).parent for p in paths))


def seed_of(folder: Path) -> int | None:
    """The seed a run folder's name gives (`seed3` → 3); None for any other folder."""
    match = SEED_FOLDER.fullmatch(folder.name)
    return int(match.group(1)) if match else None


def chance(record: RunRecord) -> str | None:
    """Why a finished run is no better than chance (`catalogue.chance_level`), or None; a diverged run is
    diverged, not at chance. Computed where read, so the rule can change without retraining."""
    if not record.ok or record.kind not in KINDS:
        return None
    return chance_level(KINDS[record.kind].family, record.final)
