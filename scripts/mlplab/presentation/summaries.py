"""How the report writes results over seeds: a mean with its 95 % interval and n, and an entry's paired
difference from its topic's baseline with the verdict against the smallest difference that matters.

The statistics are `stats`'; the margins are `margins`'; what a band is and each topic's baseline are
declared in `topics`. Runs of one seed share the streams of their initial weights and minibatch order,
which is why entries are compared seed by seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlplab.presentation import stats
from mlplab.presentation.formatting import CLIPPED as CLIPPED_MARK
from mlplab.presentation.formatting import NO_VALUE, estimate
from mlplab.presentation.margins import ACCURACY_MARGIN, RELATIVE_MARGIN, smallest_meaningful
from mlplab.presentation.tables import CLIPPED
from mlplab.presentation.topics import (
    BAND_TEXT,
    METRIC_LABELS,
    Baseline,
)
from mlplab.workflow.catalogue import Family


def flag(value) -> bool:
    """A True/False cell of a table read back from CSV: NaN (no value) or a missing column is False."""
    return isinstance(value, bool | np.bool_) and bool(value)


def clipped(row, metric: str) -> bool:
    """Whether a summary row's interval of `metric` was clipped to what the metric can be; a row is an
    itertuples row or a dict."""
    name = f"{metric}_{CLIPPED}"
    return flag(row.get(name) if isinstance(row, dict) else getattr(row, name, False))


def summary_text(row, metric: str, digits: int = 3) -> str:
    """A metric of a summary-table row (an itertuples row) as `formatting.estimate`, marked where its
    interval was clipped."""
    mean, low, high = (getattr(row, f"{metric}_{stat}") for stat in ("mean", "ci_low", "ci_high"))
    return estimate(mean, low, high, row.n_completed, digits, clipped=clipped(row, metric))


def clipped_caption(metrics) -> str:
    """What a table's caption adds where some of its intervals were clipped: '† interval clipped to
    [0, 1]: a t-interval over few seeds can reach past what the metric can be'; '' where none was."""
    note = stats.clipped_note(metrics)
    return f"{CLIPPED_MARK} {note}: {stats.CLIP_REASON}" if note else ""


def completed_finals(runs: pd.DataFrame, metric: str) -> dict[str, dict[int, float]]:
    """Each experiment's final `metric` by seed, over the runs that completed with a value."""
    if metric not in runs:
        return {}
    ok = runs[(runs["status"] == "ok") & runs[metric].notna()]
    by_experiment = ok.groupby("experiment", sort=False)
    return {name: dict(zip(g["seed"], g[metric], strict=True)) for name, g in by_experiment}


def paired_differences(
    baseline: Baseline, catalogue: dict, experiments: list[str], runs: pd.DataFrame
) -> dict:
    """Each entry against its baseline on the topic's headline metric, seed by seed
    (`stats.paired_versus`), with the smallest difference that matters taken from the baseline's mean
    over its completed seeds."""
    finals = completed_finals(runs, baseline.metric)
    rows = []
    for base, other in baseline.pairs(catalogue, experiments):
        ours, theirs = finals.get(other, {}), finals.get(base, {})
        # No completed baseline seed: nothing is paired, so the margin is never read.
        margin = smallest_meaningful(baseline.metric, float(np.mean([*theirs.values()]))) if theirs else 0.0
        paired = stats.paired_versus(theirs, ours, margin, stats.difference_range(baseline.metric))
        rows.append(
            {
                "experiment": other,
                "baseline": base,
                "difference": paired.interval() if paired else NO_VALUE,
                "n": paired.n if paired else 0,
                "verdict": paired.verdict if paired else "no completed seed in common",
                "meaningful": bool(paired and paired.meaningful),
                "text": paired.text() if paired else "no completed seed in common",
            }
        )
    return {"metric": METRIC_LABELS.get(baseline.metric, baseline.metric), "rows": rows}


def statistics_facts() -> dict:
    """What the report's opening says about bands, intervals and differences, from their declarations."""
    return {
        "band": BAND_TEXT,
        Family.CLASSIFIER: Family.CLASSIFIER,
        Family.REGRESSION: Family.REGRESSION,
        "accuracy_margin": ACCURACY_MARGIN.value,
        "loss_margin": RELATIVE_MARGIN.value,
    }
