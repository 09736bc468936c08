"""Aggregation of hand-written runs: the long epoch table, per-run rows, means and deviations over seeds."""

import math

import pandas as pd
import pytest
from handmade_runs import MLP, POLY, classifier_rows, write_run

from mlplab.presentation import stats, tables
from mlplab.workflow.run_record import run_folders


@pytest.fixture
def runs(tmp_path):
    """Three seeds of a classifier (test accuracy 0.80, 0.82, 0.84) and two of a polynomial fit."""
    folders = [
        write_run(tmp_path, "mlp", MLP, seed, classifier_rows(acc, loss))
        for seed, acc, loss in ((0, 0.80, 0.30), (1, 0.82, 0.40), (2, 0.84, 0.50))
    ]
    for seed, (loss, w) in enumerate(((0.010, [4.9, 1.1]), (0.030, [5.1, 1.3]))):
        rows = [
            {"epoch": 1, "train_loss": 1.0, "test_loss": 2.0},
            {"epoch": 2, "train_loss": loss, "test_loss": loss},
        ]
        weights = {"learned": w, "true": [5.0, 1.2, -3.4, 5.6]}
        folders.append(write_run(tmp_path, "poly", POLY, seed, rows, weights=weights))
    return folders


def test_epochs_table_is_long_with_every_metric(runs):
    epochs = tables.load_runs(runs).epochs
    assert list(epochs.columns) == [
        "experiment",
        "kind",
        "seed",
        "epoch",
        "train_loss",
        "train_acc",
        "test_loss",
        "test_acc",
    ]
    assert len(epochs) == 5 * 2  # five runs of two epochs
    assert epochs.groupby("experiment")["seed"].nunique().to_dict() == {"mlp": 3, "poly": 2}
    # Regressions have no accuracy: missing, not zero.
    assert epochs.loc[epochs["experiment"] == "poly", "train_acc"].isna().all()


def test_summary_means_and_sample_deviations(runs):
    summary = tables.summary_table(tables.load_runs(runs).runs).set_index("experiment")
    assert list(summary.index) == ["mlp", "poly"]  # the runs' order, i.e. the catalogue's
    mlp = summary.loc["mlp"]
    assert mlp["kind"] == "mlp_scratch" and mlp["status"] == "ok"
    assert mlp["n_seeds"] == 3 and mlp["n_diverged"] == 0 and mlp["epochs"] == 2
    assert mlp["test_acc_mean"] == pytest.approx(0.82)
    assert mlp["test_acc_sd"] == pytest.approx(0.02)  # sample sd of 0.80, 0.82, 0.84
    assert mlp["train_loss_mean"] == pytest.approx(0.40)
    assert mlp["train_loss_sd"] == pytest.approx(0.10)
    assert mlp["wall_time_s_total"] == pytest.approx(2 + 3 + 4)
    poly = summary.loc["poly"]
    assert poly["test_loss_mean"] == pytest.approx(0.02)
    assert poly["test_loss_sd"] == pytest.approx(math.sqrt(2) * 0.01)
    assert math.isnan(poly["test_acc_mean"])


def test_summary_intervals_are_those_of_the_per_seed_finals(runs):
    """`<metric>_ci_low/high` are stats.mean_ci of the completed seeds' final values, clipped to what the
    metric can be: for test accuracy 0.80, 0.82, 0.84 that is 0.82 ± t(0.975, 2) · 0.02/√3 =
    [0.7703, 0.8697]; the polynomial's test loss of 0.01 and 0.03, 0.02 ± 12.71 · 0.01, reaches below 0
    and is clipped there, with `test_loss_ci_clipped` saying so."""
    table = tables.load_runs(runs).runs
    summary = tables.summary_table(table).set_index("experiment")
    for name, group in table.groupby("experiment"):
        for metric in ("train_loss", "test_loss", "test_acc"):
            if group[metric].isna().all():
                continue
            e = stats.mean_ci(group[metric].tolist())
            row = summary.loc[name]
            assert row[f"{metric}_ci_low"] == pytest.approx(max(e.low, 0.0))
            assert row[f"{metric}_ci_high"] == pytest.approx(e.high)
            assert row[f"{metric}_ci_clipped"] == (e.low < 0)
    assert summary.loc["poly", "test_loss_ci_low"] == 0.0 and summary.loc["poly", "test_loss_ci_clipped"]
    assert not summary.loc["mlp", "test_acc_ci_clipped"]
    mlp = summary.loc["mlp"]
    assert mlp["test_acc_ci_low"] == pytest.approx(0.7703, abs=1e-4)
    assert mlp["test_acc_ci_high"] == pytest.approx(0.8697, abs=1e-4)
    assert summary["n_completed"].to_dict() == {"mlp": 3, "poly": 2}
    # The columns sit beside the mean and sd they belong to.
    columns = list(summary.columns)
    start = columns.index("test_acc_mean")
    assert columns[start : start + 4] == [f"test_acc_{stat}" for stat in ("mean", "sd", "ci_low", "ci_high")]


