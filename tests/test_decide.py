"""The `decide` target on the tiny workflow: a planted large difference is decided at the first look and
gets no more seeds, an open comparison gets the next look's seeds (its point's and the baseline's) and no
other point does, the same results plan nothing new, deleting a later look's seed reruns its block only,
a block trains each seed byte for byte as that seed alone, and the page says what was decided."""

import shutil
from pathlib import Path

import pandas as pd
import pytest
from dry_runs import dry_run

import tiny
from mlplab.presentation.decide_plan import read_plan
from mlplab.workflow.looks import plan_file

pytestmark = pytest.mark.snakemake

LOOKS = [3, 4]  # the tiny sweeps' seeds are [0, 1]: look 1 adds seed 2, look 2 seed 3
# mlp_lr's points at 6 epochs: lr 0.1 (the baseline, validation accuracy 1.0 in every seed on the tiny
# data), 0.05 (0.4 to 0.8: a noisy difference), and 0.0001, which learns nothing: a planted difference.
EPOCHS = 6
LRS = [0.05, 0.1, 0.0001]
PLANTED = "lr~0.0001"


@pytest.fixture(scope="module")
def decided(tiny_exercised, tmp_path_factory) -> Path:
    """A copy of the exercised tiny workflow with a planted point and two looks, `snakemake decide` run."""
    work = tmp_path_factory.mktemp("decided") / "workflow"
    shutil.copytree(tiny_exercised, work, symlinks=True)
    config = tiny.read_config(work)
    config["decide"] = {"looks": LOOKS}
    config["experiments"]["mlp_concise"]["epochs"] = EPOCHS
    config["sweeps"]["mlp_lr"]["grid"]["lr"] = LRS
    tiny.write_config(work, config)
    tiny.snakemake(work, "decide")
    return work


def seeds_of(work: Path, point: str) -> set[int]:
    folder = work / "results/sweeps/mlp_lr" / point
    return {int(p.name.removeprefix("seed")) for p in folder.glob("seed*") if (p / "run.json").exists()}


def test_a_planted_difference_is_decided_at_the_first_look_and_gets_no_more_seeds(decided):
    first = read_plan(decided / plan_file("mlp_lr", 0))
    planted = first.comparisons[PLANTED]
    assert (planted.state, planted.look, planted.seeds) == ("worse", 0, (0, 1, 2))
    assert seeds_of(decided, PLANTED) == {0, 1, 2}
    assert read_plan(decided / plan_file("mlp_lr", 1)).comparisons[PLANTED] == planted  # not looked at again


def test_an_open_comparison_gets_the_next_look_s_seeds_and_no_other_point_does(decided):
    first = read_plan(decided / plan_file("mlp_lr", 0))
    assert first.comparisons.keys() == {"lr~0.05", PLANTED}  # the baseline is not compared with itself
    still_open = set(first.open)
    assert still_open == {"lr~0.05"}
    for point, comparison in first.comparisons.items():
        assert seeds_of(decided, point) == ({0, 1, 2, 3} if point in still_open else {0, 1, 2}), comparison
    assert seeds_of(decided, "lr~0.1") == ({0, 1, 2, 3} if still_open else {0, 1, 2})  # the baseline's
    last = read_plan(decided / plan_file("mlp_lr", 1))
    assert all(last.comparisons[p].look == 1 and len(last.comparisons[p].seeds) == 4 for p in still_open)
    assert not last.next_reads  # the budget: no look after the last


def test_the_same_results_plan_nothing_new(decided):
    assert dry_run(decided, "decide") == {}


def test_deleting_one_seed_of_a_later_look_reruns_its_block_only(decided, tmp_path):
    work = tmp_path / "workflow"
    shutil.copytree(decided, work, symlinks=True)
    shutil.rmtree(work / "results/sweeps/mlp_lr/lr~0.05/seed2")
    training = {job for job in dry_run(work, "decide") if job.rule.startswith("train")}
    assert {(job.rule, job.wildcards) for job in training} == {
        ("train_block1", "point=lr~0.05, sweep=mlp_lr")
    }


def test_a_block_trains_each_seed_as_that_seed_alone(tiny_exercised, tmp_path):
    """Seeds 0 and 1 of a point trained in one block (one process, one after the other) against seed 1
    trained alone in its own job: the same metrics.csv and model.pt, byte for byte."""
    work = tmp_path / "workflow"
    shutil.copytree(tiny_exercised, work, symlinks=True)
    config = tiny.read_config(work)
    config["sweeps"]["mlp_lr"]["seeds"] = [1]  # a block of seed 1 alone
    tiny.write_config(work, config)
    run = "results/sweeps/mlp_lr/lr~0.05/seed1"
    tiny.snakemake(work, "--force", f"{run}/run.json")
    for name in ("metrics.csv", "model.pt"):
        assert (work / run / name).read_bytes() == (tiny_exercised / run / name).read_bytes(), name
    assert (work / run / "run.json").stat().st_mtime > (tiny_exercised / run / "run.json").stat().st_mtime


def test_the_page_says_what_was_decided_and_what_it_cost(decided, tiny_exercised):
    page = (decided / "results/decide.html").read_text()
    summary = pd.read_csv(decided / "results/decide/mlp_lr/summary.csv").set_index("point")
    assert summary.loc["lr~0.1", "state"] == "baseline"  # listed, not compared with itself
    assert "(the baseline: not compared with itself)" in page
    assert summary.loc[PLANTED, "state"] == "worse" and summary.loc[PLANTED, "look"] == 1
    assert summary.loc[PLANTED, "val_acc_diff_ci_high"] < 0 <= summary.loc[PLANTED, "val_acc_diff_ci_low"] + 1
    assert summary["selected"].sum() == 1 and summary.loc[PLANTED, "selected"] == False  # noqa: E712
    assert "comparisons decided;" in page and "for a fixed design at the budget" in page
    assert "Lan &amp; DeMets 1983" in page and "Jennison &amp; Turnbull 1989" in page
    # The exercises keep their fixed seeds: `decide` rewrote none of their outputs.
    for sweep in ("mlp_lr", "poly_degree"):
        summary = f"results/sweeps/{sweep}/summary.csv"
        assert (decided / summary).stat().st_mtime == (tiny_exercised / summary).stat().st_mtime
    assert dry_run(decided, "results/sweeps/poly_degree/summary.csv") == {}
