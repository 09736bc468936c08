"""The figures' look, shared by every figure of the report, the sweep pages and mlplab-compare: the
style sheet, the palette, panel grids and how a figure is saved (byte-reproducible SVG for the pages, PNG
for a quick look)."""

from __future__ import annotations

import math
import textwrap
from contextlib import contextmanager

import matplotlib

matplotlib.use("Agg")  # no display on a cluster node; must precede pyplot

import matplotlib.pyplot as plt

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


def colours(names) -> dict[str, tuple]:
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def wrap(text: str, width: float) -> str:
    """Text in lines of at most `width` characters, broken first where a clause ends ("; ")."""
    if len(text) <= width:
        return text
    clauses = text.split("; ")
    lines = [f"{c};" for c in clauses[:-1]] + clauses[-1:]
    return "\n".join(textwrap.fill(line, width=int(width), break_on_hyphens=False) for line in lines)


def legend_below(fig, axes, ncol: int | None = None) -> None:
    """One legend for the whole figure, under the panels, built from the first panel's entries."""
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncol=ncol or min(len(labels), 3))
