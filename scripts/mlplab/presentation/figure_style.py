"""The figures' look, shared by every figure of the report, the sweep pages and mlplab-compare: the
style sheet, the palette, one colour per catalogue entry and per split, panel grids, how series that
coincide stay visible, and how a figure is saved (byte-reproducible SVG for the pages, PNG for a quick
look)."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on a cluster node; must precede pyplot

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.lines import Line2D

from mlplab.workflow.catalogue import KINDS

STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "figure.constrained_layout.use": True,
    "font.size": 9.5,
    "axes.titlesize": 10.5,
    "axes.titleweight": "bold",
    "axes.labelsize": 9.5,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "legend.fontsize": 8.5,
    "lines.linewidth": 1.8,
    # Same salt, no date: the same data give byte-identical SVG, so Snakemake and git see no change.
    "svg.hashsalt": "mlp-lab",
    "svg.fonttype": "path",  # text as outlines: looks the same in every browser, needs no fonts
}
PALETTE = plt.get_cmap("tab10").colors
BAND_ALPHA = 0.2
CHARACTERS_PER_INCH = 11  # of a suptitle line at STYLE's font size: where a long title wraps
LEGEND_CHARACTERS_PER_INCH = 15  # of a legend label at STYLE's legend font size
PANEL_SIZE = (3.6, 2.8)  # inches per panel


@contextmanager
def style():
    with plt.rc_context(STYLE):
        yield


def save(fig, svg_path, png_path) -> None:
    fig.savefig(svg_path, format="svg", metadata={"Date": None})
    fig.savefig(png_path, format="png", metadata={"Software": None})
    plt.close(fig)


def panels(n: int, max_cols: int = 3, size=PANEL_SIZE):
    """A figure with n panels in rows of at most max_cols; unused panels are removed."""
    cols = max(1, min(n, max_cols))
    rows = max(1, math.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(size[0] * cols, size[1] * rows), squeeze=False)
    axes = axes.ravel()
    for ax in axes[n:]:
        ax.remove()
    return fig, list(axes[:n])


# ---- Colours ----

# A split's colour, in every figure that colours by split (the regressions' panels, the sweep figures).
SPLIT_COLOURS = {"train": PALETTE[0], "val": PALETTE[2], "test": PALETTE[1]}
# A kind's hue; its entries are shades of it. Declared by the kinds' order, so a catalogue edit moves none.
KIND_HUES = {kind: PALETTE[i % len(PALETTE)] for i, kind in enumerate(KINDS)}
OTHER_HUE = (0.5, 0.5, 0.5)  # a kind this catalogue no longer has (an old results folder in compare)
# The second, third, … entry of a kind: its hue mixed with black (> 0) or white (< 0) by this much.
SHADES = (0.0, 0.45, -0.45, 0.7, -0.7)


@dataclass(frozen=True)
class Shown:
    """An entry a figure colours: its name, kind, and whether it ranks after the kind's other entries
    (an ablation, which figures of the book's settings leave out, or a sweep point)."""

    name: str
    kind: str
    later: bool = False


def entry_colours(entries: Iterable[Shown]) -> dict[str, tuple]:
    """One colour per entry, the same in every figure that shows it (the report's, the exercises page's,
    mlplab-compare's): its kind's hue, shaded by its rank among the entries of that kind (book settings
    first, then by name). Every figure shows all the entries of a kind it shows, or all but the ablations,
    so an entry's rank, and colour, is the same in each."""
    by_kind: dict[str, list[Shown]] = {}
    for entry in entries:
        by_kind.setdefault(entry.kind, []).append(entry)
    colours = {}
    for kind, shown in by_kind.items():
        for rank, entry in enumerate(sorted(shown, key=lambda e: (e.later, e.name))):
            colours[entry.name] = shade(KIND_HUES.get(kind, OTHER_HUE), SHADES[rank % len(SHADES)])
    return colours


def shade(colour, amount: float) -> tuple:
    """The colour mixed with black (amount > 0) or white (amount < 0)."""
    rgb = np.array(to_rgb(colour))
    mixed = rgb * (1 - amount) if amount >= 0 else rgb + (1 - rgb) * -amount
    return tuple(float(c) for c in mixed)


# ---- Series drawn over one another ----

# The second, third, … of series that coincide: short dashes through whose gaps the one below shows,
# and hollow markers unlike any series' own (the sweep figures mark every point with a dot), drawn above.
OVER: tuple[dict[str, Any], ...] = (
    {"linestyle": (0, (2, 2)), "marker": "D"},
    {"linestyle": (0, (1, 3)), "marker": "s"},
    {"linestyle": (0, (5, 2, 1, 2)), "marker": "^"},
)
COINCIDE_WITHIN = 0.01  # of a panel's height (and width): lines this close at every point coincide
MARKERS_PER_LINE = 12


def series_key(line: Line2D) -> str:
    """What identifies a series across a figure's panels: its gid where set, else its label."""
    return line.get_gid() or str(line.get_label())


def coincide(ax, first: Line2D, second: Line2D) -> bool:
    """Whether two lines of a panel lie on one another at every point, as the panel shows them."""
    a, b = np.asarray(first.get_xydata()), np.asarray(second.get_xydata())
    if len(a) == 0 or a.shape != b.shape:
        return False
    to_axes = ax.transData + ax.transAxes.inverted()
    with np.errstate(invalid="ignore"):
        gap = np.abs(to_axes.transform(a) - to_axes.transform(b))
    return bool(np.isfinite(gap).all() and gap.max() < COINCIDE_WITHIN)


def in_data(ax, line: Line2D) -> bool:
    """Whether a line is drawn in data coordinates (not a reference line across the panel)."""
    return line.get_transform() is ax.transData


def reveal_coincident(axes: Sequence) -> list[str]:
    """Series that coincide stay visible: the later of each pair (in drawing order, in any panel) is
    drawn above the earlier one, dashed and with markers, in every panel of the figure, so that its legend
    entry matches. Call it once the panels' limits are final. Returns the keys of the series restyled."""
    over: dict[str, int] = {}
    for ax in axes:
        lines = [line for line in ax.get_lines() if len(line.get_xydata()) > 1 and in_data(ax, line)]
        for i, line in enumerate(lines):
            below = [earlier for earlier in lines[:i] if coincide(ax, earlier, line)]
            if below and series_key(line) not in over:
                over[series_key(line)] = min(len(below), len(OVER)) - 1
    for ax in axes:
        for line in ax.get_lines():
            if series_key(line) in over:
                k = over[series_key(line)]
                n = len(line.get_xydata())
                step = max(1, math.ceil(n / MARKERS_PER_LINE))
                line.set(**OVER[k], markersize=4, markerfacecolor="white", markevery=(k % step, step))
                line.set_zorder(line.get_zorder() + 1 + k)
    return list(over)


def wrap(text: str, width: float) -> str:
    """Text in lines of at most `width` characters, broken first where a clause ends ("; ")."""
    if len(text) <= width:
        return text
    clauses = text.split("; ")
    lines = [f"{c};" for c in clauses[:-1]] + clauses[-1:]
    return "\n".join(textwrap.fill(line, width=int(width), break_on_hyphens=False) for line in lines)


def legend_below(fig, axes, ncol: int | None = None) -> None:
    """One legend for the whole figure, under the panels, built from the first panel's entries; by default
    in as many columns (up to 3) as its longest label allows across the figure."""
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fit = int(fig.get_figwidth() * LEGEND_CHARACTERS_PER_INCH) // (max(map(len, labels)) + 6)
        fig.legend(handles, labels, loc="outside lower center", ncol=ncol or max(1, min(len(labels), 3, fit)))
