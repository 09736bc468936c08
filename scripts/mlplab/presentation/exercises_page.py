"""results/exercises.html: a section per sweep (the book's exercises) with its figure, its table of points
(means with 95 % confidence intervals, paired differences to the baseline, seeds that diverged or ended
at chance), the point selected on validation data with its test accuracy (or why none could be), and what
the curves show, as measured."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from mlplab.chapter.metrics import TEST_ACC, TEST_LOSS, TRAIN_LOSS, VAL_ACC, W_NORM
from mlplab.presentation import stats
from mlplab.presentation.at_chance import chance_text, entry_expects_chance
from mlplab.presentation.formatting import CLIPPED, NO_VALUE, estimate, finite, number, signed_interval
from mlplab.presentation.page_environment import environment
from mlplab.presentation.summaries import clipped, clipped_caption
from mlplab.presentation.svg import inline_svg
from mlplab.presentation.sweep_tables import COMPARED_ON
from mlplab.presentation.topics import BAND_TEXT, METRIC_LABELS
from mlplab.workflow.catalogue import CHANCE_ACCURACY, CHANCE_WITHIN, KINDS, SELECT_ON
from mlplab.workflow.sweeps import Sweep


def estimate_text(row, metric: str) -> str:
    """A point's metric as the report writes an estimate: '0.842 [0.826, 0.858], n = 3'."""
    mean, low, high = (row.get(f"{metric}_{s}") for s in ("mean", "ci_low", "ci_high"))
    return estimate(mean, low, high, row["n_completed"], clipped=clipped(row, metric))


def difference_text(row, metric: str) -> str:
    """'+0.0123 [+0.0041, +0.0205]: excludes 0, beyond the 0.005 that matters', as `stats.Paired` writes
    it, with the verdict the summary recorded."""
    mean, low, high = (row.get(f"{metric}_diff_{s}") for s in ("mean", "ci_low", "ci_high"))
    if not finite(mean):
        return NO_VALUE
    mark = CLIPPED if clipped(row, f"{metric}_diff") else ""
    return f"{signed_interval(mean, low, high)}{mark}: {row[f'{metric}_diff_verdict']}"


def metrics_of(sweep: Sweep, summary: pd.DataFrame) -> list[str]:
    """The metrics the sweep's points recorded, in reading order."""
    kind = KINDS[sweep.kind]
    return [m for m in kind.every_metric if f"{m}_mean" in summary]


def point_mark(sweep: Sweep, row: dict) -> tuple[str, str]:
    """(row class, words) for a point with seeds that diverged or ended at chance: 'diverged', 'chance',
    or 'expected' where the point's own departures from the book make chance its expected result."""
    n_chance = int(row.get("n_chance", 0) or 0)
    expected = bool(n_chance) and entry_expects_chance(sweep.point(row["point"]).entry)
    words = chance_text(n_chance, int(row["n_seeds"]), expected)
    if row["n_diverged"]:
        return "diverged", words
    return ("expected" if expected else "chance") if n_chance else "", words


def table(sweep: Sweep, summary: pd.DataFrame) -> dict:
    metrics = metrics_of(sweep, summary)
    headline = [m for m in COMPARED_ON[sweep.family] if f"{m}_diff_mean" in summary]
    closed = [c for c in summary if c.startswith("closed_form_")]
    rows = []
    for row in summary.to_dict("records"):
        mark, chance = point_mark(sweep, row)
        rows.append(
            {
                "label": row["label"],
                "baseline": bool(row["baseline"]),
                "selected": bool(row["selected"]),
                "seeds": int(row["n_completed"]),
                "diverged": int(row["n_diverged"]),
                "mark": mark,
                "chance": chance,
                "metrics": [estimate_text(row, m) for m in metrics],
                "differences": [
                    "(the baseline)" if row["baseline"] else difference_text(row, m) for m in headline
                ],
                "closed": [number(row[c]) for c in closed],
            }
        )
    records = summary.to_dict("records")
    return {
        "metrics": [METRIC_LABELS.get(m, m) for m in metrics],
        "differences": [f"{METRIC_LABELS.get(m, m)} − baseline" for m in headline],
        "closed": [c.replace("closed_form_", "least squares ").replace("_", " ") for c in closed],
        "rows": rows,
        "clipped": clipped_caption([m for m in metrics if any(clipped(r, m) for r in records)]),
    }


