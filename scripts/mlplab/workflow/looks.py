"""The looks of the `decide` target, as the workflow needs them to plan its jobs: where each look's plan
lies, the seeds a comparison has at each look, and the run folders each look reads. Torch- and scipy-free:
the Snakefile asks this for every checkpoint of `decide`; the decisions themselves are
`mlplab.presentation.decide_plan`'s.
"""

from __future__ import annotations

import json
from pathlib import Path

from mlplab.workflow.run_record import RESULTS
from mlplab.workflow.sweeps import Sweep, seed_sequence

PLANS = f"{RESULTS}/decide"  # results/decide/<sweep>/look<k>.json, and the sweep's summary.csv beside
NEXT_READS = "next_reads"  # a plan's point → the run folders the next look reads
READ = "read"  # a plan's run folders read so far (→ their training time)


def plan_file(sweep: str, look: int | str) -> str:
    return f"{PLANS}/{sweep}/look{look}.json"


def look_seeds(sweep: Sweep, looks: tuple[int, ...], look: int) -> tuple[int, ...]:
    """The seeds a comparison has at a look: the sweep's own seeds continued (`sweeps.seed_sequence`) to
    that look's number, and at least the sweep's own (what `exercises` trains)."""
    return seed_sequence(sweep.seeds, looks[look])


def compared_points(sweep: Sweep) -> list[str]:
    """The points compared with the sweep's baseline: every other one (none without a baseline)."""
    if sweep.baseline is None:
        return []
    return [p.path for p in sweep.points if p.path != sweep.baseline.path]


def reads(sweep: Sweep, looks: tuple[int, ...], look: int, points: list[str]) -> dict[str, list[str]]:
    """Point path → the run folders a look reads for the compared `points`: theirs and the baseline's at
    the look's seeds; nothing when no point is compared."""
    if not points or sweep.baseline is None:
        return {}
    seeds = look_seeds(sweep, looks, look)
    return {path: sweep.run_folders(sweep.point(path), seeds) for path in [*points, sweep.baseline.path]}


def look_reads(sweep: Sweep, looks: tuple[int, ...], look: int, previous: Path | str | None) -> dict:
    """What a look reads: every comparison at the first look; later, what the previous look's plan left
    open (its NEXT_READS)."""
    if previous is None:
        return reads(sweep, looks, look, compared_points(sweep))
    return json.loads(Path(previous).read_text())[NEXT_READS]


def folders_read(plan: Path | str) -> list[str]:
    """The run folders a plan and the looks before it read (its READ)."""
    return list(json.loads(Path(plan).read_text())[READ])
