"""mlplab-compare end to end: the installed console command, then real tiny runs of a small catalogue
through Snakemake. The parts are tested in test_compare_reading, _verdicts, _provenance, _rendering and
_cli, on the hand-written folders of compare_runs.py."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from compare_runs import comparison, verdicts

import tiny
from mlplab.compare import cli
from mlplab.workflow import provenance

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
    out = " ".join(capsys.readouterr().out.split())  # the identical rows, counted in one line
    assert re.search(rf"\b\d+ rows of {len(SMALL)} entries identical\b", out), out
    assert cli.main([str(baseline), str(again), "--fail-on-change", "--wide"]) == 0
    out = capsys.readouterr().out  # every row
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
    out = capsys.readouterr().out
    assert "poly_normal: lr 0.01 → 0.02" in out
    # Did the change help? Each metric's B − A, paired by seed, with its interval and a state.
    rows = [row for row in comparison(baseline, changed).rows if row.entry == "runs/poly_normal"]
    assert rows and all(row.decision is not None and row.decision.n == 2 for row in rows)
    for row in rows:
        assert f"  {row.metric} {row.decision.state}" in out


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
