"""mlplab-compare and its statistics: hand-computed cases, verdicts on hand-written results folders, bad
input, the markdown and HTML outputs, then real tiny runs of a small catalogue through Snakemake."""

import csv
import hashlib
import io
import json
import math
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import tiny
from mlplab.compare import cli as compare
from mlplab.presentation import stats
from mlplab.workflow import provenance

# Student-t quantiles, from tables: t(0.975, 2) and t(0.975, 4).
T975_2 = 4.302652729749464
T975_4 = 2.776445105197793


# ---- Statistics, against numbers worked out by hand ----


def test_mean_with_t_interval():
    # [2, 4, 6]: mean 4, sd 2, standard error 2/√3.
    e = stats.mean_ci([2.0, 4.0, 6.0])
    half = T975_2 * 2 / math.sqrt(3)
    assert (e.mean, e.n, e.sd) == (4.0, 3, 2.0)
    assert e.low == pytest.approx(4 - half, rel=1e-12) and e.high == pytest.approx(4 + half, rel=1e-12)
    one = stats.mean_ci([5.0])
    assert (one.mean, one.n, one.low, one.high, one.sd) == (5.0, 1, None, None, None)


def test_paired_difference():
    # b − a = [1, 2, 2]: mean 5/3, sd 1/√3, standard error 1/3, t = 5 on 2 df, where the two-sided
    # p-value is 1 − t/√(t² + 2).
    d = stats.paired_difference([1.0, 2.0, 3.0], [2.0, 4.0, 5.0])
    assert d.test == "paired t" and d.df == 2
    assert d.difference == pytest.approx(5 / 3)
    assert d.p == pytest.approx(1 - 5 / math.sqrt(27), rel=1e-9)
    assert d.low == pytest.approx(5 / 3 - T975_2 / 3, rel=1e-12)
    assert d.high == pytest.approx(5 / 3 + T975_2 / 3, rel=1e-12)
    assert d.sd == pytest.approx(1 / math.sqrt(3))


