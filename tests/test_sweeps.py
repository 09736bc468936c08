"""Sweeps: expansion into points (paths, products, zipped points, canonical values, reuse of existing
runs), the checks of bad sweeps, and the summary's statistics and selection on hand-made runs."""

import dataclasses
import math
import re
from pathlib import Path

import pytest
import yaml
from handmade_runs import classifier_point, describe

import tiny
from mlplab.presentation.sweep_tables import sweep_summary
from mlplab.workflow import sweep_checks, sweeps
from mlplab.workflow.catalogue import KINDS, Family, parse_entry
from mlplab.workflow.config_checks import config_problems
from mlplab.workflow.named_objects import resolve

REPO = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((REPO / "schemas" / "config.schema.yaml").read_text())


def shipped_config() -> dict:
    return yaml.safe_load((REPO / "config.yaml").read_text())


def with_sweeps(**specs) -> dict:
    config = shipped_config()
    config["sweeps"] = specs
    return config


def test_shipped_sweeps_are_the_books_exercises():
    expanded = sweeps.expand_all(shipped_config())
    assert list(expanded) == ["mlp_width", "mlp_lr", "poly_degree", "wd_lambda", "dropout_rates", "init"]
    assert [p.path for p in expanded["mlp_lr"].points] == ["lr~0.01", "lr~0.03", "lr~0.1", "lr~0.3", "lr~1"]
    assert [p.values["num_hiddens"] for p in expanded["mlp_width"].points] == [
        16,
        32,
        64,
        128,
        256,
        512,
        1024,
    ]
    assert [p.values["num_features"] for p in expanded["poly_degree"].points] == list(range(1, 21))
    assert [p.path for p in expanded["dropout_rates"].points] == [
        "dropout~0-0",
        "dropout~0.2-0.5",
        "dropout~0.5-0.2",
        "dropout~0.5-0.5",
    ]
    assert [p.path for p in expanded["init"].points] == [
        "init~normal/init_std~0.01",
        "init~xavier_uniform/init_std~0.01",
        "init~normal/init_std~1",
    ]
    assert config_problems(shipped_config(), SCHEMA) == []


def test_a_grid_is_the_product_of_its_keys_with_one_folder_level_per_key():
    sweep = sweeps.expand_all(
        with_sweeps(g={"base": "mlp_concise", "grid": {"num_hiddens": [16, 32], "lr": [0.1, 1]}})
    )["g"]
    assert [p.path for p in sweep.points] == [
        "num_hiddens~16/lr~0.1",
        "num_hiddens~16/lr~1",
        "num_hiddens~32/lr~0.1",
        "num_hiddens~32/lr~1",
    ]
    entry = sweep.point("num_hiddens~32/lr~1").entry
    # The base entry with the swept values set, lr a float as its kind declares, and a validation set.
    assert entry == {
        **shipped_config()["experiments"]["mlp_concise"],
        "num_hiddens": 32,
        "lr": 1.0,
        "validation": sweeps.VALIDATION,
    }
    assert isinstance(entry["lr"], float)


def test_zipped_points_take_the_ith_value_of_each_key():
    spec = {"base": "mlp_concise", "points": {"lr": [0.1, 0.3], "num_hiddens": [64, 128]}, "seeds": [4]}
    sweep = sweeps.expand_all(with_sweeps(z=spec))["z"]
    assert [p.values for p in sweep.points] == [
        {"lr": 0.1, "num_hiddens": 64},
        {"lr": 0.3, "num_hiddens": 128},
    ]
    assert sweep.seeds == (4,) and not sweep.grid


@pytest.mark.parametrize(
    ("value", "text"),
    [(1, "1"), (1.0, "1"), (0.3, "0.3"), (1e-5, "1e-05"), ([0.2, 0.5], "0.2-0.5"), (True, "true")],
)
def test_values_are_written_canonically(value, text):
    assert sweeps.format_value(value) == text


def test_one_and_one_point_zero_are_one_point_and_rejected_as_a_duplicate():
    problems = config_problems(with_sweeps(d={"base": "mlp_concise", "grid": {"lr": [1, 1.0]}}), SCHEMA)
    assert problems == [
        "sweeps.d.grid: points 1 and 2 are the same point, lr~1 (values are compared as numbers: 1 and 1.0 "
        "are one value): keep one"
    ]


