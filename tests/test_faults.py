"""Faults end in a finished workflow whose report tells the truth, or in an error that names the bad
file and how to rebuild it; nothing stale looks current. Library checks first, then one tiny workflow
taken through every fault in turn (each Snakemake run costs seconds)."""

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import torch
from dry_runs import dry_run, train

import tiny
from mlplab.presentation.freshness import STALE_MARK, mark_if_stale
from mlplab.workflow.run_execution import DataFileError, load_data
from mlplab.workflow.run_reading import State, run_state


def test_a_corrupt_data_file_is_named_without_unsafe_advice(tmp_path):
    good, bad, alien = tmp_path / "good.pt", tmp_path / "bad.pt", tmp_path / "alien.pt"
    torch.save({"x": torch.zeros(3)}, good)
    bad.write_bytes(good.read_bytes()[:40])  # truncated
    torch.save([1, 2], alien)
    assert set(load_data(good)) == {"x"}
    for path, message in ((bad, "corrupt or truncated"), (alien, "not a data set of this workflow")):
        with pytest.raises(DataFileError, match=message) as caught:
            load_data(path)
        assert f"snakemake --cores all -R {path}" in str(caught.value)
        assert "weights_only=False" not in str(caught.value)


def test_a_page_is_marked_out_of_date_when_a_file_it_is_built_from_is_missing_or_newer(tmp_path):
    page, table, summary = tmp_path / "page.html", tmp_path / "table.csv", tmp_path / "summary.csv"
    table.write_text("a\n1\n")
    summary.write_text("a\n1\n")
    page.write_text("<html><body>\n<h1>results</h1></body></html>")
    os.utime(table, ns=(1_000_000_000, 1_000_000_000))
    os.utime(summary, ns=(1_000_000_000, 1_000_000_000))
    os.utime(page, ns=(2_000_000_000, 2_000_000_000))
    assert not mark_if_stale(page, [table, summary])  # older sources: current
    assert STALE_MARK not in page.read_text()
    summary.unlink()  # as Snakemake deletes a failed job's outputs
    assert mark_if_stale(page, [table, summary])
    marked = page.read_text()
    assert marked.startswith(f"<html><body>\n{STALE_MARK}<strong>⚠ Out of date.</strong>")
    assert f"1 file(s) it is built from are missing (<code>{summary}</code>)" in marked
    assert page.stat().st_mtime_ns == 2_000_000_000  # Snakemake's view of the page is unchanged
    assert not mark_if_stale(page, [table, summary]) and page.read_text() == marked  # marked once
    fresh = tmp_path / "other.html"
    fresh.write_text("<html><body></body></html>")
    table.touch()
    os.utime(fresh, ns=(1_500_000_000, 1_500_000_000))
    assert (
        mark_if_stale(fresh, [table])
        and f"1 changed since it was built (<code>{table}</code>)" in fresh.read_text()
    )
    assert not mark_if_stale(tmp_path / "never-built.html", [table])


# ---- One tiny workflow through the faults ----

KEEP = ("mlp_concise", "poly_normal", *tiny.DIVERGING)
# One seed of a sound classifier and of a sound regression diverge in their first epoch (the entries of
# tiny.DIVERGING diverge in every seed by their hyperparameters).
ONE_SEED = {"MLPLAB_TEST_DIVERGE": "mlp_concise/1/1,poly_normal/0/1"}


def faulty_catalogue(config):
    tiny.keep_only(config, {name: config["experiments"][name] for name in KEEP})
    source = Path(config["data"]["fashion_mnist"]["sources"][0])
    config["data"]["fashion_mnist"]["sources"] = [source.as_uri()]  # a file:// source


@pytest.mark.snakemake
def test_faults_end_in_a_true_report_or_a_named_file(tmp_path):
    work = tiny.make_workdir(tmp_path, edit=faulty_catalogue)
    tiny.snakemake(work, env=ONE_SEED)  # the whole workflow, report included, despite divergence

    # Divergence of one seed and of every seed, classifier and regression: all reported.
    html = (work / "results/report.html").read_text()
    assert "6 run(s) diverged" in html
    for name, seed in (("mlp_concise", 1), ("poly_normal", 0), ("mlp_diverged", 0), ("poly_diverged", 1)):
        assert f"<code>{name}</code> seed {seed} at epoch" in html
        record = json.loads((work / f"results/runs/{name}/seed{seed}/run.json").read_text())
        assert record["status"] == "diverged" and record["divergence"] and record["initial_loss"] > 0
    assert "blew up beyond 1000 × its initial" in html  # mlp_diverged: finite, but blown up
    assert html.count("diverged in 2 of 2 seeds") >= 2 and html.count("diverged in 1 of 2 seeds") >= 2
    assert "verified copy from file://" in (work / "logs/data/fetch_fashion_mnist.log").read_text()

    # An entry removed from the catalogue: its runs are listed as orphaned, not deleted.
    config = tiny.read_config(work)
    del config["experiments"]["poly_diverged"]
    tiny.write_config(work, config)
    tiny.snakemake(work, env=ONE_SEED)
    html = (work / "results/report.html").read_text()
    assert "results/runs/poly_diverged/seed0/metrics.csv" in html
    assert (work / "results/runs/poly_diverged/seed0/metrics.csv").exists()

    # A corrupt run.json: aggregation fails naming it and how to rebuild it; the old report says it is
    # out of date.
    garbage = work / "results/runs/poly_normal/seed1/run.json"
    garbage.write_text("{not json")
    proc = tiny.snakemake(work, check=False, env=ONE_SEED)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert f"{garbage.relative_to(work)}: cannot be read as JSON" in out
    assert "snakemake --cores all -R results/runs/poly_normal/seed1/metrics.csv" in out
    assert "Out of date." in (work / "results/report.html").read_text()
    tiny.snakemake(work, "-R", "results/runs/poly_normal/seed1/metrics.csv", env=ONE_SEED)  # as it says
    assert "Out of date." not in (work / "results/report.html").read_text()

    # A corrupt decoded tensor file: the classifier runs fail naming it, the rest of the workflow goes on.
    decoded = work / "data/fashion-mnist/test.pt"
    decoded.write_bytes(decoded.read_bytes()[:1000])
    proc = tiny.snakemake(work, check=False, env=ONE_SEED)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "data/fashion-mnist/test.pt: corrupt or truncated" in out
    assert "snakemake --cores all -R data/fashion-mnist/test.pt" in out
    assert "weights_only=False" not in out


