"""mlplab.compare.verdicts: verdicts on hand-written results folders (identical, config changed, diverged,
only in A or B, changed against within noise), the equivalence margins, paired against Welch, and Holm."""

import math
import re
import shutil

import pytest
from compare_runs import (
    MLP,
    POLY,
    acc,
    comparison,
    run_compare,
    verdicts,
    write_entry,
    write_run,
)

from mlplab.presentation.margins import Margin, margin_of


def test_a_copy_is_identical_and_passes(before, tmp_path, capsys):
    shutil.copytree(before, tmp_path / "after")
    assert run_compare(before, tmp_path / "after", "--fail-on-change", "--wide") == 0
    out = capsys.readouterr().out
    assert set(verdicts(before, tmp_path / "after").values()) == {"identical"}
    assert "Verdicts: 4 identical." in out
    assert re.search(r"^mlp\s+test_acc\s+0\.810 \[0\.785, 0\.835\], n = 3\s", out, re.MULTILINE)
    assert "Provenance differences (per run, for the runs both sides have):\n  none" in out


def test_a_changed_lr_is_named_without_statistics(before, tmp_path, capsys):
    after = tmp_path / "after"
    config = {**MLP, "lr": 0.3, "momentum": 0.9}
    del config["batch_size"]
    write_entry(after, "runs/mlp", acc([0.80, 0.81, 0.82]), config=config)
    shutil.copytree(before / "runs/poly", after / "runs/poly")
    assert verdicts(before, after) == {
        ("mlp", "train_loss"): "config changed",
        ("mlp", "test_acc"): "config changed",
        ("poly", "train_loss"): "identical",
        ("poly", "test_loss"): "identical",
    }
    assert run_compare(before, after, "--fail-on-change") == 1
    captured = capsys.readouterr()
    assert "mlp: removed batch_size (was 256); lr 0.1 → 0.3; added momentum = 0.9" in captured.out
    assert "failing on change: 2 config changed" in captured.err
    assert run_compare(before, after) == 0  # without --fail-on-change


def test_a_diverged_run_is_flagged(before, tmp_path):
    after = tmp_path / "after"
    shutil.copytree(before / "runs/poly", after / "runs/poly")
    write_entry(after, "runs/mlp", acc([0.80, 0.81]))
    write_run(after, "runs/mlp", 2, {"train_loss": math.nan, "test_acc": 0.1}, MLP, status="diverged")
    c = comparison(before, after)
    assert {row.verdict for row in c.rows if row.entry == "runs/mlp"} == {"diverged"}
    assert c.entries[0].diverged == ["B seed2 at epoch 2"]
    assert run_compare(before, after, "--fail-on-change") == 1


def test_entries_only_on_one_side(before, tmp_path):
    after = tmp_path / "after"
    shutil.copytree(before / "runs/poly", after / "runs/poly")
    write_entry(after, "sweeps/mlp_lr/lr~0.3", acc([0.7, 0.71]))
    v = verdicts(before, after)
    assert v[("mlp", "test_acc")] == "only in A"
    assert v[("sweeps/mlp_lr/lr~0.3", "test_acc")] == "only in B"
    assert v[("poly", "test_loss")] == "identical"
    assert run_compare(before, after, "--fail-on-change") == 1


def test_a_clear_difference_is_changed_and_noise_is_not(before, tmp_path, capsys):
    after = tmp_path / "after"
    shutil.copytree(before / "runs/poly", after / "runs/poly")
    write_entry(after, "runs/mlp", acc([0.85, 0.862, 0.868]))  # +0.05 on every seed, give or take
    c = comparison(before, after)
    row = next(r for r in c.rows if r.metric == "test_acc")
    assert row.verdict == "changed" and row.test.test == "paired t" and row.p_holm < 0.05
    assert row.test.difference == pytest.approx(0.05, abs=1e-9)
    assert next(r for r in c.rows if r.metric == "train_loss").verdict == "within noise"  # the same on both
    assert run_compare(before, after, "--fail-on-change") == 1
    out = capsys.readouterr().out
    assert "paired t-test where both sides completed the same seeds" in out
    assert "test_acc 0.005 absolute" in out and "train_loss 5 % of A's mean" in out
    assert "with 3 seeds a difference in test_acc below" in out

    noise = tmp_path / "noise"
    shutil.copytree(before / "runs/poly", noise / "runs/poly")
    write_entry(noise, "runs/mlp", acc([0.81, 0.80, 0.822]))  # differences +0.01, −0.01, +0.002
    assert verdicts(before, noise)[("mlp", "test_acc")] == "within noise"


