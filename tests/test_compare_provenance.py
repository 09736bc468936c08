"""mlplab.compare.provenance: what made each run (versions, device, GPU, hostname, git commit, threads),
compared run by run between the runs both sides have, and each side's values per fact; and the data each
run trained on, by its fingerprints."""

import json
import shutil
from pathlib import Path

import pytest
from compare_runs import DATA, MLP, acc, comparison, run_compare, verdicts, write_run

from mlplab.compare.provenance import tally
from mlplab.presentation.formatting import NO_VALUE


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


def test_a_fact_is_tallied_over_a_sides_runs():
    assert tally(["2.14.1"] * 3) == "2.14.1"
    assert tally(["2.15.0", "2.14.1", "2.15.0"]) == "2.15.0 (2 runs), 2.14.1 (1 runs)"
    assert tally([]) == NO_VALUE


def rewrite_records(results: Path, entry: str, change) -> None:
    """Edit every run.json of an entry (metrics.csv untouched, so its SHA-256 still holds)."""
    for run_json in sorted((results / entry).glob("seed*/run.json")):
        record = json.loads(run_json.read_text())
        change(record)
        run_json.write_text(json.dumps(record))


def test_other_data_is_data_changed_with_the_keys_that_differ(before, tmp_path, capsys):
    after = tmp_path / "after"
    shutil.copytree(before, after)

    def noisier(record):
        record["data"] = {**DATA, "polynomial": {**DATA["polynomial"]}}
        record["data"]["polynomial"]["generator"] = {**DATA["polynomial"]["generator"], "noise_std": 0.2}
        record["data"]["polynomial"]["sha256"] = "5" * 64

    rewrite_records(after, "runs/poly", noisier)
    assert verdicts(before, after) == {
        ("mlp", "train_loss"): "identical",
        ("mlp", "test_acc"): "identical",
        ("poly", "train_loss"): "data changed",  # not a statistical verdict: the metrics are the same
        ("poly", "test_loss"): "data changed",
    }
    c = comparison(before, after)
    assert c.entries[1].data_changes == [
        "polynomial.generator.noise_std: 0.1 → 0.2 (seeds 0, 1, 2)",
        "polynomial.sha256: 333333333333 → 555555555555 (seeds 0, 1, 2)",
    ]
    runs = "3 of 6 runs: poly seed0, poly seed1, poly seed2"
    assert c.provenance == [
        f"data polynomial.generator.noise_std: 0.1 → 0.2 ({runs})",
        f"data polynomial.sha256: 333333333333 → 555555555555 ({runs})",
    ]
    assert run_compare(before, after, "--fail-on-change") == 1
    captured = capsys.readouterr()
    assert "Data changes:\n  poly: polynomial.generator.noise_std: 0.1 → 0.2 (seeds 0, 1, 2);" in captured.out
    assert "failing on change: 2 data changed" in captured.err
    # A data file added, one removed: named by its keys.
    rewrite_records(
        after,
        "runs/mlp",
        lambda record: record.update(data={"train": DATA["train"], "val": {"sha256": "6" * 64}}),
    )
    changes = comparison(before, after).entries[0].data_changes
    assert "val.sha256: absent → 666666666666 (seeds 0, 1, 2)" in changes
    assert 'polynomial.file: "data/polynomial.pt" → absent (seeds 0, 1, 2)' in changes


@pytest.mark.parametrize("lacking", ["A's", "B's", "A's and B's"])
def test_records_without_fingerprints_are_data_unknown_never_changed(before, tmp_path, capsys, lacking):
    after = tmp_path / "after"
    shutil.copytree(before, after)
    for side, folder in (("A's", before), ("B's", after)):
        if side in lacking:
            for entry in ("runs/mlp", "runs/poly"):
                rewrite_records(folder, entry, lambda record: record.pop("data"))
    assert set(verdicts(before, after).values()) == {"identical"}
    assert run_compare(before, after, "--fail-on-change") == 0
    out = capsys.readouterr().out
    assert f"data: unknown, {lacking} records have no data fingerprints (all runs)" in out
    assert "data changed" not in out
