"""mlplab.compare.provenance: what made each run (versions, device, GPU, hostname, git commit, threads),
compared run by run between the runs both sides have, and each side's values per fact."""

import json
import shutil

import pytest
from test_compare import MLP, acc, comparison, write_before, write_run

from mlplab.compare.provenance import tally
from mlplab.presentation.formatting import NO_VALUE


@pytest.fixture
def before(tmp_path):
    return write_before(tmp_path)


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
