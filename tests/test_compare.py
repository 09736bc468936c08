"""mlplab-compare end to end, and the hand-written results folders every test_compare_* module reads:
the installed console command, then real tiny runs of a small catalogue through Snakemake. The parts are
tested in test_compare_reading, _verdicts, _provenance, _rendering and _cli."""

import csv
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import tiny
from mlplab.compare import cli
from mlplab.compare.reading import entry_label, load_results
from mlplab.compare.verdicts import Comparison, compare
from mlplab.workflow import provenance

# ---- Hand-written results folders ----

MLP = {"kind": "mlp_concise", "lr": 0.1, "batch_size": 256, "epochs": 2}
POLY = {"kind": "polynomial", "num_features": 4, "lr": 0.01, "batch_size": 10, "epochs": 2}
# What run.json's `data` holds: per data file its fingerprint (the inner objects opaque to compare).
DATA = {
    "train": {
        "file": "data/fashion-mnist/train.pt",
        "sha256": "1" * 64,
        "sources": {"train-images-idx3-ubyte.gz": "2" * 64},
    },
    "polynomial": {
        "file": "data/polynomial.pt",
        "sha256": "3" * 64,
        "generator": {"noise_std": 0.1, "n_train": 100, "code_sha256": "4" * 64},
    },
}


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
        "data": DATA,
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


def run_compare(a, b, *options) -> int:
    """main() in-process; returns its exit status (what it printed is in capsys)."""
    return cli.main([str(a), str(b), *options])


def comparison(a, b, **kwargs) -> Comparison:
    return compare(load_results(a), load_results(b), **kwargs)


def verdicts(a, b, **kwargs) -> dict[tuple[str, str], str]:
    return {(entry_label(row.entry), row.metric): row.verdict for row in comparison(a, b, **kwargs).rows}


def write_before(tmp_path: Path) -> Path:
    """The usual side A: mlp (test_acc 0.80, 0.81, 0.82) and poly, three seeds each; each test module's
    `before` fixture."""
    results = tmp_path / "before"
    write_entry(results, "runs/mlp", acc([0.80, 0.81, 0.82]))
    write_entry(results, "runs/poly", [{"train_loss": 0.01, "test_loss": 0.02}] * 3, config=POLY)
    return results


@pytest.fixture
def before(tmp_path):
    return write_before(tmp_path)


# ---- The console command ----


@pytest.mark.slow  # runs a fresh interpreter that imports torch: seconds
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
    assert cli.main([str(baseline), str(again), "--fail-on-change"]) == 0
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
    assert cli.main([str(baseline), str(threads), "--fail-on-change"]) == 0
    assert "threads: 1 → 2 (all runs)" in capsys.readouterr().out  # every run was redone


@pytest.mark.snakemake
def test_a_new_lr_makes_exactly_that_entry_config_changed(baseline, tmp_path, capsys):
    def new_lr(config):
        config["experiments"]["poly_normal"]["lr"] = 0.02

    changed = rerun_copy(baseline, tmp_path, new_lr)
    v = verdicts(baseline, changed)
    assert {entry for (entry, _), verdict in v.items() if verdict == "config changed"} == {"poly_normal"}
    assert {verdict for (entry, _), verdict in v.items() if entry != "poly_normal"} == {"identical"}
    assert cli.main([str(baseline), str(changed), "--fail-on-change"]) == 1
    assert "poly_normal: lr: 0.01 → 0.02" in capsys.readouterr().out


# ---- Provenance as the training job records it (mlplab.workflow.provenance, kept here for now) ----


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
