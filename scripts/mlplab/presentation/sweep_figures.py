"""A sweep's figure, from its summary: each final metric against the swept value, with its 95 %
confidence interval over seeds (clipped to what the metric can be, and said so), the selected point
marked; a grid over two keys as an annotated heatmap. A point whose seeds diverged or ended at chance gets a
marker and a label of its own: a point with no value is never just a gap in a curve.

A single numeric key is a numeric axis, logarithmic for a geometric grid (values that grow by a factor
rather than a step, such as 0.01, 0.03, 0.1, …; symmetric-log when 0 is among them, as for λ = 0);
anything else (zipped points, lists such as dropout pairs, names) is one tick per point.
Each panel's value axis fits what it shows (the means and their intervals): the chance line is drawn where
it falls within, never stretching an accuracy axis down to 0.1.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from mlplab.chapter.metrics import TEST_LOSS, TRAIN_LOSS, VAL_LOSS, W_NORM
from mlplab.presentation import stats
from mlplab.presentation.figure_style import (
    BAND_ALPHA,
    PALETTE,
    SPLIT_COLOURS,
    panels,
    plt,
    reveal_coincident,
    save,
    style,
)
from mlplab.presentation.formatting import number
from mlplab.presentation.tables import CLIPPED
from mlplab.presentation.topics import BAND_TEXT, METRIC_LABELS
from mlplab.workflow.catalogue import CHANCE_ACCURACY, CHANCE_WITHIN, CLASSES, HEADLINE, SELECT_ON, Family
from mlplab.workflow.sweeps import Sweep

# The three splits in reading order: colour, line style, and their offset on a categorical axis (so that
# error bars at one point do not hide each other).
SERIES = {
    "train": (SPLIT_COLOURS["train"], "-", -0.15),
    "val": (SPLIT_COLOURS["val"], "--", 0.0),
    "test": (SPLIT_COLOURS["test"], "-", 0.15),
}
SPLIT_NAMES = {"train": "train", "val": "validation", "test": "test"}
SELECTED = "#b00"
DIVERGED = ("X", "#b00")  # marker and colour of a point with diverged seeds, at the foot of each panel
CHANCE = ("D", "#d97a00")  # of a point with seeds at chance, at the top of each panel
DIVERGED_LABEL = "diverged (no value where every seed did)"
CHANCE_LABEL = f"at chance (test accuracy within {CHANCE_WITHIN:g} of 1/{CLASSES})"
TITLE_WIDTH = 110  # characters per line of the title


def numeric_axis(sweep: Sweep, summary: pd.DataFrame) -> np.ndarray | None:
    """The swept values as numbers, if the sweep has one key whose values are all numbers."""
    if len(sweep.keys) != 1:
        return None
    values = pd.to_numeric(summary[sweep.keys[0]], errors="coerce")
    return None if values.isna().any() else values.to_numpy(dtype=float)


def geometric(x: np.ndarray) -> bool:
    """Whether the positive values grow by a factor rather than a step (their ratios vary less than
    their differences, relative to their means), over at least a decade."""
    positive = np.sort(x[x > 0])
    if len(positive) < 2 or positive[-1] / positive[0] < 10:
        return False
    if len(positive) == 2:
        return True
    steps, ratios = np.diff(positive), positive[1:] / positive[:-1]
    return np.std(np.log(ratios)) / np.mean(np.log(ratios)) < np.std(steps) / np.mean(steps)


def scale_axis(ax, x: np.ndarray) -> str:
    if not geometric(x):
        return ""
    if (x <= 0).any():
        ax.set_xscale("symlog", linthresh=x[x > 0].min())
        ax.set_xlim(x.min(), x.max() * 1.5)  # no empty negative half: λ, widths and rates are ≥ 0
        return " (symmetric log scale)"
    ax.set_xscale("log")
    return " (log scale)"


def draw_series(ax, x, summary: pd.DataFrame, metric: str, label: str, style_, numeric: bool) -> None:
    """Mean and its 95 % CI: a band on a numeric axis, error bars on a categorical one."""
    if f"{metric}_mean" not in summary:
        return
    colour, linestyle, offset = style_
    mean, low, high = (summary[f"{metric}_{s}"].to_numpy(dtype=float) for s in ("mean", "ci_low", "ci_high"))
    if numeric:
        # Through the points with a value: a point every seed of which diverged is marked by
        # `mark_points`, not left as a break in the curve.
        shown = np.isfinite(mean)
        ax.plot(
            x[shown], mean[shown], marker="o", markersize=3.5, color=colour, linestyle=linestyle, label=label
        )
        ax.fill_between(x, low, high, color=colour, alpha=BAND_ALPHA, linewidth=0)
    else:
        yerr = np.nan_to_num(np.vstack([mean - low, high - mean]))
        ax.errorbar(x + offset, mean, yerr=yerr, fmt="o", capsize=3, color=colour, label=label)


def mark_selected(ax, x, summary: pd.DataFrame) -> None:
    for i in summary.index[summary["selected"].astype(bool)]:
        ax.axvline(x[i], color=SELECTED, linestyle=":", linewidth=1.2, label="selected on validation")


def point_status(row) -> tuple[str, str]:
    """(diverged, at chance) of a summary row as short labels ('diverged', '1/3 diverged', '2/3 at
    chance'); '' where none."""
    n, diverged, chance = int(row["n_seeds"]), int(row["n_diverged"]), int(row.get("n_chance", 0) or 0)
    diverged_text = "" if not diverged else "diverged" if diverged == n else f"{diverged}/{n} diverged"
    return diverged_text, "" if not chance else f"{chance}/{n} at chance"


def mark_points(ax, x, summary: pd.DataFrame) -> None:
    """A marker and a label at every point with seeds that diverged (at the panel's foot) or ended at
    chance (at its top), in data coordinates along x and the panel's own along y."""
    place = ax.get_xaxis_transform()
    for i, row in enumerate(summary.to_dict("records")):
        # Diverged at the foot, its label reading upwards; at chance at the top, its label downwards.
        for text, (marker, colour), y, label, kind, up in zip(
            point_status(row),
            (DIVERGED, CHANCE),
            (0.04, 0.96),
            (DIVERGED_LABEL, CHANCE_LABEL),
            ("diverged", "chance"),
            (True, False),
            strict=True,
        ):
            if not text:
                continue
            (dot,) = ax.plot([x[i]], [y], marker, color=colour, markersize=7, transform=place, label=label,
                             clip_on=False, zorder=5)  # fmt: skip
            dot.set_gid(f"{kind}-point-{i}")
            away = {
                "xytext": (0, 7 if up else -7),
                "textcoords": "offset points",
                "va": "bottom" if up else "top",
            }
            ax.annotate(text, (x[i], y), xycoords=place, color=colour, fontsize=7.5, ha="center", rotation=90,
                        **away)  # fmt: skip


def clipped_metrics(summary: pd.DataFrame) -> list[str]:
    """The metrics whose interval the summary clipped at some point."""
    suffix = f"_{CLIPPED}"
    return [
        c.removesuffix(suffix)
        for c in summary
        if c.endswith(suffix) and summary[c].fillna(False).astype(bool).any()
    ]


def log_if_wide(ax, summary: pd.DataFrame, metrics) -> None:
    values = pd.concat([summary[f"{m}_mean"] for m in metrics if f"{m}_mean" in summary]).dropna()
    values = values[values > 0]
    if len(values) and values.max() / values.min() > 10:
        ax.set_yscale("log")


def point_ticks(summary: pd.DataFrame) -> list[str]:
    """A categorical tick per point: its values one per line ('init = normal' over 'init_std = 1')."""
    return [label.replace(", ", "\n") for label in summary["label"]]


def curves(sweep: Sweep, summary: pd.DataFrame):
    """Loss (and accuracy, or ‖w‖) panels against the swept value."""
    x = numeric_axis(sweep, summary)
    numeric = x is not None
    if not numeric:
        x = np.arange(len(summary), dtype=float)
    classifier = sweep.family == Family.CLASSIFIER
    second = "acc" if classifier else (W_NORM if "w_norm_mean" in summary else None)
    fig, axes = panels(2 if second else 1, max_cols=2, size=(5.2, 3.6) if second else (8.0, 3.8))
    loss = axes[0]
    exact = "closed_form_train_loss" in summary
    for split, style_ in SERIES.items():
        draw_series(
            loss,
            x,
            summary,
            f"{split}_loss",
            SPLIT_NAMES[split] + (" (SGD)" if exact else ""),
            style_,
            numeric,
        )
    for split in ("train", "test"):  # exact fits: one number per point, no seeds, no band
        column = f"closed_form_{split}_loss"
        if column in summary:
            loss.plot(x, summary[column], linestyle=":", marker="s", markersize=3, color=SERIES[split][0],
                      label=f"{split} (least squares, exact)")  # fmt: skip
    if classifier:
        draw_series(loss, x, summary, "initial_loss", "before training", ("0.5", ":", -0.3), numeric)
    log_if_wide(loss, summary, [TRAIN_LOSS, TEST_LOSS, VAL_LOSS, "initial_loss"])
    loss.set(title="final loss", ylabel="cross-entropy (nats)" if classifier else "mean squared error")
    if second == "acc":
        for split, style_ in SERIES.items():
            draw_series(axes[1], x, summary, f"{split}_acc", SPLIT_NAMES[split], style_, numeric)
        low, high = axes[1].get_ylim()  # the intervals are clipped to [0, 1]; the axis need not show more
        axes[1].set_ylim(max(low, 0.0), min(high, 1.0))
        if low <= CHANCE_ACCURACY <= high:  # where some point is near chance; elsewhere it would flatten
            axes[1].axhline(
                CHANCE_ACCURACY, color=CHANCE[1], linestyle=":", linewidth=1, label=f"chance (1/{CLASSES})"
            )
        axes[1].set(title="final accuracy", ylabel="accuracy (fraction correct)")
    elif second == W_NORM:
        draw_series(axes[1], x, summary, W_NORM, METRIC_LABELS[W_NORM], (PALETTE[3], "-", 0.0), numeric)
        log_if_wide(axes[1], summary, [W_NORM])
        axes[1].set(title="‖w‖ after training", ylabel="‖w‖₂")
    for ax in axes:
        if numeric and x is not None:
            ax.set_xlabel(sweep.keys[0] + scale_axis(ax, x))
            if np.all(x == np.round(x)) and ax.get_xscale() == "linear":
                ax.xaxis.get_major_locator().set_params(integer=True)  # widths, degrees: no 2.5
        else:
            ax.set_xticks(x, point_ticks(summary))
            ax.set_xlabel(", ".join(sweep.keys))
        mark_selected(ax, x, summary)
        mark_points(ax, x, summary)
    reveal_coincident(axes)
    entries: dict = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    fig.legend(entries.values(), entries.keys(), loc="outside lower center", ncol=min(len(entries), 4))
    return fig


def heatmap(sweep: Sweep, summary: pd.DataFrame):
    """A two-key grid: the selection metric (validation accuracy, or test loss for a regression) per
    cell, annotated with mean and n; the selected cell outlined."""
    rows_key, cols_key = sweep.keys
    metric = SELECT_ON if sweep.family == Family.CLASSIFIER else HEADLINE[Family.REGRESSION]
    table = summary.pivot_table(index=rows_key, columns=cols_key, values=f"{metric}_mean", sort=False)
    fig, axes = panels(1, size=(1.1 * table.shape[1] + 2.5, 0.7 * table.shape[0] + 1.8))
    ax = axes[0]
    image = ax.imshow(table.to_numpy(dtype=float), cmap="viridis", aspect="auto")
    fig.colorbar(image, ax=ax, label=f"{METRIC_LABELS[metric]} (mean over seeds)")
    ax.set_xticks(range(table.shape[1]), [str(c) for c in table.columns])
    ax.set_yticks(range(table.shape[0]), [str(r) for r in table.index])
    ax.set(xlabel=cols_key, ylabel=rows_key)
    ax.grid(visible=False)
    for k, row in enumerate(summary.itertuples()):
        i, j = (
            list(table.index).index(getattr(row, rows_key)),
            list(table.columns).index(getattr(row, cols_key)),
        )
        # A cell with no value (every seed diverged) is blank in the image: its text says why.
        status = [t for t in point_status(summary.iloc[k]) if t]
        mean = getattr(row, f"{metric}_mean")
        text = "\n".join([*([number(mean)] if np.isfinite(mean) else []), *status, f"n = {row.n_completed}"])
        colour = "white" if not status else (DIVERGED[1] if not np.isfinite(mean) else CHANCE[1])
        label = ax.text(j, i, text, ha="center", va="center", color=colour, fontsize=8)
        if status:
            label.set_gid(f"{'diverged' if not np.isfinite(mean) else 'chance'}-point-{k}")
        if row.selected:
            ax.add_patch(
                plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=SELECTED, linewidth=2.5)
            )
    return fig


def render(sweep: Sweep, summary: pd.DataFrame, svg_path, png_path) -> None:
    grid2 = sweep.grid and len(sweep.keys) == 2
    n = int(summary["n_completed"].max()) if len(summary) else 0
    chosen = summary.loc[summary["selected"].astype(bool), "label"].tolist()
    title = f"Sweep {sweep.name} (from {sweep.base})"
    if sweep.selects:
        title += f"; selected on validation accuracy: {chosen[0]}" if chosen else "; nothing selected"
    if not grid2:
        title += f". Line or dot: mean; band or bars: {BAND_TEXT[sweep.family]}, n ≤ {n}"
        clipped = clipped_metrics(summary)
        title += f"; {stats.clipped_note(clipped)}" if clipped else ""
    with style():
        fig = heatmap(sweep, summary) if grid2 else curves(sweep, summary)
        width = int(fig.get_figwidth() * 13)  # characters that fit across the figure at the title's size
        fig.suptitle(textwrap.fill(title, min(width, TITLE_WIDTH)), fontsize=9.5)
        save(fig, svg_path, png_path)