def test_a_regression_point_equal_to_a_catalogue_entry_reads_that_entrys_runs():
    sweep = sweeps.expand_all(with_sweeps(p={"base": "poly_normal", "grid": {"num_features": [4, 2, 5]}}))[
        "p"
    ]
    assert [(p.path, p.run, p.own) for p in sweep.points] == [
        ("num_features~4", "poly_normal", False),
        ("num_features~2", "poly_underfit", False),  # same lr, batch and epochs as poly_underfit
        ("num_features~5", "p/num_features~5", True),
    ]
    assert sweep.validation == 0 and sweep.baseline.path == "num_features~4" and not sweep.selects


def test_classifier_points_never_reuse_catalogue_runs_but_share_a_baseline_across_sweeps():
    expanded = sweeps.expand_all(shipped_config())
    width, lr, init = expanded["mlp_width"], expanded["mlp_lr"], expanded["init"]
    # Every point holds out a validation set: none is a catalogue entry's run.
    assert all(p.run.startswith(("mlp_width/", "init/")) for p in width.points)
    assert width.baseline.path == "num_hiddens~256"
    # The same setting, on the same split, is trained once, by the sweep whose name sorts first.
    assert lr.baseline.run == width.baseline.run == "init/init~normal/init_std~0.01"
    assert init.baseline.own and not width.baseline.own
    assert init.baseline.path == "init~normal/init_std~0.01"  # `init: normal` is the default


def test_reordering_the_sweeps_moves_no_run():
    config = shipped_config()
    runs = {name: [p.run for p in sweep.points] for name, sweep in sweeps.expand_all(config).items()}
    config["sweeps"] = dict(reversed(config["sweeps"].items()))
    config["experiments"] = dict(reversed(config["experiments"].items()))
    reordered = sweeps.expand_all(config)
    assert list(reordered) == list(config["sweeps"])  # in the config's order
    assert {name: [p.run for p in sweep.points] for name, sweep in reordered.items()} == runs


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            {"base": "mlp_concise", "grid": {"lr": [0.1], "lrr": [1.0]}},
            "sweeps.s.grid.lrr: the base entry 'mlp_concise' is of kind mlp_concise, which has no "
            "hyperparameter 'lrr'",
        ),
        ({"base": "mlp_concise", "grid": {"lr": []}}, "sweeps.s.grid.lr: [] should be non-empty"),
        ({"base": "mlp_concise", "grid": {}}, "sweeps.s.grid: {} should be non-empty"),
        ({"base": "nope", "grid": {"lr": [0.1]}}, "sweeps.s.base: 'nope' is not an entry of the catalogue"),
        (
            {"base": "poly_normal", "grid": {"wd": [1.0]}},
            "sweeps.s.grid.wd: the base entry 'poly_normal' is of kind polynomial, which has no "
            "hyperparameter 'wd'",
        ),
        (
            {"base": "mlp_concise", "grid": {"lr": [-1.0]}},
            "sweeps.s.grid.lr: point lr = -1: -1.0 is less than or equal to the minimum of 0",
        ),
        (
            {"base": "mlp_concise", "grid": {"lr": ["fast"]}},
            "sweeps.s.grid.lr: point lr = fast: 'fast' is not of type 'number'",
        ),
        (
            {"base": "mlp_concise", "points": {"lr": [0.1, 0.3], "num_hiddens": [8]}},
            "sweeps.s.points: zipped points need one value per point in every key, got lr: 2, num_hiddens: 1",
        ),
        ({"base": "mlp_concise"}, "sweeps.s: give either `grid` (every combination) or `points` (zipped)"),
        (
            {"base": "poly_normal", "grid": {"num_features": [2]}, "validation": 100},
            "sweeps.s.validation: 'poly_normal' is a regression",
        ),
        (
            {"base": "poly_normal", "grid": {"num_features": [30]}},
            "sweeps.s.grid.num_features: point num_features = 30: 30 exceeds data.polynomial.max_degree (20)",
        ),
        ({"base": "dropout_concise", "points": {"dropout": [[0.5]]}}, "sweeps.s.grid.dropout"),
        (
            {"base": "mlp_concise", "grid": {"lr": [0.1]}, "seedz": [1]},
            "sweeps.s: Additional properties are not allowed ('seedz'",
        ),
    ],
)
def test_bad_sweeps_are_rejected_naming_the_sweep_and_key(spec, message):
    problems = config_problems(with_sweeps(s=spec), SCHEMA)
    if message == "sweeps.s.grid.dropout":  # zipped: reported under points
        message = "sweeps.s.points.dropout: point dropout = 0.5: 1 probability for 2 hidden layers"
    assert any(p.startswith(message) for p in problems), problems


