"""The chapter's figures, drawn from the run tables and analysis curves. Which figures exist, what
they select and their captions are declared in `mlplab.presentation.topics.FIGURES`; each names the function
here that draws it.

Every figure that shows runs draws each experiment as the mean over the seeds that completed with the
95 % confidence interval of that mean as a band (`figure_bands`: Student t, clipped to what the metric
can be; none for a single seed), so a reader can tell a difference between entries from seed noise; the
legend gives n, a diverged run is named, never averaged in, and runs at chance are named too.
Regressions train on one fixed data set, so their intervals are over training seeds only, and the
figures say so (`presentation.BAND_TEXT`).
An entry has one colour in every figure (`figure_style.entry_colours`), and a series drawn over another
that it coincides with (the scratch and concise MLPs train identically) is dashed, with markers, so that
both stay visible (`figure_style.reveal_coincident`).
Figures are written twice: SVG for the report (byte-reproducible: fixed hash salt, no date) and PNG
for a quick look.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from mlplab.chapter.metrics import TEST_ACC, TEST_LOSS, TRAIN_ACC, TRAIN_LOSS, W_NORM
from mlplab.presentation import stats
from mlplab.presentation.figure_bands import band_text, band_title, draw_band
from mlplab.presentation.figure_entries import (
    chance_note,
    colours,
    completed,
    diverged_note,
    experiment_label,
    experiments_in_order,
    first_row,
    seeds_note,
)
from mlplab.presentation.figure_style import (
    PALETTE,
    SPLIT_COLOURS,
    legend_below,
    panels,
    plt,
    reveal_coincident,
    save,
    style,
    wrap,
)
from mlplab.presentation.tables import RunTables, mean_weights
from mlplab.presentation.topics import FIGURES, METRIC_LABELS, TOPICS, Figure
from mlplab.workflow.catalogue import KINDS

# The book's trainer plots train loss, train accuracy and test accuracy; test loss is added beside train
# loss. Losses in the top row, accuracies below, each row on one scale.
CLASSIFIER_AXES = {
    TRAIN_LOSS: "cross-entropy loss (nats)",
    TEST_LOSS: "cross-entropy loss (nats)",
    TRAIN_ACC: "accuracy (fraction correct)",
    TEST_ACC: "accuracy (fraction correct)",
}
MSE_AXIS = "mean squared error (log scale)"


def classifier_curves(tables: RunTables, analyses, figure: Figure) -> plt.Figure:
    """The book's training curves, train loss, train accuracy and test accuracy per epoch, and test loss."""
    title = f"{TOPICS[figure.topic].title} on Fashion-MNIST"
    epochs = tables.epochs
    names = experiments_in_order(tables.runs)
    colour = colours(tables.runs, names)
    fig, axes = panels(len(CLASSIFIER_AXES), max_cols=2)
    axes[1].sharey(axes[0])
    axes[3].sharey(axes[2])
    clipped = []
    for ax, (metric, unit) in zip(axes, CLASSIFIER_AXES.items(), strict=True):
        for name in names:
            label = experiment_label(name, tables.runs)
            if draw_band(ax, epochs[epochs["experiment"] == name], metric, colour[name], label):
                clipped.append(metric)
        ax.set(title=METRIC_LABELS[metric], xlabel="epoch", ylabel=unit)
        integer_epochs(ax)
    reveal_coincident(axes)
    band_title(fig, title, tables.runs, clipped=clipped)
    legend_below(fig, axes)
    return fig


def dropout_vs_plain(tables: RunTables, analyses, figure: Figure) -> plt.Figure:
    """Dropout's point: test accuracy and the train–test gap, beside the plain MLP (dashed)."""
    epochs = tables.epochs.copy()
    epochs["gap"] = epochs[TRAIN_ACC] - epochs[TEST_ACC]
    names = experiments_in_order(tables.runs)
    colour = colours(tables.runs, names)
    fig, axes = panels(2)
    clipped = []
    for ax, metric, title, unit in (
        (axes[0], TEST_ACC, "test accuracy", "accuracy (fraction correct)"),
        (axes[1], "gap", "generalisation gap", "train − test accuracy"),
    ):
        for name in names:
            runs = epochs[epochs["experiment"] == name]
            dashed = "-" if uses_dropout(first_row(tables.runs, name)["kind"]) else "--"
            label = experiment_label(name, tables.runs, "no dropout" if dashed == "--" else "")
            if draw_band(ax, runs, metric, colour[name], label, linestyle=dashed):
                clipped.append(metric)
        ax.set(title=title, xlabel="epoch", ylabel=unit)
        integer_epochs(ax)
    axes[1].axhline(0, color="0.4", linewidth=0.8)
    reveal_coincident(axes)
    band_title(fig, "Dropout beside the plain MLP", tables.runs, clipped=clipped)
    legend_below(fig, axes, ncol=2)
    return fig


