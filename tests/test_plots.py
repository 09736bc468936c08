"""What the figures draw, read back from matplotlib's artists: bands and whiskers are the 95 % confidence
interval of the mean over the completed seeds (Student t), not their min–max, and the titles and legends
say so, with n."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from handmade_runs import BASE, MLP, POLY, write_run
from matplotlib.colors import to_rgb

from mlplab.compare.curves import curves_figure
from mlplab.compare.reading import load_results
from mlplab.compare.verdicts import compare
from mlplab.presentation import figures as plots
from mlplab.presentation import sweep_figures, tables
from mlplab.presentation.sweep_tables import sweep_summary
from mlplab.workflow import sweeps

T975_2 = 4.302652729749464  # t(0.975) on 2 degrees of freedom


def classifier(test_acc: tuple[float, float]) -> list[dict]:
    first, last = test_acc
    return [
        {"epoch": 1, "train_loss": 1.5, "train_acc": 0.5, "test_loss": 1.6, "test_acc": first},
        {"epoch": 2, "train_loss": 0.4, "train_acc": 0.9, "test_loss": 0.6, "test_acc": last},
    ]


@pytest.fixture
def three_seeds(tmp_path):
    """Test accuracy 0.40, 0.45, 0.50 after epoch 1 and 0.80, 0.82, 0.84 after epoch 2; one more entry
    with a single seed."""
    folders = [
        write_run(tmp_path, "mlp", MLP, seed, classifier(acc))
        for seed, acc in enumerate(((0.40, 0.80), (0.45, 0.82), (0.50, 0.84)))
    ]
    folders.append(write_run(tmp_path, "mlp_one", MLP, 0, classifier((0.4, 0.7))))
    return tables.load_runs(folders)


def drawn(figure: str, run_tables) -> plt.Figure:
    with plots.style():
        return plots.draw(figure, run_tables, {})


def words(text: str) -> str:
    """Text with its line breaks (titles and labels wrap to the figure) as spaces."""
    return " ".join(text.split())


def band_extent(collection, x: float) -> tuple[float, float]:
    """The lowest and highest y of a fill_between polygon at x."""
    vertices = np.vstack([path.vertices for path in collection.get_paths()])
    at_x = vertices[np.isclose(vertices[:, 0], x), 1]
    return float(at_x.min()), float(at_x.max())


def test_the_band_is_the_interval_of_the_mean_not_min_to_max(three_seeds):
    fig = drawn("mlp", three_seeds)
    test_acc = fig.axes[3]
    assert test_acc.get_title() == "test accuracy"
    bands = test_acc.collections
    assert len(bands) == 1  # the single-seed entry has a line and no band
    half1, half2 = T975_2 * 0.05 / math.sqrt(3), T975_2 * 0.02 / math.sqrt(3)
    assert band_extent(bands[0], 1) == (pytest.approx(0.45 - half1), pytest.approx(0.45 + half1))
    assert band_extent(bands[0], 2) == (pytest.approx(0.82 - half2), pytest.approx(0.82 + half2))
    assert band_extent(bands[0], 2) != (pytest.approx(0.80), pytest.approx(0.84))  # not min–max
    mean = test_acc.get_lines()[0]
    assert mean.get_ydata().tolist() == pytest.approx([0.45, 0.82])
    plt.close(fig)


def test_titles_and_legends_say_what_the_band_is_with_n(three_seeds):
    fig = drawn("mlp", three_seeds)
    assert words(fig._suptitle.get_text()).endswith("band: 95 % CI of the mean over seeds (Student t)")
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert labels == ["mlp (n = 3)", "mlp_one (n = 1, no interval)"]
    plt.close(fig)


def test_regressions_say_their_seeds_train_on_fixed_data(tmp_path):
    folders = [
        write_run(tmp_path, "poly", POLY, seed, [{"epoch": 1, "train_loss": loss, "test_loss": loss}])
        for seed, loss in enumerate((1.0, 2.0))
    ]
    fig = drawn("polynomial", tables.load_runs(folders))
    assert "over training seeds, data fixed" in words(fig._suptitle.get_text())
    assert fig.axes[0].get_title().startswith("poly (n = 2)")
    plt.close(fig)


def test_comparison_whiskers_are_the_interval_of_the_mean(three_seeds):
    fig = drawn("comparison_accuracy", three_seeds)
    ax = fig.axes[0]
    # One whisker, for the entry with three seeds: 0.82 ± t · 0.02/√3, at the bar's height.
    (whiskers,) = [c for c in ax.collections if len(c.get_segments())]
    (segment,) = whiskers.get_segments()
    half = T975_2 * 0.02 / math.sqrt(3)
    assert sorted(segment[:, 0]) == [pytest.approx(0.82 - half), pytest.approx(0.82 + half)]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["mlp (n = 3)", "mlp_one (n = 1, no interval)"]
    legend = [words(t.get_text()) for t in fig.legends[0].get_texts()]
    assert "whiskers: 95 % CI of the mean over seeds (Student t)" in legend and "± sd" not in legend
    plt.close(fig)


def test_polynomial_weight_whiskers_are_the_interval_of_the_mean(tmp_path):
    # w[0] of the two seeds 4.9 and 5.1: 5.0 ± t(0.975, 1) · 0.1.
    folders = [
        write_run(tmp_path, "poly", POLY, seed, [{"epoch": 1, "train_loss": 1.0, "test_loss": 1.0}],
                  weights={"learned": [w0, 1.2], "true": [5.0, 1.2, -3.4, 5.6]})
        for seed, w0 in enumerate((4.9, 5.1))
    ]  # fmt: skip
    fig = drawn("polynomial_weights", tables.load_runs(folders))
    ax = fig.axes[0]
    (whiskers,) = [c for c in ax.collections if len(c.get_segments())]
    first = whiskers.get_segments()[0]
    half = 12.706204736 * 0.1  # t(0.975) on 1 degree of freedom, times the standard error
    assert sorted(first[:, 1]) == [pytest.approx(5.0 - half), pytest.approx(5.0 + half)]
    assert "whiskers: 95 % CI of the mean over training seeds, data fixed" in words(fig._suptitle.get_text())
    plt.close(fig)


def test_a_band_reaching_past_what_accuracy_can_be_is_clipped_and_the_title_says_so(tmp_path):
    """Test accuracy 0.10, 0.20, 0.95 after epoch 2: the t-interval [−0.73, 1.57] is drawn as [0, 1]."""
    folders = [
        write_run(tmp_path, "mlp", MLP, seed, classifier((0.40, acc)))
        for seed, acc in enumerate((0.10, 0.20, 0.95))
    ]
    run_tables = tables.load_runs(folders)
    fig = drawn("mlp", run_tables)
    (band,) = fig.axes[3].collections
    assert band_extent(band, 2) == (pytest.approx(0.0), pytest.approx(1.0))
    assert words(fig._suptitle.get_text()).endswith("(Student t); interval clipped to [0, 1]")
    # The first run is at chance (0.10, within 0.05 of 1/10): the legend says so.
    assert fig.axes[0].get_legend_handles_labels()[1] == ["mlp (at chance in 1 of 3 seeds; n = 3)"]
    plt.close(fig)
    fig = drawn("comparison_accuracy", run_tables)
    (whiskers,) = [c for c in fig.axes[0].collections if len(c.get_segments())]
    assert sorted(whiskers.get_segments()[0][:, 0]) == [pytest.approx(0.0), pytest.approx(1.0)]
    legend = [words(t.get_text()) for t in fig.legends[0].get_texts()]
    assert "whiskers: 95 % CI of the mean over seeds (Student t); interval clipped to [0, 1]" in legend
    plt.close(fig)


# ---- Every series visible, one colour per entry, axes that fit ----

CONCISE = {k: v for k, v in MLP.items() if k != "relu_output"} | {"kind": "mlp_concise"}
ABLATION = MLP | {"relu_output": True}
AT_CHANCE = [
    {"epoch": epoch, "train_loss": 2.3, "train_acc": 0.1, "test_loss": 2.3, "test_acc": 0.1}
    for epoch in (1, 2)
]


def identical_pair(results):
    """mlp_scratch and mlp_concise with the same metrics seed by seed (as the two implementations train),
    and the ReLU-on-logits ablation; under `results`/runs, as the workflow leaves them."""
    folders = []
    for seed, acc in enumerate(((0.40, 0.80), (0.45, 0.82), (0.50, 0.84))):
        runs = results / "runs"
        folders.append(write_run(runs, "mlp_scratch", MLP, seed, classifier(acc)))
        folders.append(write_run(runs, "mlp_scratch_relu_logits", ABLATION, seed, AT_CHANCE))
        folders.append(write_run(runs, "mlp_concise", CONCISE, seed, classifier(acc)))
    return folders


def lines_of(ax) -> dict[str, object]:
    """A panel's lines with data, by the entry they draw (the label's name, or compare's gid)."""
    return {
        (line.get_gid() or line.get_label()).split()[0]: line
        for line in ax.get_lines()
        if len(line.get_xdata())
    }


