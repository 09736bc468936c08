"""What the figures draw, read back from matplotlib's artists: bands and whiskers are the 95 % confidence
interval of the mean over the completed seeds (Student t), not their min–max, and the titles and legends
say so, with n."""

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest
from handmade_runs import MLP, POLY, write_run

from mlplab.presentation import figures as plots
from mlplab.presentation import tables

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
    test_acc = fig.axes[2]
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
    (band,) = fig.axes[2].collections
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
