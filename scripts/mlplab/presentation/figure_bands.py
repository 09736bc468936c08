"""How the report's figures draw an experiment over seeds: its mean per epoch as a line, the 95 %
confidence interval of that mean as a band (Student t, `stats.mean_ci`; none for a single seed), and a
title that says what the band is. A band is clipped to what its metric can be (`stats.metric_range`: no
accuracy below 0 or above 1, no loss below 0), and the title says where that happened, so a reader never
takes the drawn edge for the interval's own."""

from __future__ import annotations

import pandas as pd

from mlplab.presentation import stats
from mlplab.presentation.figure_style import BAND_ALPHA, CHARACTERS_PER_INCH, wrap
from mlplab.presentation.topics import BAND_TEXT
from mlplab.workflow.catalogue import KINDS

LINE_AND_BAND = "line: mean over completed seeds; band"


def band_text(runs: pd.DataFrame) -> str:
    """What the bands of a figure of these runs are (for each family among them: a regression's seeds
    train on fixed data)."""
    families = dict.fromkeys(KINDS[kind].family for kind in runs["kind"])
    return "; ".join(BAND_TEXT[family] for family in families)


def band_title(fig, title: str, runs: pd.DataFrame, what: str = LINE_AND_BAND, clipped=()) -> None:
    """The figure's title, then what its lines and bands are (and which were clipped to their metric's
    range: `clipped` names those metrics), wrapped to the figure's width."""
    note = stats.clipped_note(clipped)
    explained = f"{what}: {band_text(runs)}" + (f"; {note}" if note else "")
    fig.suptitle(f"{title}\n{wrap(explained, fig.get_figwidth() * CHARACTERS_PER_INCH)}")


def seed_interval(epochs: pd.DataFrame, metric: str) -> pd.DataFrame:
    """At each epoch, the mean of a metric over the completed seeds, its 95 % interval (`low`, `high`; NaN
    for a single seed) clipped to the metric's range (`clipped`), and n."""
    rows = []
    for epoch, values in epochs.groupby("epoch")[metric]:
        values = values.dropna()
        if len(values):
            e = stats.mean_ci(values.to_numpy()).within(metric)
            rows.append((epoch, e.mean, e.low, e.high, e.n, e.clipped))
    table = pd.DataFrame(rows, columns=["epoch", "mean", "low", "high", "n", "clipped"])
    return table.astype({"low": float, "high": float, "clipped": bool})  # None (one seed) → NaN


def draw_band(ax, epochs: pd.DataFrame, metric: str, colour, label: str, linestyle="-") -> bool:
    """Mean line and its 95 % interval as a band, where at least two seeds give one; an experiment with
    nothing to draw (every seed diverged) still gets its legend entry, whose label says why. Returns
    whether the band was clipped anywhere, for the figure's title."""
    band = seed_interval(epochs, metric)
    if band.empty:
        ax.plot([], [], color=colour, label=label, linestyle=":")
        return False
    ax.plot(band["epoch"], band["mean"], color=colour, label=label, linestyle=linestyle)
    band = band.dropna(subset=["low", "high"])
    if len(band):
        ax.fill_between(band["epoch"], band["low"], band["high"], color=colour, alpha=BAND_ALPHA, linewidth=0)
    return bool(band["clipped"].any())
