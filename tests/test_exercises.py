"""The `exercises` target end to end on the tiny workflow: sweep points train through Snakemake, each
sweep gets its summary, figure and section of results/exercises.html, and adding a value to a grid
trains only the new point's seeds."""

import json
import re
import shutil
import zipfile

import pandas as pd
import pytest
from dry_runs import Job, dry_run

import tiny

pytestmark = pytest.mark.snakemake


def test_a_classifier_sweep_is_selected_on_validation_and_reports_test_accuracy(tiny_exercised):
    summary = pd.read_csv(tiny_exercised / "results/sweeps/mlp_lr/summary.csv")
    assert summary["point"].tolist() == ["lr~0.05", "lr~0.1"]
    assert summary["selected"].sum() == 1  # exactly one point
    chosen = summary.loc[summary["selected"]].iloc[0]
    assert chosen["val_acc_mean"] == summary["val_acc_mean"].max()
    for metric in ("val_acc", "test_acc", "train_loss"):
        assert {f"{metric}_mean", f"{metric}_ci_low", f"{metric}_ci_high"} <= set(summary)
        assert (summary[f"{metric}_ci_low"] <= summary[f"{metric}_mean"]).all()
    assert summary["n_seeds"].tolist() == [2, 2]
    assert summary["baseline"].tolist() == [False, True]  # lr 0.1 is mlp_concise's own
    # Each point trained on the validation split: its metrics have validation columns, its record the entry.
    run = json.loads((tiny_exercised / "results/sweeps/mlp_lr/lr~0.05/seed1/run.json").read_text())
    assert run["experiment"] == "mlp_lr/lr~0.05" and run["config"]["validation"] == 200
    assert run["config"]["lr"] == 0.05
    metrics = pd.read_csv(tiny_exercised / "results/sweeps/mlp_lr/lr~0.05/seed1/metrics.csv")
    assert {"val_loss", "val_acc"} <= set(metrics) and metrics["val_loss"].iloc[-1] < metrics[
        "val_loss"
    ].iloc[0]


def test_a_regression_sweep_selects_nothing_and_reuses_the_catalogues_runs(tiny_exercised):
    summary = pd.read_csv(tiny_exercised / "results/sweeps/poly_degree/summary.csv")
    assert summary["point"].tolist() == ["num_features~1", "num_features~4"]
    assert not summary["selected"].any()
    assert {"closed_form_train_loss", "closed_form_test_loss", "test_loss_ci_high"} <= set(summary)
    # num_features 4 is poly_normal: read from its runs, not trained again.
    assert not (tiny_exercised / "results/sweeps/poly_degree/num_features~4").exists()
    normal = (
        pd.read_csv(tiny_exercised / "results/tables/summary.csv").set_index("experiment").loc["poly_normal"]
    )
    assert summary.loc[1, "test_loss_mean"] == pytest.approx(normal["test_loss_mean"])
    # The exact least-squares fit is at least as good on the training set as SGD.
    assert (summary["closed_form_train_loss"] <= summary["train_loss_mean"] + 1e-9).all()


def test_each_sweep_has_a_figure_and_a_section_of_the_exercises_page(tiny_exercised):
    page = (tiny_exercised / "results/exercises.html").read_text()
    for name in tiny.SWEEPS:
        assert (tiny_exercised / f"results/sweeps/{name}/figure.svg").read_text().startswith("<?xml")
        assert (tiny_exercised / f"results/sweeps/{name}/figure.png").stat().st_size > 1000
        assert f'id="sweep-{name}"' in page
    assert "Selected on validation accuracy: <strong>lr = " in page
    assert "num_features = 4 ← <code>poly_normal</code>" in page  # says where a reused point's runs are
    assert "<script" not in page and "http" not in page.split("<body>")[1].replace("http://www.w3.org", "")