def test_two_identical_series_are_both_drawn_the_second_dashed_with_markers_above(tmp_path):
    fig = drawn("mlp", tables.load_runs(identical_pair(tmp_path)))
    assert [ax.get_title() for ax in fig.axes] == [
        "train loss",
        "test loss",
        "train accuracy",
        "test accuracy",
    ]
    for ax in fig.axes:
        lines = lines_of(ax)
        scratch, concise = lines["mlp_scratch"], lines["mlp_concise"]
        assert scratch.get_ydata().tolist() == concise.get_ydata().tolist()  # they coincide
        assert scratch.get_linestyle() == "-" and scratch.get_marker() in ("None", None, "")
        assert concise.get_linestyle() != "-" and concise.get_marker() not in ("None", None, "")
        assert concise.get_zorder() > scratch.get_zorder()
        assert lines["mlp_scratch_relu_logits"].get_linestyle() == "-"  # a series alone keeps its style
    # The legend shows each entry as its lines are drawn.
    texts, handles = fig.legends[0].get_texts(), fig.legends[0].legend_handles
    legend = {text.get_text().split()[0]: handle for text, handle in zip(texts, handles, strict=True)}
    assert legend["mlp_concise"].get_marker() == lines["mlp_concise"].get_marker()
    test_loss = fig.axes[1]
    assert lines_of(test_loss)["mlp_scratch"].get_ydata().tolist() == pytest.approx([1.6, 0.6])
    plt.close(fig)