@pytest.mark.snakemake
def test_a_refused_second_snakemake_is_told_who_holds_the_folder(tmp_path):
    def one_long_run(config):
        config["seeds"] = [0]
        tiny.keep_only(config, {"mlp_concise": {**config["experiments"]["mlp_concise"], "epochs": 3000}})

    work = tiny.make_workdir(tmp_path, edit=one_long_run)
    target = "results/runs/mlp_concise/seed0/metrics.csv"
    partial = work / f"{target}.partial"
    command = [tiny.SNAKEMAKE, "--cores", "1", target]
    silent = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    first = subprocess.Popen(command, cwd=work, start_new_session=True, **silent)
    try:
        deadline = time.monotonic() + 180
        while not partial.exists():
            assert first.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        second = tiny.snakemake(work, target, check=False)
        out = second.stdout + second.stderr
        assert second.returncode != 0 and "LockException" in out, out
        assert f"another Snakemake (PID {first.pid}, started " in out and "and is still running" in out
        assert "`snakemake --unlock` is only for a lock left by a run that no longer exists" in out
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # as if it crashed
        first.wait()
    after_crash = tiny.snakemake(work, target, check=False)
    assert "and is gone (it crashed or was killed): `snakemake --unlock` is safe now" in after_crash.stderr


# ---- The run folder: trusted only as far as its files are verified ----


def mounted_tmpfs(path: Path, size: str) -> bool:
    """A small tmpfs at `path` (a full disk to be), where this machine lets tests mount one."""
    path.mkdir(parents=True)
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)]).returncode == 0


@pytest.mark.snakemake
def test_the_run_folder_is_trusted_only_as_its_files_say(tiny_run, tmp_path, monkeypatch):
    work = tmp_path / "workflow"
    shutil.copytree(tiny_run, work, symlinks=True)
    runs = work / "results/runs"

    # run.json's copy of the final metrics edited: the report job and compare refuse the run by name.
    run_json = runs / "mlp_concise/seed0/run.json"
    kept = run_json.read_bytes()
    record = json.loads(kept)
    run_json.write_text(json.dumps({**record, "final": {**record["final"], "test_acc": 0.99}}))
    proc = tiny.snakemake(work, check=False)
    why = f"{run_json.relative_to(work)}: its final metrics are not metrics.csv's last row"
    assert proc.returncode != 0 and why in proc.stdout + proc.stderr
    compare = str(Path(tiny.SNAKEMAKE).with_name("mlplab-compare"))
    compared = subprocess.run(
        [compare, tiny_run / "results", work / "results"], capture_output=True, text=True
    )
    assert compared.returncode == 2 and f"{run_json}: its final metrics are not" in compared.stderr
    run_json.write_bytes(kept)

    # A deleted model.pt: the run is planned again.
    (runs / "poly_normal/seed0/model.pt").unlink()
    assert train("poly_normal", 0) in dry_run(work)

    # A link planted where the job writes: refused, naming it, and its target untouched.
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    partial = runs / "poly_normal/seed1/metrics.csv.partial"
    os.symlink(target, partial)
    proc = tiny.snakemake(work, "-R", "results/runs/poly_normal/seed1/metrics.csv", check=False)
    assert proc.returncode != 0 and f"{partial.relative_to(work)} → {target}: a symbolic link" in proc.stderr
    assert target.read_text() == "keep me"

    # A full disk while model.pt is written: no temporary file left, and mlplab-status says why.
    full = tmp_path / "small"
    if not mounted_tmpfs(full, "64k"):
        pytest.skip("no tmpfs can be mounted here for a full disk")
    try:
        shutil.rmtree(runs / "mlp_concise")
        os.symlink(full, runs / "mlp_concise")  # an entry's folder on other storage: allowed
        proc = tiny.snakemake(work, "results/runs/mlp_concise/seed0/run.json", check=False)
        assert proc.returncode != 0
        assert not list((full / "seed0").glob(".*.tmp")) and not (full / "seed0/run.json").exists()
        monkeypatch.chdir(work)
        state = run_state(runs / "mlp_concise/seed0", 2)
        assert (state.state, state.why.split(";")[0]) == (State.FAILED, "no space left on device")
        assert state.log == work / "logs/train/mlp_concise/seed0.log"
    finally:
        subprocess.run(["umount", str(full)], check=True)