def test_a_failed_sweep_job_marks_the_exercises_page_out_of_date(tiny_exercised, tmp_path):
    """A sweep point's metrics.csv changed after its run: the sweep's summary fails naming it, Snakemake
    deletes the summary, and the page built from it says it is out of date; its mtime is kept."""
    work = tmp_path / "workflow"
    shutil.copytree(tiny_exercised, work, symlinks=True)
    page = work / "results/exercises.html"
    built = page.stat().st_mtime_ns
    metrics = work / "results/sweeps/mlp_lr/lr~0.05/seed1/metrics.csv"
    metrics.write_text(metrics.read_text().replace("\n1,", "\n1,0", 1))  # not the file run.json vouches for
    proc = tiny.snakemake(work, "exercises", check=False)
    assert proc.returncode != 0
    assert "lr~0.05/seed1/metrics.csv: changed after its run wrote it" in proc.stdout + proc.stderr
    assert not (work / "results/sweeps/mlp_lr/summary.csv").exists()
    html = page.read_text()
    assert '<div class="warning" id="stale"><strong>⚠ Out of date.</strong>' in html
    assert "<code>results/sweeps/mlp_lr/summary.csv</code>" in html  # missing
    assert "<code>results/sweeps/mlp_lr/lr~0.05/seed1/metrics.csv</code>" in html  # newer than the page
    assert page.stat().st_mtime_ns == built  # Snakemake's view of the page is unchanged
    assert "Out of date." not in (work / "results/report.html").read_text()  # nothing it shows changed
    tiny.snakemake(work, "exercises", "-R", "results/sweeps/mlp_lr/lr~0.05/seed1/metrics.csv")
    assert "Out of date." not in page.read_text()


def chance_and_divergence(config: dict) -> None:
    """The tiny data at lr 5 end at chance (test accuracy 0.100) and at lr 100 diverge: a catalogue entry
    at chance, and a classifier sweep with one point at chance and one diverged in every seed."""
    concise = config["experiments"]["mlp_concise"]
    tiny.keep_only(config, {"mlp_concise": concise, "mlp_lr5": {**concise, "lr": 5.0}})
    config["sweeps"] = {"mlp_bad": {"base": "mlp_concise", "grid": {"lr": [5.0, 100.0]}, "validation": 200}}


def test_runs_at_chance_and_a_sweep_with_nothing_to_select_say_so_everywhere(tmp_path):
    work = tiny.make_workdir(tmp_path, edit=chance_and_divergence)
    tiny.snakemake(work, "all", "exercises")
    results = work / "results"
    runs = pd.read_csv(results / "tables/runs.csv").set_index(["experiment", "seed"])
    for seed in (0, 1):
        assert runs.loc[("mlp_lr5", seed), "status"] == "ok"
        assert "of chance (1/10)" in runs.loc[("mlp_lr5", seed), "chance"]
        assert pd.isna(runs.loc[("mlp_concise", seed), "chance"])
    summary = pd.read_csv(results / "tables/summary.csv").set_index("experiment")
    assert summary["n_chance"].to_dict() == {"mlp_concise": 0, "mlp_lr5": 2}
    report = (results / "report.html").read_text()
    assert re.search(r'<tr class="chance">\s*<td><code>mlp_lr5</code>', report)
    assert "⚠ 2 run(s) ended at chance" in report
    # The sweep: lr 5 at chance in both seeds, lr 100 diverged in both; nothing can be selected.
    sweep = pd.read_csv(results / "sweeps/mlp_bad/summary.csv")
    assert sweep["point"].tolist() == ["lr~5", "lr~100"]
    assert sweep["n_chance"].tolist() == [2, 0] and sweep["n_diverged"].tolist() == [0, 2]
    assert sweep["selected"].dtype == bool and not sweep["selected"].any()
    page = (results / "exercises.html").read_text()
    assert "Validation accuracy: nothing selected." in page
    assert '<tr class="chance">' in page and '<tr class="diverged">' in page
    figure = (results / "sweeps/mlp_bad/figure.svg").read_text()
    assert 'id="chance-point-0"' in figure and 'id="diverged-point-1"' in figure


