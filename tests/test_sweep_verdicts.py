"""Sweeps whose points diverged or ended at chance, on hand-made runs, through the summary, the figure and
results/exercises.html as the pipeline's jobs make them (the summary read back from CSV): nothing is
selected that cannot be, such points are marked rather than left out, and intervals stay within what
their metric can be."""

import re

import pandas as pd
import pytest
from handmade_runs import classifier_point, describe

from mlplab.presentation import sweep_figures
from mlplab.presentation.exercises_page import render_exercises
from mlplab.presentation.sweep_tables import sweep_summary


def through_the_pipeline(tmp_path, points) -> tuple[pd.DataFrame, str, str]:
    """(summary.csv as read back, figure.svg, exercises.html) of a sweep of `points`."""
    sweep, folders = describe(points)
    sweep_summary(sweep, folders).to_csv(tmp_path / "summary.csv", index=False)
    summary = pd.read_csv(tmp_path / "summary.csv")
    svg, png = tmp_path / "figure.svg", tmp_path / "figure.png"
    sweep_figures.render(sweep, summary, svg, png)
    page = render_exercises([sweep], {sweep.name: summary}, {sweep.name: svg})
    return summary, svg.read_text(), page


def test_a_sweep_whose_every_point_diverged_selects_nothing_and_marks_each_point(tmp_path):
    points = [
        classifier_point(tmp_path, "a", 0.1, val=[0.8] * 3, test=[0.7] * 3, diverged=[0, 1, 2]),
        classifier_point(tmp_path, "b", 0.3, val=[0.8] * 3, test=[0.7] * 3, diverged=[0, 1, 2]),
    ]
    summary, svg, page = through_the_pipeline(tmp_path, points)
    assert summary["selected"].dtype == bool and not summary["selected"].any()
    assert summary["n_diverged"].tolist() == [3, 3] and summary["n_completed"].tolist() == [0, 0]
    assert "nothing selected" in page and "2 of 2 points diverged in every seed" in page
    assert "lowest at –" not in page and "highest at –" not in page
    # A marker (and its label) for every point in each panel, not a gap in the curves.
    for i in (0, 1):
        assert f'id="diverged-point-{i}"' in svg
    # Text is drawn as outlines; matplotlib leaves each text as a comment beside its outline.
    texts = " ".join(" ".join(re.findall(r"<!-- (.*?) -->", svg, re.DOTALL)).split())
    assert "nothing selected" in texts and "diverged (no value where every seed did)" in texts


def test_a_point_at_chance_is_never_selected_and_is_marked(tmp_path):
    points = [
        classifier_point(tmp_path, "a", 0.1, val=[0.80, 0.82, 0.84], test=[0.70, 0.72, 0.74]),
        # The best validation accuracy, but one seed's test accuracy is at chance (0.12 ≤ 0.15).
        classifier_point(tmp_path, "b", 0.3, val=[0.90, 0.92, 0.94], test=[0.80, 0.12, 0.80]),
    ]
    summary, svg, page = through_the_pipeline(tmp_path, points)
    assert summary["n_chance"].tolist() == [0, 1]
    assert summary.loc[1, "chance"] == "seed 1: test accuracy 0.120 is within 0.05 of chance (1/10)"
    assert summary["selected"].tolist() == [True, False]  # lr 0.3 scores higher, but learned nothing once
    assert 'id="chance-point-1"' in svg and 'id="chance-point-0"' not in svg
    assert '<tr class="chance">' in page and "at chance in 1 of 3 seeds" in page
    assert "Selected on validation accuracy: <strong>lr = 0.1</strong>" in page


def test_a_sweep_whose_every_point_is_at_chance_selects_nothing(tmp_path):
    points = [
        classifier_point(tmp_path, "a", 5.0, val=[0.10, 0.11, 0.09], test=[0.10, 0.10, 0.10]),
        classifier_point(tmp_path, "b", 9.0, val=[0.10, 0.12, 0.10], test=[0.10, 0.10, 0.10], diverged=[2]),
    ]
    summary, svg, page = through_the_pipeline(tmp_path, points)
    assert summary["n_chance"].tolist() == [3, 2] and not summary["selected"].any()
    assert "nothing selected" in page and "2 of 2 points ended at chance in some seed" in page
    assert 'id="chance-point-0"' in svg and 'id="diverged-point-1"' in svg and 'id="chance-point-1"' in svg


def test_sweep_intervals_are_clipped_to_what_the_metric_can_be_and_say_so(tmp_path):
    """Validation accuracy 0.30, 0.40, 0.99: 0.563 ± t(0.975, 2) · 0.373/√3 reaches past 1."""
    points = [classifier_point(tmp_path, "a", 0.1, val=[0.30, 0.40, 0.99], test=[0.70, 0.72, 0.74])]
    summary, _, page = through_the_pipeline(tmp_path, points)
    row = summary.iloc[0]
    assert row["val_acc_ci_high"] == 1.0 and row["val_acc_ci_low"] == pytest.approx(0.0)
    assert row["val_acc_ci_clipped"] and not row["test_acc_ci_clipped"]
    assert "0.56 [0.00, 1.00]†, n = 3" in page
    assert "† interval clipped to [0, 1]" in page


def test_the_page_marks_the_baseline_and_clipped_differences(tmp_path):
    points = [
        classifier_point(tmp_path, "a", 0.1, val=[0.90, 0.90, 0.91], test=[0.80, 0.80, 0.81]),
        classifier_point(tmp_path, "b", 1.0, val=[0.10, 0.90, 0.10], test=[0.10, 0.80, 0.10]),
    ]
    _, _, html = through_the_pipeline(tmp_path, points)
    row = re.search(r"<td>lr = 1</td>.*?</tr>", html, re.S)[0]
    assert re.search(r"\[-1\.00, [^\]]*\]†: ", row)  # -0.54 ± 1.16 cut at -1, and marked
    baseline = re.search(r"<td>lr = 0\.1 .*?</tr>", html, re.S)[0]
    assert "(the baseline)" in baseline and "includes 0" not in baseline