def test_a_significant_difference_inside_the_margin_is_within_noise(before, tmp_path):
    after = tmp_path / "after"
    write_entry(after, "runs/mlp", acc([0.801, 0.8112, 0.8211]))  # +0.001 to +0.0012: tiny, but consistent
    row = next(r for r in comparison(before, after).rows if r.metric == "test_acc")
    assert row.p_holm < 0.05 and abs(row.test.difference) < 0.005
    assert row.verdict == "within noise"
    # A margin asked for on the command line decides instead.
    strict = comparison(before, after, margins={"test_acc": Margin(0.0005, relative=False)})
    assert next(r for r in strict.rows if r.metric == "test_acc").verdict == "changed"


def test_the_default_margins_are_the_reports(before, tmp_path):
    """Accuracies half an accuracy point; losses and ‖w‖ 5 % of A's mean (mlplab.presentation.margins)."""
    assert margin_of("train_acc") == Margin(0.005, relative=False)
    assert margin_of("w_norm").of(-4.0) == pytest.approx(0.2)
    assert margin_of("test_loss").describe("A's mean") == "5 % of A's mean"
    shutil.copytree(before, tmp_path / "after")
    c = comparison(before, tmp_path / "after")
    assert c.margins == {"train_loss": margin_of("train_loss"), "test_acc": margin_of("test_acc"),
                         "test_loss": margin_of("test_loss")}  # fmt: skip
    assert c.overrides == set()


def test_other_seeds_are_compared_with_welch(before, tmp_path):
    after = tmp_path / "after"
    write_entry(after, "runs/mlp", acc([0.90, 0.91, 0.92]), seeds=[3, 4, 5])
    row = next(r for r in comparison(before, after).rows if r.metric == "test_acc")
    assert row.test.test == "Welch t" and row.verdict == "changed"