def test_a_validation_set_as_large_as_the_training_set_is_rejected_where_the_data_is_there(tmp_path):
    import gzip
    import struct

    from mlplab.workflow.config_checks import check_validation_sizes
    from mlplab.workflow.config_files import ConfigError

    labels = tmp_path / "train-labels-idx1-ubyte.gz"
    with gzip.open(labels, "wb") as f:
        f.write(struct.pack(">HBBI", 0, 8, 1, 1000) + bytes(1000))
    # 4,000 points, one validation set: one problem, the sweep's.
    grid = {"lr": [round(0.001 * i, 3) for i in range(1, 201)], "num_hiddens": list(range(1, 21))}
    config = with_sweeps(s={"base": "mlp_concise", "grid": grid, "validation": 1000})
    with pytest.raises(ConfigError) as caught:
        check_validation_sizes(config, labels)
    assert str(caught.value).splitlines()[1:] == [
        "  sweeps.s.validation: 1000 held out of a training set of 1000 examples leaves nothing to train on; "
        "hold out at most 999"
    ]
    config["sweeps"]["s"]["validation"] = 999
    check_validation_sizes(config, labels)  # fits
    check_validation_sizes(config, tmp_path / "not-fetched-yet.gz")  # not there: the job checks
    # The sweeps' default, and a base entry's own set (reported with the entry, not again per sweep).
    config["sweeps"]["s"].pop("validation")
    with pytest.raises(ConfigError, match=r"sweeps.s: 10000 held out \(the sweeps' default; set its "):
        check_validation_sizes(config, labels)
    config["experiments"]["mlp_concise"]["validation"] = 1000
    with pytest.raises(ConfigError) as caught:
        check_validation_sizes(config, labels)
    assert [line.split(":")[0] for line in str(caught.value).splitlines()[1:]] == [
        "  experiments.mlp_concise.validation"
    ]


# ---- Edge cases refused before anything runs, each named by its sweep and key ----


@pytest.mark.parametrize("block", ["grid", "points"])
def test_the_validation_set_cannot_be_swept(block):
    problems = config_problems(
        with_sweeps(s={"base": "mlp_concise", block: {"validation": [1000, 2000]}}), SCHEMA
    )
    assert problems == [
        f"sweeps.s.{block}.validation: cannot be swept: each point would select on, and be measured on, a "
        "validation set of its own while the sweep's page states one size for all; set the sweep's "
        "`validation` (one size for every point) instead"
    ]


def with_held_out_base(**specs) -> dict:
    """The shipped config with an entry that holds out its own validation set, and `specs` as sweeps."""
    config = with_sweeps(**specs)
    config["experiments"]["mlp_held_out"] = {**config["experiments"]["mlp_concise"], "validation": 2000}
    return config


def test_a_base_entrys_own_validation_set_is_kept():
    config = with_held_out_base(s={"base": "mlp_held_out", "grid": {"lr": [0.1, 0.3]}})
    assert config_problems(config, SCHEMA) == []
    sweep = sweeps.expand_all(config)["s"]
    assert sweep.validation == 2000 and {p.entry["validation"] for p in sweep.points} == {2000}
    # The baseline is the entry itself on its own split: its runs are read, not trained again.
    assert (sweep.baseline.path, sweep.baseline.run, sweep.baseline.own) == ("lr~0.1", "mlp_held_out", False)
    # A sweep that says the same size agrees with it; a base without one gets the sweeps' default.
    config["sweeps"]["s"]["validation"] = 2000
    assert config_problems(config, SCHEMA) == []
    default = sweeps.expand_all(with_sweeps(t={"base": "mlp_concise", "grid": {"lr": [0.1]}}))["t"]
    assert default.validation == sweeps.VALIDATION