def test_welch_difference():
    # [1, 2, 3] vs [4, 5, 6]: both variances 1, standard error √(2/3), t = 3/√(2/3), Welch df = 4, where
    # the two-sided p-value is 1 − x(3 − x²)/2 with x = t/√(t² + 4).
    d = stats.welch_difference([1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    t = 3 / math.sqrt(2 / 3)
    x = t / math.sqrt(t * t + 4)
    assert d.test == "Welch t" and d.df == pytest.approx(4)
    assert d.difference == 3.0
    assert d.p == pytest.approx(1 - x * (3 - x * x) / 2, rel=1e-9)
    assert d.low == pytest.approx(3 - T975_4 * math.sqrt(2 / 3), rel=1e-12)
    assert d.high == pytest.approx(3 + T975_4 * math.sqrt(2 / 3), rel=1e-12)


def test_holm():
    # Sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 = 0.04 → 0.06 (never below the one before).
    assert stats.holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert stats.holm([0.5, 0.6]) == [1.0, 1.0]  # capped at 1
    assert stats.holm([0.2]) == [0.2]
    assert stats.holm([]) == []


def test_zero_variance_is_defined():
    same = stats.paired_difference([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    assert (same.difference, same.low, same.high, same.p) == (0.0, 0.0, 0.0, 1.0)
    shifted = stats.paired_difference([1.0, 2.0, 3.0], [1.5, 2.5, 3.5])
    assert (shifted.difference, shifted.low, shifted.high, shifted.p) == (0.5, 0.5, 0.5, 0.0)
    assert stats.welch_difference([1.0, 1.0], [1.0, 1.0, 1.0]).p == 1.0
    assert stats.welch_difference([1.0, 1.0], [2.0, 2.0, 2.0]).p == 0.0


def test_detectable_difference_has_the_stated_power():
    assert stats.detectable_difference(0.0, 3) == 0.0
    assert stats.detectable_difference(1.0, 1) == math.inf
    sizes = [stats.detectable_difference(1.0, n) for n in (2, 3, 5, 10, 100)]
    assert sizes == sorted(sizes, reverse=True)
    # Many seeds: close to the normal approximation (z 0.975 + z 0.8) · sd/√n = 2.8016/10.
    assert sizes[-1] == pytest.approx(0.28016, rel=0.02)
    # Simulated: paired t-tests with 5 seeds at that true difference reject 80 % of the time.
    delta = stats.detectable_difference(1.0, 5)
    rng = np.random.default_rng(0)
    diffs = rng.normal(delta, 1.0, size=(20000, 5))
    rejected = np.mean(stats_ttest_p(diffs) < 0.05)
    assert rejected == pytest.approx(0.80, abs=0.015)
    # Welch (two groups) needs more than paired with the same sd of one value.
    assert stats.detectable_difference(1.0, 5, paired=False) > stats.detectable_difference(1.0, 5) / 2


def stats_ttest_p(samples: np.ndarray) -> np.ndarray:
    from scipy import stats as scipy_stats

    return scipy_stats.ttest_1samp(samples, 0.0, axis=1).pvalue


def test_accelerator_is_none_off_cuda(monkeypatch):
    import torch

    assert provenance.accelerator(torch.device("cpu")) is None
    monkeypatch.setattr(provenance.subprocess, "run", fake_nvidia_smi("550.54.15\n550.54.15\n"))
    assert provenance.nvidia_driver() == "550.54.15"

    def missing(*args, **kwargs):
        raise FileNotFoundError("nvidia-smi")

    monkeypatch.setattr(provenance.subprocess, "run", missing)
    assert provenance.nvidia_driver() is None


def fake_nvidia_smi(output: str):
    def run(args, **kwargs):
        assert args[0] == "nvidia-smi"
        return subprocess.CompletedProcess(args, 0, stdout=output, stderr="")

    return run


# ---- Hand-written results folders ----

MLP = {"kind": "mlp_concise", "lr": 0.1, "batch_size": 256, "epochs": 2}
POLY = {"kind": "polynomial", "num_features": 4, "lr": 0.01, "batch_size": 10, "epochs": 2}


def write_run(results: Path, entry: str, seed: int, final: dict, config: dict, status="ok", **record) -> Path:
    """A run folder as the workflow leaves it: two epochs in metrics.csv, run.json with its SHA-256."""
    folder = results / entry / f"seed{seed}"
    folder.mkdir(parents=True)
    first = {name: value * 1.5 for name, value in final.items()}
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=["epoch", *final], lineterminator="\n")
    writer.writeheader()
    writer.writerows([{"epoch": 1, **first}, {"epoch": 2, **final}])
    (folder / "metrics.csv").write_text(text.getvalue())
    run = {
        "experiment": entry.split("/")[-1],
        "config": config,
        "seed": seed,
        "status": status,
        "epochs_completed": 2,
        "diverged_at_epoch": 2 if status == "diverged" else None,
        "final": {"epoch": 2, **final},
        "threads": 1,
        "device": "cpu",
        "versions": {"python": "3.11.7", "torch": "2.14.1", "numpy": "2.4.6"},
        "git": {"commit": "a" * 40, "dirty": False},
        "machine": {"hostname": "node1", "cpus": 2},
        "metrics_sha256": hashlib.sha256(text.getvalue().encode()).hexdigest(),
        **record,
    }
    (folder / "run.json").write_text(json.dumps(run))
    return folder


def write_entry(results, entry, finals, config=MLP, seeds=None, **record):
    """One run per item of finals (a dict of final metrics), seeds 0, 1, ... unless given."""
    for seed, final in zip(seeds or range(len(finals)), finals, strict=True):
        write_run(results, entry, seed, final, config, **record)


def acc(values, loss=0.4):
    return [{"train_loss": loss, "test_acc": v} for v in values]


def run_compare(a, b, *options):
    """main() in-process; returns (exit code, the comparison it printed)."""
    return compare.main([str(a), str(b), *options])


def verdicts(a, b, **kwargs) -> dict[tuple[str, str], str]:
    c = compare.compare(compare.load_results(a), compare.load_results(b), paths=(a, b), **kwargs)
    return {(compare.entry_label(row.entry), row.metric): row.verdict for row in c.rows}


def comparison(a, b, **kwargs) -> compare.Comparison:
    return compare.compare(compare.load_results(a), compare.load_results(b), paths=(a, b), **kwargs)


@pytest.fixture
def before(tmp_path):
    results = tmp_path / "before"
    write_entry(results, "runs/mlp", acc([0.80, 0.81, 0.82]))
    write_entry(results, "runs/poly", [{"train_loss": 0.01, "test_loss": 0.02}] * 3, config=POLY)
    return results


def test_a_copy_is_identical_and_passes(before, tmp_path, capsys):
    shutil.copytree(before, tmp_path / "after")
    assert run_compare(before, tmp_path / "after", "--fail-on-change") == 0
    out = capsys.readouterr().out
    assert set(verdicts(before, tmp_path / "after").values()) == {"identical"}
    assert "Verdicts: 4 identical." in out
    assert re.search(r"^mlp\s+test_acc\s+0\.81 \[", out, re.MULTILINE)
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
    assert "mlp: removed batch_size (was 256); lr: 0.1 → 0.3; added momentum = 0.9" in captured.out
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
    assert "paired t-test where both sides ran the same seeds" in out
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
    strict = comparison(before, after, margins={"test_acc": compare.Margin(0.0005, relative=False)})
    assert next(r for r in strict.rows if r.metric == "test_acc").verdict == "changed"


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
        "train_loss": "within noise",
        "test_acc": "within noise",
        "test_loss": "only in B",
    }
    assert c.tests == 0 and all(row.p_holm is None for row in c.rows)
    assert run_compare(a, b, "--fail-on-change") == 1
    out = capsys.readouterr().out
    assert "mlp test_acc: fewer than 2 seeds on a side: no test, no noise estimate" in out
    assert "no comparison reached the test" in out


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


def test_provenance_differences_are_per_run(before, tmp_path, capsys):
    after = tmp_path / "after"
    gpu = {"name": "NVIDIA H200", "memory_gb": 139.8, "cuda": "13.0", "driver": "580.159.04"}
    for seed, v in enumerate([0.80, 0.81, 0.82]):
        commit = "b" * 40 if seed < 2 else "a" * 40  # a partial rerun: two seeds at a new commit
        write_run(
            after,
            "runs/mlp",
            seed,
            acc([v])[0],
            MLP,
            threads=2,
            device="cuda",
            gpu=gpu,
            git={"commit": commit, "dirty": seed == 0},
            versions={"python": "3.11.7", "torch": "2.15.0", "numpy": "2.4.6"},
        )
    shutil.copytree(before / "runs/poly", after / "runs/poly")
    c = comparison(before, after)
    text = "\n".join(c.provenance)
    assert "torch: 2.14.1 → 2.15.0 (3 of 6 runs: mlp seed0, mlp seed1, mlp seed2)" in text
    assert "threads: 1 → 2 (3 of 6 runs" in text and "device: cpu → cuda" in text
    assert "GPU: none → NVIDIA H200 (139.8 GiB, CUDA 13.0, driver 580.159.04)" in text
    assert "git commit: aaaaaaaaaaaa → bbbbbbbbbbbb (1 of 6 runs: mlp seed1)" in text
    assert "git commit: aaaaaaaaaaaa → bbbbbbbbbbbb (dirty) (1 of 6 runs: mlp seed0)" in text
    assert c.provenance_sides["torch"] == ("2.14.1", "2.14.1 (3 runs), 2.15.0 (3 runs)")
    shutil.rmtree(after / "runs/poly")
    shutil.copytree(before / "runs/poly", after / "runs/poly")
    one_fact = tmp_path / "threads"
    for entry in ("runs/mlp", "runs/poly"):
        for seed_folder in sorted((before / entry).iterdir()):
            record = json.loads((seed_folder / "run.json").read_text())
            target = one_fact / entry / seed_folder.name
            shutil.copytree(seed_folder, target)
            (target / "run.json").write_text(json.dumps({**record, "threads": 2}))
    assert comparison(before, one_fact).provenance == ["threads: 1 → 2 (all runs)"]


# ---- Bad input: exit 2, one line naming the folder or file ----


def corrupt(results: Path, case: str) -> Path:
    """Break one run of a copy of `results`; return the path the message must name."""
    run = results / "runs/mlp/seed1"
    if case == "run.json missing":
        (run / "run.json").unlink()
        return run / "run.json"
    if case == "run.json not JSON":
        (run / "run.json").write_text("{not json")
        return run / "run.json"
    if case == "run.json without keys":
        record = json.loads((run / "run.json").read_text())
        del record["metrics_sha256"], record["config"]
        (run / "run.json").write_text(json.dumps(record))
        return run / "run.json"
    if case == "metrics.csv missing":
        (run / "metrics.csv").unlink()
        return run / "metrics.csv"
    if case == "metrics.csv corrupt":
        text = "epoch,train_loss\n1,abc\n"
        (run / "metrics.csv").write_text(text)
        record = json.loads((run / "run.json").read_text())
        record["metrics_sha256"] = hashlib.sha256(text.encode()).hexdigest()
        (run / "run.json").write_text(json.dumps(record))
        return run / "metrics.csv"
    if case == "metrics.csv modified":
        with open(run / "metrics.csv", "a") as f:
            f.write("3,0.1,0.9\n")
        return run / "metrics.csv"
    raise ValueError(case)


BAD_RUNS = {
    "run.json missing": "missing",
    "run.json not JSON": "corrupt, not JSON",
    "run.json without keys": "missing keys config, metrics_sha256",
    "metrics.csv missing": "missing",
    "metrics.csv corrupt": "not a number",
    "metrics.csv modified": "modified after the run",
}


@pytest.mark.parametrize("case", BAD_RUNS, ids=list(BAD_RUNS))
def test_a_broken_run_is_bad_input(before, tmp_path, capsys, case):
    broken = tmp_path / "broken"
    shutil.copytree(before, broken)
    path = corrupt(broken, case)
    assert run_compare(before, broken) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith(f"mlplab-compare: {path}: ") and BAD_RUNS[case] in err


def test_folders_that_are_not_results_are_bad_input(before, tmp_path, capsys):
    assert run_compare(before, tmp_path / "nowhere") == 2
    assert f"{tmp_path / 'nowhere'}: no such folder" in capsys.readouterr().err
    empty = tmp_path / "empty"
    (empty / "runs").mkdir(parents=True)
    (empty / "notes.txt").write_text("hello")
    assert run_compare(empty, before) == 2
    assert f"{empty}: not a results folder" in capsys.readouterr().err
    other = tmp_path / "other"
    write_entry(other, "runs/dropout", acc([0.7, 0.71]))
    assert run_compare(before, other, "--fail-on-change") == 2
    assert f"{before} and {other} have no entry in common" in capsys.readouterr().err


@pytest.mark.parametrize(
    "options, message",
    [
        (["--level", "1.5"], "--level: expected a number between 0 and 1"),
        (["--margin", "test_acc"], "--margin: expected METRIC=VALUE"),
        (["--margin", "test_acc=-1"], "--margin: expected METRIC=VALUE"),
        (["--margin", "test_accc=0.01"], "--margin names test_accc"),
    ],
)
def test_bad_options_are_bad_input(before, capsys, options, message):
    assert run_compare(before, before, *options) == 2
    assert message in capsys.readouterr().err


def test_margins_absolute_and_relative():
    assert compare.parse_margin("test_acc=0.01") == ("test_acc", compare.Margin(0.01, relative=False))
    assert compare.parse_margin("test_loss=2%") == ("test_loss", compare.Margin(0.02, relative=True))
    assert compare.default_margin("train_acc") == compare.Margin(0.005, relative=False)
    assert compare.default_margin("w_norm").of(-4.0) == pytest.approx(0.2)
    assert str(compare.default_margin("test_loss")) == "5 % of A's mean"


# ---- Markdown and HTML ----

EXTERNAL = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.links, self.headings, self.svg_in = [], [], [], []
        self.figure, self.heading = None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        self.links += [v for k, v in attrs.items() if k in ("src", "href", "xlink:href")]
        if tag == "figure":
            self.figure = attrs.get("id")
        if tag == "svg" and self.figure:
            self.svg_in.append(self.figure)
        if tag == "h3":
            self.heading = ""

    def handle_data(self, data):
        if self.heading is not None:
            self.heading += data

    def handle_endtag(self, tag):
        if tag == "figure":
            self.figure = None
        if tag == "h3":
            self.headings.append(self.heading)
            self.heading = None


def test_markdown_and_html_are_written_escaped_and_self_contained(before, tmp_path):
    after = tmp_path / "after"
    shutil.copytree(before / "runs/poly", after / "runs/poly")
    write_entry(after, "runs/mlp", acc([0.85, 0.862, 0.868]), config={**MLP, "lr": "<script>x</script>"})
    write_entry(before, "runs/odd<b>|name", acc([0.5, 0.6]), config={**MLP, "kind": "mlp_scratch"})
    write_entry(after, "runs/odd<b>|name", acc([0.5, 0.6]), config={**MLP, "kind": "mlp_scratch"})
    md, page = tmp_path / "out/compare.md", tmp_path / "out/compare.html"
    page.parent.mkdir()
    assert run_compare(before, after, "--markdown", str(md), "--html", str(page)) == 0

    text = md.read_text()
    start = text.index("| entry | metric | A mean [95% CI] |")
    table = text[start : text.index("\n\n", start)].splitlines()
    assert len(table) == 2 + 6 and all(line.count(" | ") == 7 for line in table if line.startswith("| "))
    assert "| odd&lt;b&gt;\\|name | test_acc |" in text
    assert "**config changed**" in text and 'lr: 0.1 → "&lt;script&gt;x&lt;/script&gt;"' in text
    assert "| threads | 1 | 1 |" in text

    html = page.read_text()
    parsed = Page()
    parsed.feed(html)
    assert "script" not in parsed.tags and "link" not in parsed.tags and "iframe" not in parsed.tags
    assert [link for link in parsed.links if EXTERNAL.match(link)] == []
    assert "<script" not in html and "<b>" not in html and "odd&lt;b&gt;|name" in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert parsed.headings == ["Multilayer perceptron", "Model selection: polynomial regression"]
    assert parsed.svg_in == ["topic-mlp", "topic-polynomial"]  # one figure with an inline SVG per topic


def test_runs_as_the_installed_console_command(before, tmp_path):
    """`mlplab-compare`, as pyproject.toml declares it and `make setup` installs it."""
    command = str(Path(sys.executable).with_name("mlplab-compare"))
    shutil.copytree(before, tmp_path / "after")
    proc = subprocess.run(
        [command, str(before), str(tmp_path / "after"), "--fail-on-change"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Verdicts: 4 identical." in proc.stdout
    proc = subprocess.run([command, str(before)], capture_output=True, text=True)
    assert proc.returncode == 2 and "the following arguments are required: B" in proc.stderr


# ---- Through the real pipeline ----

SMALL = ("poly_normal", "wd_concise_wd3", "mlp_concise")
RUNS = [f"results/runs/{name}/seed{seed}/run.json" for name in SMALL for seed in (0, 1)]


def small_catalogue(config):
    tiny.keep_only(config, {name: config["experiments"][name] for name in SMALL})


def run_small(root: Path) -> Path:
    """The small catalogue's runs (and only what they need) in a fresh working copy; its results folder."""
    work = tiny.make_workdir(root, edit=small_catalogue)
    tiny.snakemake(work, *RUNS)
    return work / "results"


def rerun_copy(baseline: Path, root: Path, edit) -> Path:
    """A copy of the baseline's working copy (Snakemake's records included), its config edited, rerun:
    Snakemake reruns what the edit touches."""
    work = root / "workflow"
    shutil.copytree(baseline.parent, work, symlinks=True)
    config = tiny.read_config(work)
    edit(config)
    tiny.write_config(work, config)
    tiny.snakemake(work, *RUNS)
    return work / "results"


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """The small catalogue, run once for the module's pipeline tests (read-only)."""
    return run_small(tmp_path_factory.mktemp("baseline"))


@pytest.mark.snakemake
def test_two_runs_of_one_catalogue_are_identical(baseline, tmp_path, capsys):
    again = run_small(tmp_path)
    assert compare.main([str(baseline), str(again), "--fail-on-change"]) == 0
    out = capsys.readouterr().out
    entries = set(re.findall(r"^(\S+)\s+\S+\s+\d.*identical$", out, re.MULTILINE))
    assert entries == set(SMALL)
    assert set(verdicts(baseline, again).values()) == {"identical"}


@pytest.mark.snakemake
def test_two_threads_per_job_is_within_noise(baseline, tmp_path, capsys):
    threads = rerun_copy(baseline, tmp_path, lambda config: config.update(threads_per_job=2))
    v = verdicts(baseline, threads)
    assert {entry for entry, _ in v} == set(SMALL)
    assert set(v.values()) <= {"identical", "within noise"}, v
    assert compare.main([str(baseline), str(threads), "--fail-on-change"]) == 0
    assert "threads: 1 → 2 (all runs)" in capsys.readouterr().out  # every run was redone


@pytest.mark.snakemake
def test_a_new_lr_makes_exactly_that_entry_config_changed(baseline, tmp_path, capsys):
    def new_lr(config):
        config["experiments"]["poly_normal"]["lr"] = 0.02

    changed = rerun_copy(baseline, tmp_path, new_lr)
    v = verdicts(baseline, changed)
    assert {entry for (entry, _), verdict in v.items() if verdict == "config changed"} == {"poly_normal"}
    assert {verdict for (entry, _), verdict in v.items() if entry != "poly_normal"} == {"identical"}
    assert compare.main([str(baseline), str(changed), "--fail-on-change"]) == 1
    assert "poly_normal: lr: 0.01 → 0.02" in capsys.readouterr().out
