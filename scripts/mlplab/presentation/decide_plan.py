"""The `decide` target's plan: after each look, each of a sweep's comparisons (a point against the sweep's
baseline, paired by seed, on the metric the sweep selects on) decided or still open, and the seeds the
next look trains for the open ones, the point's and the baseline's. A pure function of the previous
look's plan and the verified runs, so that the same results always plan the same seeds; a comparison once
decided is never looked at again, and seeds once trained are read, never trained again.

The decisions are `sequential`'s (alpha spending over the declared looks). Each look's plan is written by
the checkpoint `decide_plan` as results/decide/<sweep>/look<k>.json (`looks.plan_file`), read by the next
look's, by the decide page and by mlplab-status.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from mlplab.chapter.metrics import TEST_ACC
from mlplab.presentation import sequential, stats
from mlplab.presentation.margins import smallest_meaningful
from mlplab.workflow.catalogue import HEADLINE, KINDS, SELECT_ON, Family
from mlplab.workflow.looks import NEXT_READS, READ, reads
from mlplab.workflow.run_reading import Run
from mlplab.workflow.sweeps import Sweep

# What a sweep's comparisons are decided on (what it selects on: validation accuracy for classifiers; a
# regression's test loss), and what is reported beside it, not decided on.
DECIDED_ON = {Family.CLASSIFIER: SELECT_ON, Family.REGRESSION: HEADLINE[Family.REGRESSION]}
BESIDE = {Family.CLASSIFIER: TEST_ACC}
# A comparison with fewer than two seeds that both sides completed cannot be judged: its point (or the
# baseline) diverged where the other did not. It gets no more seeds.
DIVERGED = "diverged"


@dataclass(frozen=True)
class Comparison:
    """A point against the baseline at the look it was last looked at (where it was decided, if it is)."""

    point: str
    state: str  # a sequential.State, or DIVERGED
    look: int
    seeds: tuple[int, ...]  # the seeds both sides completed, paired
    decision: sequential.Decision | None = None  # None: DIVERGED
    beside: stats.Paired | None = None  # the reported metric's paired difference at the same seeds

    @property
    def open(self) -> bool:
        return self.state == sequential.State.UNDECIDED


@dataclass(frozen=True)
class Plan:
    sweep: str
    look: int
    looks: tuple[int, ...]
    metric: str  # what the comparisons are decided on
    baseline: str | None  # the baseline point's path; None where the sweep has none (nothing to compare)
    comparisons: dict[str, Comparison] = field(default_factory=dict)  # by point path, in the sweep's order
    trained: dict[str, int] = field(default_factory=dict)  # point path → seeds of its runs read so far
    read: dict[str, float] = field(default_factory=dict)  # each run folder read so far → its training s
    # Point path → the run folders the next look reads (`looks.NEXT_READS`): the open comparisons' at its
    # seeds; none after the last look or when none is open.
    next_reads: dict[str, list[str]] = field(default_factory=dict)

    @property
    def last(self) -> bool:
        return self.look == len(self.looks) - 1

    @property
    def open(self) -> list[str]:
        return [path for path, c in self.comparisons.items() if c.open]


def finals(runs: list[Run], metric: str) -> dict[int, float]:
    """Seed → the metric's final value, for the runs that completed with it."""
    return {run.seed: value for run in runs if run.ok and (value := run.final(metric)) is not None}


def plan_look(
    sweep: Sweep, looks: tuple[int, ...], look: int, previous: Plan | None, runs: dict[str, list[Run]]
) -> Plan:
    """The plan after look `look`, from the previous look's plan and the runs the look reads
    (`looks.look_reads`, read and verified): the compared points judged at this look's share of α; the
    rest as they were."""
    family = KINDS[sweep.kind].family
    metric = DECIDED_ON[family]
    base = sweep.baseline.path if sweep.baseline else None
    comparisons = dict(previous.comparisons) if previous else {}
    trained = dict(previous.trained) if previous else {}
    read = dict(previous.read) if previous else {}
    for path, found in runs.items():
        trained[path] = len(found)
        read.update({run.folder.as_posix(): run.record.wall_time_s or 0.0 for run in found})
    if base is not None and base in runs:
        for path in (p for p in runs if p != base):
            comparisons[path] = judge(path, runs[base], runs[path], family, look, looks)
    order = [p.path for p in sweep.points if p.path in comparisons]
    still_open = [path for path in order if comparisons[path].open]
    last = look == len(looks) - 1
    return Plan(
        sweep.name,
        look,
        looks,
        metric,
        base,
        {path: comparisons[path] for path in order},
        trained,
        read,
        {} if last else reads(sweep, looks, look + 1, still_open),
    )


def judge(
    path: str, baseline: list[Run], runs: list[Run], family: Family, look: int, looks: tuple[int, ...]
) -> Comparison:
    """A point against the baseline at a look, over the seeds both completed: decided on the sweep's
    metric (`sequential.decide`), with the reported metric's paired difference beside it."""
    metric = DECIDED_ON[family]
    base, point = finals(baseline, metric), finals(runs, metric)
    seeds = tuple(sorted(point.keys() & base.keys()))
    if len(seeds) < 2:
        return Comparison(path, DIVERGED, look, seeds)
    differences = [point[s] - base[s] for s in seeds]
    margin = smallest_meaningful(metric, math.fsum(base[s] for s in seeds) / len(seeds))
    bounds = stats.difference_range(metric)
    decision = sequential.decide(
        differences, look, looks, margin, bounds, higher_is_better=stats.higher_is_better(metric)
    )
    beside = None
    if (other := BESIDE.get(family)) is not None:
        base_other, point_other = finals(baseline, other), finals(runs, other)
        pairs = [s for s in seeds if s in base_other and s in point_other]
        if pairs:
            reference = math.fsum(base_other[s] for s in pairs) / len(pairs)
            beside = stats.paired_versus(
                {s: base_other[s] for s in pairs},
                {s: point_other[s] for s in pairs},
                smallest_meaningful(other, reference),
                stats.difference_range(other),
            )
    return Comparison(path, str(decision.state), look, seeds, decision, beside)


# ---- The plan as a file ----


def to_json(plan: Plan) -> str:
    return json.dumps(dataclasses.asdict(plan), indent=1, sort_keys=True) + "\n"


def decision_of(fields: dict) -> sequential.Decision:
    return sequential.Decision(**{**fields, "state": sequential.State(fields["state"])})


def read_plan(path: Path | str) -> Plan:
    """A plan file, as `to_json` wrote it."""
    data = json.loads(Path(path).read_text())
    comparisons = {
        key: Comparison(
            value["point"],
            value["state"],
            value["look"],
            tuple(value["seeds"]),
            decision_of(value["decision"]) if value["decision"] else None,
            stats.Paired(**value["beside"]) if value["beside"] else None,
        )
        for key, value in data["comparisons"].items()
    }
    return Plan(
        data["sweep"],
        data["look"],
        tuple(data["looks"]),
        data["metric"],
        data["baseline"],
        comparisons,
        data["trained"],
        data[READ],
        data[NEXT_READS],
    )