def uses_dropout(kind: str) -> bool:
    return "dropout" in {f.name for f in dataclasses.fields(KINDS[kind].config)}


def regression_losses(tables: RunTables, title: str, subtitle) -> plt.Figure:
    """One panel per experiment: train and test loss per epoch on a log scale, as in the book."""
    epochs = tables.epochs
    names = experiments_in_order(tables.runs)
    fig, axes = panels(len(names), max_cols=3 if len(names) != 4 else 2)
    clipped = []
    for ax, name in zip(axes, names, strict=True):
        runs = epochs[epochs["experiment"] == name]
        for metric, split in ((TRAIN_LOSS, "train"), (TEST_LOSS, "test")):
            if draw_band(ax, runs, metric, SPLIT_COLOURS[split], split):
                clipped.append(metric)
        ax.set_yscale("log")
        ax.set(xlabel="epoch", ylabel=MSE_AXIS)
        integer_epochs(ax)
        diverged = diverged_note(tables.runs, name)
        # A diverged entry's panel says so in red: its curves stop, and its scale dwarfs the others'.
        heading = diverged or subtitle(first_row(tables.runs, name))
        title_colour = {"color": "#b00"} if diverged else {}
        ax.set_title(f"{name} ({seeds_note(tables.runs, name)})\n{heading}", **title_colour)
    reveal_coincident(axes)
    band_title(fig, title, tables.runs, clipped=clipped)
    legend_below(fig, axes)
    return fig


def polynomial_subtitle(run) -> str:
    return f"{run['num_features']} features (degree {run['num_features'] - 1})"


def weight_decay_subtitle(run) -> str:
    implementation = "from scratch" if KINDS[run["kind"]].from_scratch else "concise"
    return f"λ = {run['wd']:g}, {implementation}"


def polynomial_losses(tables: RunTables, analyses, figure: Figure) -> plt.Figure:
    return regression_losses(tables, "Polynomial regression", polynomial_subtitle)


def weight_decay_losses(tables: RunTables, analyses, figure: Figure) -> plt.Figure:
    return regression_losses(tables, "Weight decay", weight_decay_subtitle)


def polynomial_weights(tables: RunTables, analyses, figure: Figure) -> plt.Figure:
    """Learned weights (marker: mean, whiskers: its 95 % interval over seeds) beside the true weights (grey
    bars); a weight of a single completed seed has a marker and no whisker."""
    weights = mean_weights(tables.weights)
    names = [n for n in experiments_in_order(tables.runs) if n in set(weights["experiment"])]
    colour = colours(tables.runs, names)
    true = weights.groupby("coefficient")["true"].first()
    fig, axes = panels(1, size=(max(6.0, 0.4 * len(true) + 2.5), 3.4))
    ax = axes[0]
    ax.bar(true.index, true.to_numpy(), width=0.8, color="0.85", label="true (generates the data)")
    offsets = np.linspace(-0.25, 0.25, len(names)) if len(names) > 1 else [0.0] * len(names)
    for name in experiments_in_order(tables.runs):
        if name not in names:  # every seed diverged: nothing learned to show, but say so
            ax.plot([], [], "o", color="0.5", label=experiment_label(name, tables.runs))
    for offset, name in zip(offsets, names, strict=True):
        w = weights[weights["experiment"] == name]
        # No interval (one seed): a whisker of length 0, drawn as the marker alone.
        yerr = np.vstack([w["mean"] - w["ci_low"], w["ci_high"] - w["mean"]])
        ax.errorbar(
            w["coefficient"] + offset,
            w["mean"],
            yerr=np.nan_to_num(yerr),
            fmt="o",
            markersize=4,
            capsize=2,
            color=colour[name],
            label=f"{name} (learned, {seeds_note(tables.runs, name)})",
        )
    ax.axhline(0, color="0.3", linewidth=0.6)
    ax.set_xticks(true.index)
    ax.grid(axis="x", visible=False)
    ax.set(xlabel="coefficient i (weight of xⁱ / i!)", ylabel="weight")
    band_title(fig, "Polynomial regression: learned vs true weights", tables.runs, "marker: mean; whiskers")
    legend_below(fig, axes, ncol=min(len(names) + 1, 4))
    return fig