def test_a_diverged_seed_is_counted_but_left_out_of_the_means(tmp_path):
    folders = [write_run(tmp_path, "mlp", MLP, s, classifier_rows(0.8 + s / 100, 0.3)) for s in (0, 1)]
    folders.append(write_run(tmp_path, "mlp", MLP, 2, classifier_rows(0.1, 0.3)[:1], status="diverged"))
    row = tables.summary_table(tables.load_runs(folders).runs).iloc[0]
    assert row["status"] == "diverged" and row["n_seeds"] == 3 and row["n_diverged"] == 1
    assert row["n_completed"] == 2
    assert row["test_acc_mean"] == pytest.approx(0.805)
    # Two completed seeds, 0.80 and 0.81: 0.805 ± t(0.975, 1) · 0.005 = 0.805 ± 12.7062 · 0.005.
    assert row["test_acc_ci_low"] == pytest.approx(0.805 - 12.706204736 * 0.005)
    assert row["test_acc_ci_high"] == pytest.approx(0.805 + 12.706204736 * 0.005)


def test_a_single_seed_has_no_deviation_and_no_interval(tmp_path):
    folder = write_run(tmp_path, "mlp", MLP, 0, classifier_rows(0.8, 0.3))
    row = tables.summary_table(tables.load_runs([folder]).runs).iloc[0]
    assert row["test_acc_mean"] == pytest.approx(0.8) and math.isnan(row["test_acc_sd"])
    assert math.isnan(row["test_acc_ci_low"]) and math.isnan(row["test_acc_ci_high"])
    assert row["n_completed"] == 1


def test_polynomial_weights_beside_the_true_ones(runs):
    weights = tables.load_runs(runs).weights
    assert len(weights) == 2 * 2 and set(weights["experiment"]) == {"poly"}
    assert weights["true"].tolist() == [5.0, 1.2, 5.0, 1.2]  # the true weights the model could learn
    mean = tables.mean_weights(weights).set_index("coefficient")
    assert mean.loc[0, "mean"] == pytest.approx(5.0) and mean.loc[1, "max"] == pytest.approx(1.3)
    # w[0] of the two seeds, 4.9 and 5.1: 5.0 ± t(0.975, 1) · 0.1.
    assert mean.loc[0, "n"] == 2
    assert (mean.loc[0, "ci_low"], mean.loc[0, "ci_high"]) == (
        pytest.approx(5.0 - 12.706204736 * 0.1),
        pytest.approx(5.0 + 12.706204736 * 0.1),
    )


def test_run_folders_pairs_files_by_folder(runs):
    files = [f for folder in runs for f in (folder / "metrics.csv", folder / "run.json")]
    assert run_folders(files) == runs


def test_write_tables_round_trips_through_csv(runs, tmp_path):
    paths = {name: tmp_path / f"{name}.csv" for name in ("epochs", "runs", "summary", "weights")}
    summary = tables.write_tables(
        tables.load_runs(runs),
        epochs_path=paths["epochs"],
        runs_path=paths["runs"],
        summary_path=paths["summary"],
        weights_path=paths["weights"],
    )
    again = pd.read_csv(paths["summary"])
    assert again["test_acc_mean"].iloc[0] == pytest.approx(summary["test_acc_mean"].iloc[0])
    # Hyperparameters are ordinary columns, a list joined by "-".
    assert again.loc[0, ["lr", "num_hiddens", "relu_output"]].tolist() == [0.1, 256, False]
    runs = pd.read_csv(paths["runs"])
    assert (
        len(runs) == 5 and runs["git_commit"].eq("abc123").all() and runs["version_torch"].eq("2.14.1").all()
    )


