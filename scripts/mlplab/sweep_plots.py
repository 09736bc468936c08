"""A sweep's figure, from its summary: each final metric against the swept value, with its 95 %
confidence interval over seeds, the selected point marked; a grid over two keys as an annotated heatmap.

A single numeric key is a numeric axis, logarithmic when the values span a decade or more (symmetric-log
when 0 is among them, as for λ = 0); anything else (zipped points, lists such as dropout pairs, names)
is one tick per point.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlplab.plots import BAND_ALPHA, PALETTE, panels, plt, save, style
from mlplab.presentation import METRIC_LABELS

SERIES = {"train": PALETTE[0], "val": PALETTE[2], "test": PALETTE[1]}
SELECTED = "#b00"


def numeric_axis(sweep: dict, summary: pd.DataFrame) -> np.ndarray | None:
    """The swept values as numbers, if the sweep has one key whose values are all numbers."""
    if len(sweep["keys"]) != 1:
        return None
    values = pd.to_numeric(summary[sweep["keys"][0]], errors="coerce")
    return None if values.isna().any() else values.to_numpy(dtype=float)


def scale_axis(ax, x: np.ndarray) -> str:
    positive = x[x > 0]
    if len(positive) and positive.max() / positive.min() >= 10:
        if (x <= 0).any():
            ax.set_xscale("symlog", linthresh=positive.min())
            return " (symmetric log scale)"
        ax.set_xscale("log")
        return " (log scale)"
    return ""


def draw_series(ax, x, summary: pd.DataFrame, metric: str, label: str, colour, numeric: bool, **line) -> None:
    """Mean and its 95 % CI: a band on a numeric axis, error bars on a categorical one."""
    if f"{metric}_mean" not in summary:
        return
    mean, low, high = (summary[f"{metric}_{s}"].to_numpy(dtype=float) for s in ("mean", "ci_low", "ci_high"))
    if numeric:
        ax.plot(x, mean, marker="o", markersize=3.5, color=colour, label=label, **line)
        ax.fill_between(x, low, high, color=colour, alpha=BAND_ALPHA, linewidth=0)
    else:
        yerr = np.vstack([mean - low, high - mean])
        ax.errorbar(x, mean, yerr=np.nan_to_num(yerr), fmt="o", capsize=3, color=colour, label=label, **line)


def mark_selected(ax, x, summary: pd.DataFrame) -> None:
    chosen = summary.index[summary["selected"].astype(bool)]
    for i in chosen:
        ax.axvline(x[i], color=SELECTED, linestyle=":", linewidth=1.2, label="selected on validation")


def log_if_wide(ax, summary: pd.DataFrame, metrics) -> None:
    values = pd.concat([summary[f"{m}_mean"] for m in metrics if f"{m}_mean" in summary]).dropna()
    values = values[values > 0]
    if len(values) and values.max() / values.min() > 10:
        ax.set_yscale("log")


def curves(sweep: dict, summary: pd.DataFrame):
    """Loss (and accuracy, or ‖w‖) panels against the swept value."""
    x = numeric_axis(sweep, summary)
    numeric = x is not None
    if not numeric:
        x = np.arange(len(summary))
    classifier = sweep["family"] == "classifier"
    second = "acc" if classifier else ("w_norm" if "w_norm_mean" in summary else None)
    fig, axes = panels(2 if second else 1, max_cols=2, size=(4.4, 3.3))
    loss = axes[0]
    for split, colour in SERIES.items():
        draw_series(
            loss,
            x,
            summary,
            f"{split}_loss",
            f"{split} (SGD)" if "closed_form_train_loss" in summary else split,
            colour,
            numeric,
        )
    for split in ("train", "test"):  # exact fits: one number per point, no seeds, no band
        column = f"closed_form_{split}_loss"
        if column in summary:
            loss.plot(
                x,
                summary[column],
                linestyle="--",
                marker="s",
                markersize=3,
                color=SERIES[split],
                label=f"{split} (least squares)",
            )
    if classifier:
        draw_series(loss, x, summary, "initial_loss", "before training", "0.5", numeric, linestyle=":")
    log_if_wide(loss, summary, ["train_loss", "test_loss", "val_loss", "initial_loss"])
    loss.set(title="loss", ylabel="cross-entropy (nats)" if classifier else "mean squared error")
    if second == "acc":
        for split, colour in SERIES.items():
            draw_series(axes[1], x, summary, f"{split}_acc", split, colour, numeric)
        axes[1].set(title="accuracy", ylabel="accuracy (fraction correct)")
    elif second == "w_norm":
        draw_series(axes[1], x, summary, "w_norm", METRIC_LABELS["w_norm"], PALETTE[3], numeric)
        log_if_wide(axes[1], summary, ["w_norm"])
        axes[1].set(title="‖w‖ after training", ylabel="‖w‖₂")
    for ax in axes:
        if numeric:
            ax.set_xlabel(sweep["keys"][0] + scale_axis(ax, x))
        else:
            ax.set_xticks(x, summary["label"], rotation=20, ha="right")
            ax.set_xlabel(", ".join(sweep["keys"]))
        mark_selected(ax, x, summary)
    handles, labels = axes[-1].get_legend_handles_labels()
    first = dict(zip(*reversed(axes[0].get_legend_handles_labels()), strict=False))
    fig.legend(
        [*first.values(), *(h for h, lab in zip(handles, labels, strict=True) if lab not in first)],
        [*first, *(lab for lab in labels if lab not in first)],
        loc="outside lower center",
        ncol=4,
    )
    return fig


def heatmap(sweep: dict, summary: pd.DataFrame):
    """A two-key grid: the selection metric (validation accuracy, or test loss for a regression) per
    cell, annotated with mean and n; the selected cell outlined."""
    rows_key, cols_key = sweep["keys"]
    metric = "val_acc" if sweep["family"] == "classifier" else "test_loss"
    table = summary.pivot_table(index=rows_key, columns=cols_key, values=f"{metric}_mean", sort=False)
    fig, axes = panels(1, size=(1.1 * table.shape[1] + 2.5, 0.7 * table.shape[0] + 1.8))
    ax = axes[0]
    image = ax.imshow(table.to_numpy(dtype=float), cmap="viridis", aspect="auto")
    fig.colorbar(image, ax=ax, label=f"{METRIC_LABELS[metric]} (mean over seeds)")
    ax.set_xticks(range(table.shape[1]), [str(c) for c in table.columns])
    ax.set_yticks(range(table.shape[0]), [str(r) for r in table.index])
    ax.set(xlabel=cols_key, ylabel=rows_key)
    ax.grid(visible=False)
    for row in summary.itertuples():
        i, j = (
            list(table.index).index(getattr(row, rows_key)),
            list(table.columns).index(getattr(row, cols_key)),
        )
        ax.text(
            j,
            i,
            f"{getattr(row, f'{metric}_mean'):.3g}\nn = {row.n_seeds}",
            ha="center",
            va="center",
            color="white",
            fontsize=8,
        )
        if row.selected:
            ax.add_patch(
                plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=SELECTED, linewidth=2.5)
            )
    return fig


def render(sweep: dict, summary: pd.DataFrame, svg_path, png_path) -> None:
    n = int(summary["n_seeds"].max()) if len(summary) else 0
    band = "95 % CI of the mean over seeds (Student t)" + (
        "" if sweep["family"] == "classifier" else ", data fixed"
    )
    with style():
        grid2 = sweep["grid"] and len(sweep["keys"]) == 2
        fig = heatmap(sweep, summary) if grid2 else curves(sweep, summary)
        chosen = summary.loc[summary["selected"].astype(bool), "label"].tolist()
        picked = f"; selected on validation accuracy: {chosen[0]}" if chosen else ""
        note = "" if grid2 else f" — band/bars: {band}, n ≤ {n}"
        fig.suptitle(f"Sweep {sweep['name']} (from {sweep['base']}){note}{picked}", fontsize=9.5)
        save(fig, svg_path, png_path)