def test_an_entry_has_one_colour_in_the_report_and_in_compare(tmp_path):
    """The same colour for an entry in its topic's figure, the comparison figure, dropout beside the plain
    MLP (which leaves the ablation out) and mlplab-compare's curves; distinct colours within a figure."""
    folders = identical_pair(tmp_path / "results")
    run_tables = tables.load_runs(folders)
    figures = [drawn("mlp", run_tables)]
    colour = {name: line.get_color() for name, line in lines_of(figures[0].axes[0]).items()}
    assert len(set(colour.values())) == 3
    # The book's settings only, as the workflow gives this figure its runs.
    plain = tables.load_runs([f for f in folders if "relu_logits" not in str(f)])
    figures.append(drawn("dropout_vs_mlp", plain))
    for fig in figures[1:]:
        for name, line in lines_of(fig.axes[0]).items():
            assert line.get_color() == colour[name], name
    bars = drawn("comparison_accuracy", run_tables)
    names = [t.get_text().split()[0] for t in bars.axes[0].get_yticklabels()]
    bar_colours = [p.get_facecolor()[:3] for p in bars.axes[0].patches]
    for name, bar in zip(names, bar_colours, strict=True):
        assert bar == pytest.approx(to_rgb(colour[name])), name

    comparison = compare(load_results(tmp_path / "results"), load_results(tmp_path / "results"))
    with plots.style():
        curves = curves_figure(comparison.entries)
    for ax in curves.axes:
        for gid, line in ((line.get_gid(), line) for line in ax.get_lines()):
            assert line.get_color() == colour[gid.split()[0]], gid
    for fig in [*figures, bars, curves]:
        plt.close(fig)


def width_sweep(root, accuracies: list[float]):
    """A classifier sweep over num_hiddens whose points reach `accuracies` (three seeds, + 0.002 each)."""
    points, folders = [], {}
    for width, acc in zip((16, 64, 256, 1024), accuracies, strict=True):
        entry = sweeps.normalise("mlp_concise", {**BASE, "num_hiddens": width})
        path = f"w~{width}"
        point = sweeps.Point(values={"num_hiddens": width}, path=path, entry=entry, run=f"s/{path}", own=True)
        points.append(point)
        folders[point.path] = []
        for seed in range(3):
            seen = acc + 0.002 * seed
            losses = {"train_loss": 0.5, "val_loss": 0.5, "test_loss": 0.5}
            row = {"epoch": 1, **losses, "train_acc": acc + 0.02, "val_acc": seen, "test_acc": seen}
            folders[point.path].append(str(write_run(root / str(width), "p", BASE, seed, [row])))
    sweep = sweeps.Sweep(name="s", base="mlp_concise", kind="mlp_concise", keys=("num_hiddens",),
                         points=tuple(points), seeds=(0, 1, 2), grid=True, validation=10,
                         base_entry=sweeps.normalise("mlp_concise", BASE))  # fmt: skip
    return sweep, sweep_summary(sweep, folders)


def test_a_sweep_figures_accuracy_axis_fits_its_points_and_shows_chance_only_near_them(tmp_path):
    """0.814 → 0.835 fills the panel, not 0.1 to 0.9; a point near chance brings the chance line in."""
    sweep, summary = width_sweep(tmp_path / "a", [0.814, 0.82, 0.83, 0.835])
    with plots.style():
        fig = sweep_figures.curves(sweep, summary)
    accuracy = fig.axes[1]
    low, high = accuracy.get_ylim()
    assert 0.78 < low < 0.814 and 0.857 < high < 0.9
    assert not any(line.get_label().startswith("chance") for line in accuracy.get_lines())
    plt.close(fig)
    sweep, summary = width_sweep(tmp_path / "b", [0.12, 0.5, 0.8, 0.83])
    with plots.style():
        fig = sweep_figures.curves(sweep, summary)
    low, high = fig.axes[1].get_ylim()
    assert low < 0.1 < high and any(line.get_label().startswith("chance") for line in fig.axes[1].get_lines())
    plt.close(fig)