def test_lists_and_departures_become_plain_columns(tmp_path):
    dropout = {
        "kind": "dropout_scratch",
        "num_hiddens": [256, 256],
        "dropout": [0.2, 0.5],
        "init_std": 0.01,
        "lr": 0.3,
        "batch_size": 256,
        "epochs": 2,
    }
    ablation = {**MLP, "relu_output": True}
    folders = [
        write_run(tmp_path, "d", dropout, 0, classifier_rows(0.8, 0.3)),
        write_run(tmp_path, "a", ablation, 0, classifier_rows(0.5, 0.9)),
    ]
    runs = tables.load_runs(folders).runs.set_index("experiment")
    assert runs.loc["d", ["num_hiddens", "dropout", "departures"]].tolist() == ["256-256", "0.2-0.5", ""]
    assert runs.loc["a", "departures"] == "ablation: ReLU on logits"


def test_the_gpu_a_run_used_is_a_column(tmp_path):
    gpu = {"name": "NVIDIA H200", "memory_gb": 139.8, "cuda": "13.0", "driver": "580.1"}
    folders = [
        write_run(tmp_path, "mlp", MLP, 0, classifier_rows(0.8, 0.3), device="cuda:0", gpu=gpu),
        write_run(tmp_path, "poly", POLY, 0, classifier_rows(0.8, 0.3)[:1]),
    ]
    runs = tables.load_runs(folders).runs.set_index("experiment")
    assert runs.loc["mlp", "gpu"] == "NVIDIA H200, 139.8 GiB, CUDA 13.0, driver 580.1"
    assert pd.isna(runs.loc["poly", "gpu"])


# ---- Chance level and bounded intervals ----


def test_a_run_at_chance_is_ok_but_flagged_with_its_reason(tmp_path):
    """Final test accuracy 0.11 is within 0.05 of 1/10 (`catalogue.chance_level`): the run completed, so
    its status stays ok and it is in the means, but runs.csv says why it is at chance and summary.csv
    counts it."""
    folders = [
        write_run(tmp_path, "mlp", MLP, 0, classifier_rows(0.11, 2.3)),
        write_run(tmp_path, "mlp", MLP, 1, classifier_rows(0.80, 0.3)),
        write_run(tmp_path, "sound", MLP, 0, classifier_rows(0.80, 0.3)),
    ]
    paths = {name: tmp_path / f"{name}.csv" for name in ("epochs", "runs", "summary", "weights")}
    tables.write_tables(tables.load_runs(folders), **{f"{name}_path": p for name, p in paths.items()})
    runs = pd.read_csv(paths["runs"]).set_index(["experiment", "seed"])
    assert runs.loc[("mlp", 0), "status"] == "ok"
    assert runs.loc[("mlp", 0), "chance"] == "test accuracy 0.110 is within 0.05 of chance (1/10)"
    assert runs["chance"].isna().sum() == 2  # empty where not at chance
    assert tables.at_chance(runs.reset_index()).tolist() == [True, False, False]
    summary = pd.read_csv(paths["summary"]).set_index("experiment")
    assert summary.loc["mlp", "status"] == "ok" and summary.loc["mlp", "n_chance"] == 1
    assert summary.loc["sound", "n_chance"] == 0
    assert summary.loc["mlp", "test_acc_mean"] == pytest.approx(0.455)  # completed: in the mean


def test_an_accuracy_interval_is_clipped_to_0_and_1_and_marked(tmp_path):
    """Three seeds at 0.10, 0.20 and 0.95: 0.42 ± t(0.975, 2) · 0.465/√3 is [−0.73, 1.57] unclipped."""
    folders = [
        write_run(tmp_path, "mlp", MLP, seed, classifier_rows(acc, 0.3))
        for seed, acc in enumerate((0.10, 0.20, 0.95))
    ]
    row = tables.summary_table(tables.load_runs(folders).runs).iloc[0]
    assert (row["test_acc_ci_low"], row["test_acc_ci_high"]) == (0.0, 1.0)
    assert row["test_acc_ci_clipped"] and not row["train_loss_ci_clipped"]
    e = stats.mean_ci([0.10, 0.20, 0.95])
    assert e.low < 0 and e.high > 1 and not e.clipped
    clipped = e.within("test_acc")
    assert (clipped.low, clipped.high, clipped.clipped) == (0.0, 1.0, True)
    # A difference (the generalisation gap) and a learned weight have no range: left as they are.
    assert e.within("gap") == e and stats.metric_range("gap") == (-math.inf, math.inf)
    assert stats.metric_range("w_norm") == (0.0, math.inf) and stats.metric_range("val_acc") == (0.0, 1.0)
