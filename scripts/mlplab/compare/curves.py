"""The comparison page's learning curves: per group of entries one figure, a panel per metric, the mean over
seeds per epoch, A solid and B dashed; drawn in the report's figure style
(`mlplab.presentation.figure_style`): each entry in the colour the report gives it, and a curve that lies on
another (B identical to A, or two entries that train alike) dashed finer, with hollow markers, above it."""

from __future__ import annotations

import io
import math
from collections import defaultdict

from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from mlplab.compare.reading import EPOCH, Run
from mlplab.compare.verdicts import Entry
from mlplab.presentation.figure_style import OVER, Shown, entry_colours, panels, plt, reveal_coincident, style
from mlplab.presentation.svg import inline_svg
from mlplab.workflow.catalogue import parse_entry

SIDES = (("A", "-"), ("B", "--"))  # each side's line style
LOG_WHEN_SPANNING = 50  # a panel whose positive values span more than this factor gets a log axis


def mean_curve(runs: list[Run], metric: str) -> tuple[list[float], list[float]]:
    """Epochs and the mean over seeds of a metric, leaving out missing and non-finite values."""
    by_epoch: dict[float, list[float]] = defaultdict(list)
    for run in runs:
        for row in run.rows:
            value, epoch = row.get(metric), row[EPOCH]
            if value is not None and math.isfinite(value) and epoch is not None:
                by_epoch[epoch].append(value)
    epochs = sorted(by_epoch)
    return epochs, [sum(by_epoch[e]) / len(by_epoch[e]) for e in epochs]


def curves_svg(entries: list[Entry], salt: str) -> str:
    """The entries' learning curves as an SVG element to inline; `salt` keeps its ids apart from other
    figures' on the page (and fixed, so the same data give the same bytes)."""
    buffer = io.StringIO()
    with style(), plt.rc_context({"svg.hashsalt": salt}):
        fig = curves_figure(entries)
        # SVG only, into memory: figure_style.save writes files, and a PNG too, which the page has no use for.
        fig.savefig(buffer, format="svg", metadata={"Date": None})
        plt.close(fig)
    return inline_svg(buffer.getvalue())


def ablation(config: dict) -> bool:
    """Whether a run's entry departs from the book on purpose; a record too old or partial to parse as
    today's entry counts as following it."""
    try:
        return bool(parse_entry(config).departures())
    except (KeyError, TypeError):
        return False


def colours(entries: list[Entry]) -> dict[str, tuple]:
    """Each entry's colour, as the report's figures give it: a sweep point ranks after the catalogue's
    entries of its kind, whose folder is runs/<label>."""
    return entry_colours(
        Shown(
            e.label,
            e.kind,
            later=e.entry == e.label or any(ablation(r.record.config) for r in e.runs_a + e.runs_b),
        )
        for e in entries
    )


def curves_figure(entries: list[Entry]):
    metrics = list(dict.fromkeys(c for e in entries for r in e.runs_a + e.runs_b for c in r.columns))
    colour = colours(entries)
    fig, axes = panels(len(metrics), max_cols=4)
    for ax, metric in zip(axes, metrics, strict=True):
        values: list[float] = []
        for entry in entries:
            for runs, (side, dash) in zip((entry.runs_a, entry.runs_b), SIDES, strict=True):
                x, y = mean_curve(runs, metric)
                if x:
                    ax.plot(x, y, dash, color=colour[entry.label], gid=f"{entry.label} {side}")
                    values += y
        positive = [v for v in values if v > 0]
        if positive and len(positive) == len(values) and max(positive) / min(positive) > LOG_WHEN_SPANNING:
            ax.set_yscale("log")
        ax.set(title=metric, xlabel=EPOCH)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    over = reveal_coincident(axes)
    handles = [Line2D([], [], color=colour[e.label], label=e.label) for e in entries]
    handles += [Line2D([], [], color="k", linestyle=dash, label=side) for side, dash in SIDES]
    if over:
        handles.append(
            Line2D(
                [], [], color="k", markerfacecolor="white", label="drawn over an identical curve", **OVER[0]
            )
        )
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 5))
    return fig