def test_a_sweeps_validation_set_that_contradicts_its_base_is_refused_naming_both():
    config = with_held_out_base(s={"base": "mlp_held_out", "grid": {"lr": [0.1]}, "validation": 5000})
    assert config_problems(config, SCHEMA) == [
        "sweeps.s.validation: 5000 conflicts with the base entry's own validation set "
        "(experiments.mlp_held_out.validation: 2000): every point is the base entry with the swept values "
        "set, so give one size (drop the sweep's `validation`, or make the two equal)"
    ]


def test_points_that_train_identically_are_refused_naming_both():
    spec = {
        "base": "mlp_concise",
        "points": {"init": ["normal", "xavier_uniform", "xavier_uniform"], "init_std": [0.01, 0.01, 1.0]},
    }
    assert config_problems(with_sweeps(s=spec), SCHEMA) == [
        "sweeps.s.points: points init~xavier_uniform/init_std~0.01 and init~xavier_uniform/init_std~1 train "
        "identically (init_std is unused with init: xavier_uniform): keep one"
    ]
    # In a grid, every such pair is one problem of the sweep.
    grid = {"base": "mlp_concise", "grid": {"init": ["xavier_uniform"], "init_std": [0.01, 0.1, 1.0]}}
    assert config_problems(with_sweeps(g=grid), SCHEMA) == [
        "sweeps.g.grid: points init~xavier_uniform/init_std~0.01 and init~xavier_uniform/init_std~0.1 train "
        "identically (init_std is unused with init: xavier_uniform): keep one; so do 1 more pair of its "
        "points"
    ]


def test_what_an_entry_trains_leaves_out_what_its_other_values_leave_unused():
    normal = shipped_config()["experiments"]["mlp_concise"]
    xavier = {**normal, "init": "xavier_uniform"}
    assert sweeps.setting(xavier) == sweeps.setting({**xavier, "init_std": 1.0})
    assert "init_std" not in sweeps.setting(xavier)
    assert sweeps.setting(normal) != sweeps.setting({**normal, "init_std": 1.0})


CLASSIFIER_ENTRIES = {
    entry["kind"]: entry
    for entry in shipped_config()["experiments"].values()
    if KINDS[entry["kind"]].family == Family.CLASSIFIER
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(CLASSIFIER_ENTRIES))
def test_a_field_declared_unused_is_not_read_by_the_model(kind):
    """What `unused_when` declares (chapter/hyperparameters.py) is what the model code does: two configs
    that differ only in such a field build the same initial weights from the same seed."""
    torch = pytest.importorskip("torch")
    config_type = KINDS[kind].config
    declared = [f for f in dataclasses.fields(config_type) if f.metadata["unused_when"]]
    assert declared
    for field in declared:
        entry = {**CLASSIFIER_ENTRIES[kind], **{k: v[0] for k, v in field.metadata["unused_when"].items()}}
        weights = []
        for value in (entry[field.name], entry[field.name] * 100):
            torch.manual_seed(0)
            net = resolve(KINDS[kind].model)(parse_entry({**entry, field.name: value}))
            weights.append(net.state_dict())
        assert weights[0].keys() == weights[1].keys()
        assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0]), (kind, field.name)


def test_a_problem_that_thousands_of_points_share_is_reported_once():
    lrs = [-1.0, *(round(0.001 * i, 3) for i in range(1, 200))]
    grid = {"base": "mlp_concise", "grid": {"lr": lrs, "num_hiddens": list(range(1, 21))}}  # 4,000 points
    assert config_problems(with_sweeps(s=grid), SCHEMA) == [
        "sweeps.s.grid.lr: every point with lr = -1 (20 points): -1.0 is less than or equal to the minimum "
        "of 0"
    ]
    poly = {"base": "poly_normal", "grid": {"num_features": [4, 30], "lr": lrs[1:]}}
    assert config_problems(with_sweeps(p=poly), SCHEMA) == [
        "sweeps.p.grid.num_features: 199 points, e.g. num_features = 30, lr = 0.001: 30 exceeds "
        "data.polynomial.max_degree (20): the polynomial data has 20 features x^i/i! (i < 20)"
    ]