def test_one_seed_is_not_tested_and_a_new_metric_is_only_in_b(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    write_entry(a, "runs/mlp", acc([0.80]))
    write_entry(b, "runs/mlp", [{"train_loss": 0.4, "test_acc": 0.9, "test_loss": 0.5}])
    c = comparison(a, b)
    assert {row.metric: row.verdict for row in c.rows} == {
        "train_loss": "not tested",
        "test_acc": "not tested",
        "test_loss": "only in B",
    }
    assert c.tests == 0 and all(row.p_holm is None for row in c.rows)
    assert run_compare(a, b, "--fail-on-change", "--wide") == 1
    captured = capsys.readouterr()
    assert re.search(
        r"^mlp\s+test_acc\s+0\.800, n = 1\s+0\.900, n = 1\s.*not tested \(n = 1\)$", captured.out, re.M
    )
    assert "mlp test_acc: fewer than 2 completed seeds on a side (A 1, B 1): no test" in captured.out
    assert "no comparison reached the test" in captured.out
    assert "failing on change: 2 not tested, 1 only in B" in captured.err


def test_one_seed_byte_identical_is_identical_and_passes(tmp_path, capsys):
    """n = 1 tests nothing, but the same metrics.csv on both sides is the same result."""
    a = tmp_path / "a"
    write_entry(a, "runs/mlp", acc([0.80]))
    shutil.copytree(a, tmp_path / "b")
    assert set(verdicts(a, tmp_path / "b").values()) == {"identical"}
    assert run_compare(a, tmp_path / "b", "--fail-on-change") == 0


def test_seed_sets_that_differ_are_named_and_fail_unless_allowed(before, tmp_path, capsys):
    """3 seeds against 5: Welch's test over all of them, said; a change unless --allow-seed-difference."""
    after = tmp_path / "after"
    shutil.copytree(before / "runs/poly", after / "runs/poly")
    write_entry(after, "runs/mlp", acc([0.80, 0.81, 0.82, 0.805, 0.815]))
    assert verdicts(before, after)[("mlp", "test_acc")] == "within noise"
    assert run_compare(before, after, "--fail-on-change") == 1
    captured = capsys.readouterr()
    named = (
        "mlp: seeds 3, 4 only in B; tested with a Welch's t-test, no seed paired "
        "(A seeds 0, 1, 2; B seeds 0, 1, 2, 3, 4)"
    )
    assert named in captured.out
    assert re.search(r"^mlp\s+test_acc\s.*within noise; seeds differ$", captured.out, re.M)
    assert "failing on change: 1 entry whose seeds differ" in captured.err
    assert run_compare(before, after, "--fail-on-change", "--allow-seed-difference") == 0
    out = capsys.readouterr().out
    assert "mlp: seeds 3, 4 only in B (allowed by --allow-seed-difference); tested with a Welch's" in out


def test_a_deleted_seed_is_named_and_the_test_says_what_it_compared(before, tmp_path, capsys):
    after = tmp_path / "after"
    shutil.copytree(before, after)
    shutil.rmtree(after / "runs/mlp/seed2")
    c = comparison(before, after)
    assert c.entries[0].seeds_differ and c.failing() == ["1 entry whose seeds differ"]
    assert run_compare(before, after, "--fail-on-change") == 1
    out = capsys.readouterr().out
    assert (
        "mlp: seed 2 only in A; tested with a Welch's t-test, no seed paired (A seeds 0, 1, 2; B seeds 0, 1)"
        in out
    )
    assert "Runs: A 6 finished; B 5 finished." in out


def test_runs_at_chance_are_named_and_fail_on_one_side_only(before, tmp_path, capsys):
    after = tmp_path / "after"
    shutil.copytree(before / "runs/poly", after / "runs/poly")
    write_entry(after, "runs/mlp", acc([0.10, 0.10, 0.82]))
    c = comparison(before, after)
    assert c.entries[0].chance_b == {s: "test accuracy 0.100 is within 0.05 of chance (1/10)" for s in (0, 1)}
    assert c.entries[0].chance_a == {} and c.entries[0].chance_differs
    assert run_compare(before, after, "--fail-on-change") == 1
    captured = capsys.readouterr()
    assert (
        "mlp: at chance: B seeds 0, 1 (test accuracy 0.100 is within 0.05 of chance (1/10)); "
        "not the same runs on both sides"
    ) in captured.out
    assert "1 entry at chance on one side only" in captured.err
    # The same runs at chance on both sides are named, and are no change.
    shutil.copytree(after, tmp_path / "again")
    assert run_compare(after, tmp_path / "again", "--fail-on-change") == 0
    out = capsys.readouterr().out
    assert "mlp: at chance: A seeds 0, 1 (test accuracy 0.100" in out and ", B seeds 0, 1 (" in out
    assert "not the same runs" not in out


def test_holm_keeps_honest_near_equal_comparisons_from_being_flagged(tmp_path):
    """Ten entries; one differs by chance with raw p ≈ 0.02 and a difference above its margin. Alone it
    would be flagged; among ten comparisons Holm multiplies its p by ten."""
    a, b = tmp_path / "a", tmp_path / "b"
    lucky = [0.03, 0.05, 0.04]  # t = 4√3 ≈ 6.93 on 2 df: p = 1 − t/√(t² + 2) ≈ 0.020
    for i in range(10):
        diffs = lucky if i == 0 else [0.01, -0.01, 0.0]
        write_entry(a, f"runs/e{i}", [{"test_loss": 0.5}] * 3, config=POLY)
        write_entry(b, f"runs/e{i}", [{"test_loss": 0.5 + d} for d in diffs], config=POLY)
    c = comparison(a, b)
    first = c.rows[0]
    assert first.entry == "runs/e0" and first.test.p == pytest.approx(0.0204, abs=1e-3)
    assert abs(first.test.difference) > 0.5 * 0.05  # outside the 5 % margin
    assert first.p_holm == pytest.approx(10 * first.test.p)
    assert {row.verdict for row in c.rows} == {"within noise"} and c.tests == 10
    # The same entry on its own is flagged.
    for i in range(1, 10):
        shutil.rmtree(a / f"runs/e{i}")
        shutil.rmtree(b / f"runs/e{i}")
    assert verdicts(a, b) == {("e0", "test_loss"): "changed"}


def test_intervals_of_means_are_clipped_to_the_metric_s_range_as_the_pages_clip_them(before, tmp_path):
    after = tmp_path / "after"
    write_entry(after, "runs/mlp", acc([0.999, 0.998, 0.6]))
    write_entry(
        after, "runs/poly", [{"train_loss": 0.01, "test_loss": v} for v in (0.001, 0.002, 0.9)], config=POLY
    )
    rows = {(row.entry, row.metric): row for row in comparison(before, after).rows}
    accuracy, loss = rows["runs/mlp", "test_acc"].b, rows["runs/poly", "test_loss"].b
    assert (accuracy.high, accuracy.clipped) == (1.0, True) and accuracy.low > 0
    assert (loss.low, loss.clipped) == (0.0, True)
    assert not rows["runs/mlp", "test_acc"].a.clipped


def test_a_config_change_gets_its_effect_paired_by_seed_with_a_state(before, tmp_path, capsys):
    """Did the change help? B − A seed by seed: the same states as `decide`, at the whole level."""
    after = tmp_path / "after"
    write_entry(after, "runs/mlp", acc([0.85, 0.86, 0.87]), config={**MLP, "lr": 0.2})
    shutil.copytree(before / "runs/poly", after / "runs/poly")
    rows = {row.metric: row for row in comparison(before, after).rows if row.entry == "runs/mlp"}
    accuracy, loss = rows["test_acc"].decision, rows["train_loss"].decision
    assert (accuracy.state, accuracy.n, accuracy.mean) == ("better", 3, pytest.approx(0.05))
    assert accuracy.beyond_margin and loss.state == "equivalent"  # the same loss on both sides
    assert run_compare(before, after, "--fail-on-change") == 1  # a config change still fails
    out = capsys.readouterr().out
    assert "  test_acc better by +0.0500 [+0.0500, +0.0500], n = 3: beyond the 0.00500 that matters" in out