def weight_norms(tables: RunTables, analyses, figure: Figure) -> plt.Figure:
    """‖w‖ per epoch (mean, band) and the final ‖w‖ of every run: what weight decay shrinks."""
    epochs, runs = tables.epochs, tables.runs
    names = experiments_in_order(tables.runs)
    colour = colours(runs, names)
    fig, axes = panels(2)
    clipped = []
    for name in names:
        label = f"{name} ({weight_decay_subtitle(first_row(runs, name))}; {seeds_note(runs, name)})"
        if draw_band(axes[0], epochs[epochs["experiment"] == name], W_NORM, colour[name], label):
            clipped.append(W_NORM)
    axes[0].set_yscale("log")
    axes[0].set(title="‖w‖ during training", xlabel="epoch", ylabel="‖w‖₂ (log scale)")
    reveal_coincident(axes[:1])
    final_per_run(axes[1], runs, names, W_NORM, colour)
    scale = log_if_wide(axes[1], runs.loc[runs["status"] == "ok", W_NORM])
    axes[1].set(title="final ‖w‖, every run", xlabel=f"‖w‖₂{scale}")
    band_title(fig, "Weight decay: the L2 norm of the weights", runs, clipped=clipped)
    legend_below(fig, axes, ncol=2)
    return fig


def final_per_run(ax, runs: pd.DataFrame, names: list[str], metric: str, colour, ci_bars=False) -> bool:
    """A bar per experiment at the mean over completed seeds (whiskers: its 95 % interval if asked, where
    two or more seeds completed, clipped to the metric's range: returns whether any was), a dot per run.
    Diverged runs are written out in red at the right edge, not drawn at their last finite value:
    they are not results, and a value of 1e28 would squash every other bar; runs at chance beside them."""
    y = np.arange(len(names))[::-1]
    clipped = False
    for yi, name in zip(y, names, strict=True):
        ok = completed(runs, name)[metric].dropna()
        if len(ok):
            ax.barh(yi, ok.mean(), height=0.6, color=colour[name], alpha=0.55)
            e = stats.mean_ci(ok.to_numpy()).within(metric)
            if ci_bars and e.low is not None and e.high is not None:
                xerr = [[e.mean - e.low], [e.high - e.mean]]
                ax.errorbar(e.mean, yi, xerr=xerr, fmt="none", ecolor="black", capsize=3)
                clipped |= e.clipped
        ax.plot(ok, np.full(len(ok), yi), "o", color="black", markersize=3, zorder=3)
        if notes := "; ".join(n for n in (diverged_note(runs, name), chance_note(runs, name)) if n):
            ax.text(
                0.99,
                yi,
                f"× {notes}",
                transform=ax.get_yaxis_transform(),
                color="#b00",
                ha="right",
                va="center",
                fontsize=8,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8},
            )
    ax.set_ylim(-0.6, len(names) - 0.4)  # a row with no bar (all seeds diverged) keeps its height
    ax.set_yticks(y, [f"{name} ({seeds_note(runs, name)})" for name in names])
    ax.grid(axis="y", visible=False)
    return clipped


def log_if_wide(ax, values, axis="x") -> str:
    """Log scale when the values span more than a decade (λ = 0 vs 3 gives ‖w‖ 13 vs 0.36), else linear,
    where a log axis would only crowd its tick labels. Returns the axis-label suffix."""
    values = pd.to_numeric(values, errors="coerce")
    values = values[values > 0]
    if len(values) and values.max() / values.min() > 10:
        getattr(ax, f"set_{axis}scale")("log", nonpositive="clip")
        return " (log scale)"
    return ""


def comparison(tables: RunTables, metric: str, title: str, xlabel: str, reference=None) -> plt.Figure:
    """Final value of one metric for every experiment: bar = mean, whiskers = its 95 % interval, dots =
    seeds."""
    runs = tables.runs
    names = experiments_in_order(runs)
    fig, axes = panels(1, size=(7.0, 0.42 * len(names) + 1.7))
    ax = axes[0]
    clipped = final_per_run(ax, runs, names, metric, colours(runs, names), ci_bars=True)
    scale = log_if_wide(ax, runs.loc[runs["status"] == "ok", metric])
    if metric.endswith("_acc"):
        ax.set_xlim(0, 1)  # accuracy on its whole range, so a bar's length reads as a fraction
    handles = [
        plt.Rectangle((0, 0), 1, 1, color="0.6"),
        plt.Line2D([], [], color="black", marker="|", linestyle="none", markersize=8),
        plt.Line2D([], [], color="black", marker="o", linestyle="none", markersize=3),
    ]
    # The interval's label wraps: it is the legend's longest and would run off a narrow figure.
    whiskers = f"whiskers: {band_text(runs)}" + (f"; {stats.clipped_note([metric])}" if clipped else "")
    labels = ["mean of completed seeds", wrap(whiskers, 40), "one completed seed"]
    if reference is not None:
        value, text = reference
        ax.axvline(value, color="0.3", linestyle=":", linewidth=1.2)
        handles.append(plt.Line2D([], [], color="0.3", linestyle=":"))
        labels.append(text)
    ax.set(title=title, xlabel=xlabel + scale)
    fig.legend(handles, labels, loc="outside lower center", ncol=3)
    return fig