def test_a_large_sweep_says_how_many_jobs_it_schedules_and_what_they_may_cost():
    lrs = [round(0.001 * i, 3) for i in range(1, 201)]
    big = {"base": "mlp_concise", "grid": {"lr": lrs, "num_hiddens": list(range(1, 21))}, "seeds": [0]}
    sweep = sweeps.expand_all(with_sweeps(big=big))["big"]
    line = sweep_checks.cost_line(sweep)
    # 4,000 jobs × (2.5 s to start + 10 epochs × 0.75 s) = 40,000 s.
    assert line == (
        "sweep big: 4,000 points × 1 seed = 4,000 training jobs, about 11.1 h of job time (an estimate: "
        "2.5 s to start a job and 0.75 s per classifier epoch on one core; divide by the cores or jobs "
        "that run at once)"
    )
    assert all(sweep_checks.cost_line(s) is None for s in sweeps.expand_all(shipped_config()).values())


def test_a_points_folder_is_matched_by_its_form_and_an_unknown_one_is_named():
    pattern = re.compile(sweeps.point_pattern())
    expanded = sweeps.expand_all(shipped_config())
    assert all(pattern.fullmatch(p.path) for sweep in expanded.values() for p in sweep.points)
    for other in ("seed0", "lr~0.1/seed0", "lrr~0.1", "lr~0.1/"):
        assert not pattern.fullmatch(other), other
    with pytest.raises(KeyError, match="'lr~0.77' is not a point of sweep mlp_lr"):
        expanded["mlp_lr"].point("lr~0.77")