def test_adding_a_grid_value_trains_only_the_new_points_seeds(tiny_exercised, tmp_path):
    work = tmp_path / "workflow"
    shutil.copytree(tiny_exercised, work, symlinks=True)
    config = tiny.read_config(work)
    config["sweeps"]["mlp_lr"]["grid"]["lr"].append(0.2)
    tiny.write_config(work, config)
    plan = dry_run(work, "exercises")
    new = {Job("train_block0", "point=lr~0.2, sweep=mlp_lr")}  # its seeds in one block
    aggregates = {
        Job("sweep_summary", "sweep=mlp_lr"),
        Job("plot_sweep", "sweep=mlp_lr"),
        Job("exercises_report"),
        Job("exercises"),
    }
    assert set(plan) == new | aggregates
    # Written as 0.2 or 0.20 or 2e-1, one point: nothing more to do after it ran.
    tiny.snakemake(work, "exercises")
    config["sweeps"]["mlp_lr"]["grid"]["lr"][-1] = 2.0e-1
    tiny.write_config(work, config)
    assert dry_run(work, "exercises") == {}
    # A value taken out: its runs stay on disk, and the page says they are not from the config.
    config["sweeps"]["mlp_lr"]["grid"]["lr"].remove(0.05)
    tiny.write_config(work, config)
    tiny.snakemake(work, "exercises")
    page = (work / "results/exercises.html").read_text()
    assert "2 run folder(s) in results/sweeps/ are not read by any point" in page
    assert "<code>results/sweeps/mlp_lr/lr~0.05/seed1</code>" in page


def test_a_two_key_grid_is_drawn_as_a_heatmap(tiny_run, tmp_path):
    work = tmp_path / "workflow"
    shutil.copytree(tiny_run, work, symlinks=True)
    config = tiny.read_config(work)
    config["sweeps"] = {
        "width_lr": {
            "base": "mlp_concise",
            "grid": {"num_hiddens": [8, 16], "lr": [0.1, 0.2]},
            "validation": 200,
            "seeds": [0],
        }
    }
    tiny.write_config(work, config)
    tiny.snakemake(work, "exercises")
    summary = pd.read_csv(work / "results/sweeps/width_lr/summary.csv")
    assert summary["point"].tolist() == [
        "num_hiddens~8/lr~0.1",
        "num_hiddens~8/lr~0.2",
        "num_hiddens~16/lr~0.1",
        "num_hiddens~16/lr~0.2",
    ]
    assert (work / "results/sweeps/width_lr/num_hiddens~16/lr~0.2/seed0/metrics.csv").exists()
    assert summary["val_acc_ci_low"].isna().all()  # one seed: no interval
    svg = (work / "results/sweeps/width_lr/figure.svg").read_text()
    assert "<image" in svg  # imshow's raster: the heatmap


def test_snakemakes_own_report_shows_the_sweeps_labelled_with_their_points(tiny_exercised, tmp_path):
    target = tmp_path / "exercises-report.zip"
    tiny.snakemake(tiny_exercised, "--report", str(target), "exercises")
    with zipfile.ZipFile(target) as archive:
        names = archive.namelist()
        pages = "".join(
            archive.read(n).decode("utf-8", "replace") for n in names if n.endswith((".html", ".js"))
        )
    # Files are stored by a hash of their path: count a figure and a table per sweep.
    assert sum(n.endswith("/figure.svg") for n in names) == len(tiny.SWEEPS)
    assert sum(n.endswith("/summary.csv") for n in names) == len(tiny.SWEEPS)
    assert any(n.endswith("exercises.html") for n in names)
    assert "Exercises" in pages and "lr = 0.05; lr = 0.1" in pages  # the category and a sweep's label


def test_a_sweeps_seeds_rerun_its_points_and_summary_but_not_its_exact_fits(tiny_exercised, tmp_path):
    """The least-squares fits depend on the points and the data, not on the seeds the SGD runs use."""
    work = tmp_path / "workflow"
    shutil.copytree(tiny_exercised, work, symlinks=True)
    config = tiny.read_config(work)
    config["sweeps"]["poly_degree"]["seeds"] = [0, 1, 2]
    tiny.write_config(work, config)
    plan = dry_run(work, "exercises")
    assert Job("sweep_summary", "sweep=poly_degree") in plan
    # Its configured seeds are a block of their own now (other sweeps keep theirs): trained together.
    assert Job("train_block0_2", "point=num_features~1, sweep=poly_degree") in plan
    assert not any(job.rule == "sweep_closed_form" for job in plan)
