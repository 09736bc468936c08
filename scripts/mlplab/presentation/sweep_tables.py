"""A sweep's summary: one row per point, each final metric as its mean over the seeds that completed with
a 95 % confidence interval (Student t, clipped to what the metric can be), the seeds that diverged or ended
at chance, the point selected on validation accuracy (classifier sweeps only), and paired differences to
the sweep's baseline point on its headline metrics.

Points share seeds, and a seed fixes the batch order, the initial weights and (for classifiers) the
validation split, so a difference between two points is taken seed by seed (paired): the seed-to-seed
noise that both points share cancels.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from mlplab.presentation import stats
from mlplab.presentation.margins import smallest_meaningful
from mlplab.presentation.tables import CHANCE, CLIPPED, cell, estimate
from mlplab.workflow.catalogue import HEADLINE, KINDS, SELECT_ON, Family, parse_entry
from mlplab.workflow.run_reading import read_run
from mlplab.workflow.sweeps import Sweep

# The metrics each point is compared with the baseline on.
COMPARED_ON = {
    Family.CLASSIFIER: (SELECT_ON, HEADLINE[Family.CLASSIFIER]),
    Family.REGRESSION: (HEADLINE[Family.REGRESSION],),
}


@dataclass
class PointRuns:
    """A point's runs: the final metrics of those that completed, by seed; how many diverged; why those
    at chance are (`run_reading.Run.chance`), by seed; the initial losses, by seed."""

    finals: dict[int, dict] = field(default_factory=dict)
    diverged: int = 0
    chance: dict[int, str] = field(default_factory=dict)
    initial: dict[int, float] = field(default_factory=dict)


def point_finals(folders: list[str]) -> PointRuns:
    runs = PointRuns()
    for folder in folders:
        run = read_run(folder)
        if not run.ok or not run.rows:
            runs.diverged += 1
            continue
        runs.finals[run.seed] = run.final_metrics
        if reason := run.chance:
            runs.chance[run.seed] = reason
        if run.record.initial_loss is not None:
            runs.initial[run.seed] = run.record.initial_loss
    return runs


def estimate_columns(metric: str, values: list[float]) -> dict:
    """`<metric>_mean`, `_ci_low`, `_ci_high`, the interval clipped to what the metric can be, and
    `_ci_clipped` (the summary's sd is left out: the interval says more)."""
    found = estimate(pd.Series(values, dtype=float), metric)
    return {f"{metric}_{stat}": found[stat] for stat in ("mean", "ci_low", "ci_high", CLIPPED)}


def paired_columns(metric: str, baseline: dict[int, dict], finals: dict[int, dict]) -> dict:
    """`<metric>_diff_mean/_ci_low/_ci_high/_n`: this point minus the baseline, seed by seed over the seeds
    both completed (no interval with one pair), the interval clipped to what a difference can be
    (`stats.difference_range`, `_diff_ci_clipped` says where), and `<metric>_diff_verdict`: whether the
    interval excludes 0 and whether the difference reaches the smallest one that matters."""
    nan = float("nan")
    base = {seed: f[metric] for seed, f in baseline.items()}
    margin = smallest_meaningful(metric, sum(base.values()) / len(base)) if base else nan
    others = {seed: f[metric] for seed, f in finals.items()}
    paired = stats.paired_versus(base, others, margin, stats.difference_range(metric))
    if paired is None:
        return no_difference(metric, "no seed in common")
    return {
        f"{metric}_diff_mean": paired.difference,
        f"{metric}_diff_ci_low": nan if paired.low is None else paired.low,
        f"{metric}_diff_ci_high": nan if paired.high is None else paired.high,
        f"{metric}_diff_ci_clipped": paired.clipped,
        f"{metric}_diff_n": paired.n,
        f"{metric}_diff_verdict": paired.verdict,
    }


def no_difference(metric: str, why: str) -> dict:
    """The difference columns of a point that is not compared: the baseline itself, or no seed in common."""
    nan = float("nan")
    return {
        f"{metric}_diff_mean": nan,
        f"{metric}_diff_ci_low": nan,
        f"{metric}_diff_ci_high": nan,
        f"{metric}_diff_ci_clipped": False,
        f"{metric}_diff_n": 0,
        f"{metric}_diff_verdict": why,
    }


BASELINE = "the baseline"  # the verdict of the baseline's own row: it is not compared with itself


def sweep_summary(
    sweep: Sweep, folders: dict[str, list], closed_form: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The summary table of a sweep, whose points' run folders are `folders` (by point path);
    `closed_form` adds the exact fits' losses as `closed_form_<metric>` columns."""
    kind = KINDS[sweep.kind]
    runs = {p.path: point_finals(folders[p.path]) for p in sweep.points}
    baseline_path = sweep.baseline.path if sweep.baseline else None
    baseline = runs[baseline_path].finals if baseline_path else {}
    headline = COMPARED_ON[kind.family]
    rows = []
    for point in sweep.points:
        point_runs = runs[point.path]
        finals = point_runs.finals
        metrics = kind.metrics_of(parse_entry(point.entry))
        row: dict[str, object] = {"point": point.path, "label": point.label}
        row.update({key: cell(value) for key, value in point.values.items()})
        row.update(
            {
                "n_seeds": len(folders[point.path]),
                "n_completed": len(finals),
                "n_diverged": point_runs.diverged,
                "n_chance": len(point_runs.chance),
                CHANCE: "; ".join(f"seed {seed}: {why}" for seed, why in sorted(point_runs.chance.items())),
                "baseline": point.path == baseline_path,
            }
        )
        for metric in metrics:
            row.update(estimate_columns(metric, [f[metric] for f in finals.values()]))
        row.update(estimate_columns(stats.INITIAL_LOSS, list(point_runs.initial.values())))
        if baseline_path:
            for metric in headline:
                if point.path == baseline_path:
                    row.update(no_difference(metric, BASELINE))
                else:
                    row.update(paired_columns(metric, baseline, finals))
        rows.append(row)
    summary = pd.DataFrame(rows)
    summary["selected"] = selected(summary) if sweep.selects else pd.Series(False, index=summary.index)
    if closed_form is not None:
        fits = closed_form.rename(columns={c: f"closed_form_{c}" for c in closed_form if c != "point"})
        summary = summary.merge(fits, on="point", how="left")
    return summary


def selectable(summary: pd.DataFrame) -> pd.Series:
    """The points a classifier sweep may select: at least one seed completed, and none ended at chance (a
    setting that learns nothing in some seed is not one to recommend, whatever its mean)."""
    return (summary["n_completed"] > 0) & (summary["n_chance"] == 0) & summary[f"{SELECT_ON}_mean"].notna()


def selected(summary: pd.DataFrame) -> pd.Series:
    """True at the selectable point with the highest mean validation accuracy (the first of equals);
    nowhere if no point is selectable (every point diverged or ended at chance): False, never empty."""
    choice = pd.Series(False, index=summary.index)
    scores = summary[f"{SELECT_ON}_mean"].where(selectable(summary))
    if scores.notna().any():
        choice[scores.idxmax()] = True
    return choice