@pytest.mark.snakemake
def test_sweep_edge_cases_stop_a_dry_run_once_each_and_a_large_grid_states_its_cost(tiny_workdir):
    config = tiny.read_config(tiny_workdir)
    experiments = config["experiments"]
    experiments["mlp_held_out"] = {**experiments["mlp_concise"], "validation": 300}
    config["sweeps"].update(
        swept={"base": "mlp_concise", "grid": {"validation": [100, 200], "lr": [0.1, 0.2, 0.3]}},
        conflict={"base": "mlp_held_out", "grid": {"lr": [0.1]}, "validation": 200},
        same={"base": "mlp_concise", "grid": {"init": ["xavier_uniform"], "init_std": [0.01, 1.0]}},
    )
    tiny.write_config(tiny_workdir, config)
    proc = tiny.snakemake(tiny_workdir, "-n", "exercises", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    for message in (
        "sweeps.swept.grid.validation: cannot be swept",
        "sweeps.conflict.validation: 200 conflicts with the base entry's own validation set "
        "(experiments.mlp_held_out.validation: 300)",
        "sweeps.same.grid: points init~xavier_uniform/init_std~0.01 and init~xavier_uniform/init_std~1 train "
        "identically (init_std is unused with init: xavier_uniform)",
    ):
        assert out.count(message) == 1, out

    # A sound grid of 160 points at the tiny config's 2 seeds, one of them the base entry itself (its runs
    # are read): one line before the plan.
    for name in ("swept", "conflict", "same"):
        del config["sweeps"][name]
    lrs = [round(0.001 * i, 3) for i in range(1, 161)]
    assert experiments["mlp_held_out"]["lr"] in lrs
    config["sweeps"]["big"] = {"base": "mlp_held_out", "grid": {"lr": lrs}}
    tiny.write_config(tiny_workdir, config)
    out = tiny.snakemake(tiny_workdir, "-n", "exercises").stderr
    assert out.count("sweep big: ") == 1, out
    assert "sweep big: 159 points × 2 seeds = 318 training jobs, about " in out and "an estimate" in out


# ---- The summary, on runs written by hand ----


def test_summary_means_intervals_paired_differences_and_selection_by_hand(tmp_path):
    points = [
        classifier_point(tmp_path, "a", 0.1, val=[0.80, 0.82, 0.84], test=[0.70, 0.72, 0.74]),
        classifier_point(tmp_path, "b", 0.3, val=[0.81, 0.84, 0.87], test=[0.71, 0.74, 0.77]),
        classifier_point(tmp_path, "c", 1.0, val=[0.95, 0.10, 0.99], test=[0.99, 0.99, 0.99], diverged=[1]),
    ]
    summary = sweep_summary(*describe(points)).set_index("point")
    t975_2 = 4.302652729911275  # Student t, 97.5 % quantile, 2 degrees of freedom
    a = summary.loc["lr~0.1"]
    assert a["val_acc_mean"] == pytest.approx(0.82)
    assert a["val_acc_ci_low"] == pytest.approx(0.82 - t975_2 * 0.02 / math.sqrt(3))
    assert a["val_acc_ci_high"] == pytest.approx(0.82 + t975_2 * 0.02 / math.sqrt(3))
    # b − a per seed: 0.01, 0.02, 0.03 → mean 0.02, sd 0.01.
    b = summary.loc["lr~0.3"]
    assert b["test_acc_diff_mean"] == pytest.approx(0.02)
    assert b["test_acc_diff_ci_low"] == pytest.approx(0.02 - t975_2 * 0.01 / math.sqrt(3))
    assert b["test_acc_diff_verdict"] == "includes 0"  # 0.02 ± 0.0248
    # The diverged seed is left out: two seeds, and the pairs are over seeds 0 and 2 only.
    c = summary.loc["lr~1"]
    assert (c["n_seeds"], c["n_completed"], c["n_diverged"], c["val_acc_diff_n"]) == (3, 2, 1, 2)
    assert c["val_acc_mean"] == pytest.approx(0.97)
    # Selected on validation accuracy (0.97 beats 0.84), whatever the test accuracy says; exactly one.
    assert summary["selected"].tolist() == [False, False, True]
    assert a["baseline"] and not b["baseline"]


def test_a_sweep_without_its_baseline_point_has_no_paired_differences(tmp_path):
    points = [classifier_point(tmp_path, "a", 0.1, val=[0.8, 0.9], test=[0.7, 0.8])]
    summary = sweep_summary(*describe(points, baseline=0.5))
    assert summary["selected"].tolist() == [True] and "test_acc_diff_mean" not in summary
    assert math.isnan(summary.loc[0, "val_acc_ci_low"]) is False  # two seeds: an interval
    one = sweep_summary(*describe([classifier_point(tmp_path / "one", "a", 0.1, val=[0.8], test=[0.7])]))
    assert math.isnan(one.loc[0, "val_acc_ci_low"]) and one.loc[0, "val_acc_mean"] == pytest.approx(0.8)


def test_runs_no_point_or_entry_makes_are_listed_as_orphaned(tmp_path):
    config = with_sweeps(p={"base": "poly_normal", "grid": {"num_features": [4, 5]}, "seeds": [0, 7]})
    produced = sweeps.produced_runs(config)
    # A reused catalogue entry at the sweep's own seed 7 is made by the sweep: not an orphan of the report.
    assert {"runs/poly_normal/seed7", "sweeps/p/num_features~5/seed7", "runs/mlp_concise/seed2"} <= produced
    results = tmp_path / "results"
    for folder in ("runs/poly_normal/seed7", "runs/gone/seed0", "sweeps/p/num_features~5/seed0",
                   "sweeps/p/num_features~6/seed0", "sweeps/old/lr~1/seed1"):  # fmt: skip
        (results / folder).mkdir(parents=True)
    assert sweeps.orphaned_runs(results, produced, "runs") == ["results/runs/gone/seed0"]
    assert sweeps.orphaned_runs(results, produced, "sweeps") == [
        "results/sweeps/old/lr~1/seed1",
        "results/sweeps/p/num_features~6/seed0",
    ]


def test_the_baseline_is_not_compared_with_itself_and_differences_stay_in_their_range(tmp_path):
    points = [
        classifier_point(tmp_path, "a", 0.1, val=[0.90, 0.90, 0.91], test=[0.80, 0.80, 0.81]),
        classifier_point(tmp_path, "b", 1.0, val=[0.10, 0.90, 0.10], test=[0.10, 0.80, 0.10]),
    ]
    summary = sweep_summary(*describe(points)).set_index("point")
    baseline, wild = summary.loc["lr~0.1"], summary.loc["lr~1"]
    assert baseline["val_acc_diff_verdict"] == "the baseline" and math.isnan(baseline["val_acc_diff_mean"])
    # -0.53 ± 1.15 by the t-interval: an accuracy difference cannot fall below -1.
    assert (wild["val_acc_diff_ci_low"], bool(wild["val_acc_diff_ci_clipped"])) == (-1.0, True)
    assert wild["val_acc_diff_ci_high"] < 1