def comparison_accuracy(tables: RunTables, analyses, figure: Figure) -> plt.Figure:
    return comparison(
        tables,
        TEST_ACC,
        "Final test accuracy of every classifier",
        "test accuracy (fraction correct)",
        reference=figure.reference,
    )


def comparison_regression(tables: RunTables, analyses, figure: Figure) -> plt.Figure:
    title, axis = "Final test loss of every regression", "test loss: mean squared error"
    return comparison(tables, TEST_LOSS, title, axis)


def activation_functions(tables, analyses: dict[str, pd.DataFrame], figure: Figure) -> plt.Figure:
    """ReLU, sigmoid and tanh (top) and their autograd gradients (bottom)."""
    curves = analyses["activations"]
    names = {"relu": "ReLU", "sigmoid": "sigmoid", "tanh": "tanh"}
    fig, axes = plt.subplots(2, 3, figsize=(10.5, 5.2), sharex=True)
    for col, (key, name) in enumerate(names.items()):
        axes[0, col].plot(curves["x"], curves[key], color=PALETTE[col])
        axes[0, col].set(title=f"{name}(x)", ylabel=f"{name}(x)")
        axes[1, col].plot(curves["x"], curves[f"{key}_grad"], color=PALETTE[col], linestyle="--")
        axes[1, col].set(title=f"gradient of {name}", xlabel="x", ylabel=f"d {name}(x) / dx")
    fig.suptitle("Activation functions (top) and their gradients (bottom, by autograd)")
    return fig


def numerical_stability(tables, analyses: dict[str, pd.DataFrame], figure: Figure) -> plt.Figure:
    """Vanishing: the sigmoid's gradient is nearly zero away from 0. Exploding: a product of random
    matrices grows geometrically."""
    vanishing, exploding = analyses["vanishing_gradient"], analyses["exploding_gradient"]
    fig, axes = panels(2, size=(4.6, 3.0))
    axes[0].plot(vanishing["x"], vanishing["sigmoid"], color=PALETTE[0], label="sigmoid(x)")
    axes[0].plot(vanishing["x"], vanishing["sigmoid_grad"], color=PALETTE[1], ls="--", label="gradient")
    axes[0].set(title="vanishing gradient: sigmoid", xlabel="x", ylabel="value")
    axes[0].legend(loc="upper left")
    axes[1].plot(exploding["products"], exploding["log10_max_abs"], color=PALETTE[3], marker="o", ms=3)
    axes[1].set(
        title="exploding gradient: matrix products",
        xlabel="number of random matrix products",
        ylabel="log₁₀ of the largest |entry|",
    )
    integer_epochs(axes[1])
    fig.suptitle("Numerical stability")
    return fig


def integer_epochs(ax) -> None:
    ax.xaxis.get_major_locator().set_params(integer=True)


def draw(figure: str, tables: RunTables | None, analyses: dict[str, pd.DataFrame]) -> plt.Figure:
    """Figure `figure` of the presentation catalogue, by the function it names, from the epochs of the
    runs that completed (the runs table keeps the diverged ones, for the labels that name them)."""
    spec = FIGURES[figure]
    fig = globals()[spec.draw](completed_epochs(tables) if tables else None, analyses, spec)
    for ax in fig.axes:
        drawn = any(len(line.get_xdata()) for line in ax.get_lines()) or ax.patches or ax.collections
        if not drawn:
            ax.text(
                0.5,
                0.5,
                "nothing to draw:\nno run completed",
                transform=ax.transAxes,
                ha="center",
                va="center",
                color="#b00",
            )
    return fig


def completed_epochs(tables: RunTables) -> RunTables:
    ok = tables.runs.loc[tables.runs["status"] == "ok", ["experiment", "seed"]]
    epochs = tables.epochs.merge(ok, on=["experiment", "seed"])
    return RunTables(epochs=epochs, runs=tables.runs, weights=tables.weights)


def render(figure: str, tables: RunTables | None, analyses: dict[str, pd.DataFrame], svg_path, png_path):
    with style():
        save(draw(figure, tables, analyses), svg_path, png_path)