def nothing_selected(summary: pd.DataFrame) -> str:
    """Why a classifier sweep selected no point: how many diverged in every seed and how many had a seed
    at chance (neither can be selected)."""
    diverged = int((summary["n_completed"] == 0).sum())
    chance = int(((summary["n_completed"] > 0) & (summary["n_chance"] > 0)).sum())
    parts = [f"{diverged} of {len(summary)} points diverged in every seed"] if diverged else []
    parts += [f"{chance} of {len(summary)} points ended at chance in some seed"] if chance else []
    return "; ".join(parts) or "no point has a validation accuracy"


def selection(sweep: Sweep, summary: pd.DataFrame) -> dict | None:
    """The selected point, its validation and test accuracy, and its paired difference to the baseline;
    for a classifier sweep that could select none, why."""
    chosen = summary[summary["selected"].astype(bool)]
    if not sweep.selects:
        return None
    if chosen.empty:
        return {"nothing": nothing_selected(summary)}
    row = chosen.iloc[0].to_dict()
    baseline = summary[summary["baseline"].astype(bool)]
    return {
        "nothing": None,
        "label": row["label"],
        "val": estimate_text(row, SELECT_ON),
        "test": estimate_text(row, TEST_ACC),
        "baseline": baseline.iloc[0]["label"] if len(baseline) else None,
        "is_baseline": bool(row["baseline"]),
        "test_difference": difference_text(row, TEST_ACC),
        "val_difference": difference_text(row, VAL_ACC),
    }


def extreme(summary: pd.DataFrame, column: str, lowest: bool = True) -> str:
    values = pd.to_numeric(summary[column], errors="coerce")
    if values.notna().sum() == 0:
        return NO_VALUE
    i = values.idxmin() if lowest else values.idxmax()
    at_chance = " at chance" if summary.get("n_chance", pd.Series(0, index=summary.index))[i] else ""
    return f"{summary.loc[i, 'label']} ({number(values[i])}{at_chance})"


def measured(sweep: Sweep, summary: pd.DataFrame) -> list[str]:
    """What the sweep's numbers show, read off the summary (never written in advance)."""
    facts = []
    first, last = summary.iloc[0], summary.iloc[-1]
    for metric in (TRAIN_LOSS, TEST_LOSS, VAL_ACC, TEST_ACC, W_NORM):
        column = f"{metric}_mean"
        if column not in summary:
            continue
        higher_is_better = stats.higher_is_better(metric)
        if pd.to_numeric(summary[column], errors="coerce").isna().all():
            facts.append(f"{METRIC_LABELS[metric]}: no value, no point completed a run")
            continue
        best = extreme(summary, column, lowest=not higher_is_better)
        facts.append(
            f"{METRIC_LABELS[metric]}: {number(first[column])} at {first['label']}, "
            f"{number(last[column])} at {last['label']}; "
            f"{'highest' if higher_is_better else 'lowest'} at {best}"
        )
    for split in ("train", "test"):
        column = f"closed_form_{split}_loss"
        if column in summary:
            facts.append(
                f"least-squares {split} loss: {number(first[column])} at {first['label']}, "
                f"{number(last[column])} at {last['label']}; lowest at {extreme(summary, column)}"
            )
    return facts


def section(sweep: Sweep, summary: pd.DataFrame, figure: Path) -> dict:
    return {
        "sweep": sweep,
        "figure": Markup(inline_svg(figure.read_text())),
        "table": table(sweep, summary),
        "selection": selection(sweep, summary),
        "measured": measured(sweep, summary),
        "band": BAND_TEXT[sweep.family],
        "chance_level": f"{CHANCE_ACCURACY:g} ± {CHANCE_WITHIN:g}" if sweep.selects else None,
        "baseline": sweep.baseline.label if sweep.baseline else None,
        "reused": [p for p in sweep.points if not p.own],
    }


def render_exercises(
    sweeps: list[Sweep],
    summaries: dict[str, pd.DataFrame],
    figures: dict[str, Path],
    orphaned: Sequence[str] = (),
) -> str:
    """The page; `orphaned` lists run folders under results/sweeps that no current point reads."""
    sections = [section(s, summaries[s.name], figures[s.name]) for s in sweeps]
    return environment().get_template("exercises.html.j2").render(sections=sections, orphaned=list(orphaned))
