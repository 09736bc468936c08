"""mlplab.compare.reading: two results folders read into runs by entry and seed through the project's run
record, and bad input (exit 2, one line naming the folder or file)."""

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from compare_runs import MLP, acc, comparison, run_compare, write_entry

from mlplab.compare.reading import BadInput, load_results
from mlplab.workflow.run_record import RunRecord


def test_runs_by_entry_and_seed(before):
    results = load_results(before)
    assert list(results.runs) == ["runs/mlp", "runs/poly"] and results.unfinished == {}
    runs = results.runs["runs/mlp"]
    assert [run.seed for run in runs] == [0, 1, 2]
    assert isinstance(runs[0].record, RunRecord) and runs[0].record.config == MLP and runs[0].ok
    assert runs[0].columns == ("train_loss", "test_acc")
    assert runs[1].rows == (
        {"epoch": 1, "train_loss": pytest.approx(0.6), "test_acc": pytest.approx(1.215)},
        {"epoch": 2, "train_loss": 0.4, "test_acc": 0.81},
    )
    assert runs[1].final("test_acc") == 0.81 and runs[1].final("test_loss") is None
    metrics = before / "runs/mlp/seed1/metrics.csv"
    assert runs[1].record.metrics_sha256 == hashlib.sha256(metrics.read_bytes()).hexdigest()


def corrupt(results: Path, case: str) -> Path:
    """Break one run of a copy of `results`; return the path the message must name."""
    run = results / "runs/mlp/seed1"
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


# The messages are the run folder reader's (mlplab.workflow.run_reading). A run that lost its run.json is
# not finished (failed, as mlplab-status says): test_a_seed_missing_or_unfinished_is_named_and_fails.
BAD_RUNS = {
    "run.json not JSON": "cannot be read as JSON",
    "run.json without keys": "not a run record (missing config, metrics_sha256)",
    "metrics.csv missing": "cannot be read (No such file or directory)",
    "metrics.csv corrupt": "corrupt at line 2",
    "metrics.csv modified": "changed after its run wrote it",
}


@pytest.mark.parametrize("case", BAD_RUNS, ids=list(BAD_RUNS))
def test_a_broken_run_is_bad_input(before, tmp_path, capsys, case):
    broken = tmp_path / "broken"
    shutil.copytree(before, broken)
    path = corrupt(broken, case)
    with pytest.raises(BadInput, match=f"^{re.escape(str(path))}: "):
        load_results(broken)
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


# ---- Every seed folder accounted for ----

MLPLAB_COMPARE = str(Path(sys.executable).with_name("mlplab-compare"))


def installed_compare(*args) -> subprocess.CompletedProcess:
    """The console command as `make setup` installs it."""
    return subprocess.run([MLPLAB_COMPARE, *map(str, args)], capture_output=True, text=True, timeout=120)


def leave_unfinished(seed_folder: Path, case: str) -> None:
    """Make a run folder (finished or not there yet) what a deleted, killed or still-running run leaves."""
    shutil.rmtree(seed_folder, ignore_errors=True)
    if case == "deleted":
        return
    seed_folder.mkdir(parents=True)
    if case == "partial":  # training writes metrics.csv.partial row by row, renames it at the end
        (seed_folder / "metrics.csv.partial").write_text("epoch,train_loss,test_acc\n1,0.6,1.2\n")
    if case == "locked":  # a training job on another node holds the writer's lock, nothing written yet
        (seed_folder / ".writer.lock").write_text('{"host": "node1", "pid": 1}')
    if case == "run.json lost":  # a finished run's metrics.csv without its run.json
        (seed_folder / "metrics.csv").write_text("epoch,train_loss,test_acc\n1,0.6,1.2\n")


WELCH = "tested with a Welch's t-test, no seed paired (A seeds 0, 1, 2; B seeds 0, 1)"
# Each unfinished seed folder in the state mlplab-status gives it (`run_reading.unfinished`).
UNFINISHED = {
    "deleted": "mlp: seed 2 only in A;",
    "partial": "mlp: B seed2 failed: metrics.csv.partial is left with no job writing it",
    "empty": "mlp: B seed2 waiting;",
    "locked": "mlp: B seed2 running: epoch 0 of ?; PID 1 on node1, not checkable from here;",
    "run.json lost": "mlp: B seed2 failed: metrics.csv without run.json",
}


@pytest.mark.parametrize("case", UNFINISHED, ids=list(UNFINISHED))
def test_a_seed_missing_or_unfinished_is_named_and_fails(before, tmp_path, capsys, case):
    after = tmp_path / "after"
    shutil.copytree(before, after)
    leave_unfinished(after / "runs/mlp/seed2", case)
    assert run_compare(before, after, "--fail-on-change", "--wide") == 1
    captured = capsys.readouterr()
    assert UNFINISHED[case] in " ".join(captured.out.split())
    flag = "seeds differ" if case == "deleted" else "unfinished runs"
    assert re.search(rf"^mlp\s+test_acc\s.*, n = 2\s.*within noise; {flag}$", captured.out, re.M)
    failing = "1 entry whose seeds differ" if case == "deleted" else "1 unfinished run"
    assert f"failing on change: {failing}\n" in captured.err
    results = load_results(after)
    assert [run.seed for run in results.runs["runs/mlp"]] == [0, 1]
    assert [u.seed for u in results.unfinished.get("runs/mlp", [])] == ([] if case == "deleted" else [2])
    # Seeds that differ by design may pass; an unfinished run never does.
    allowed = run_compare(before, after, "--fail-on-change", "--allow-seed-difference")
    assert allowed == (0 if case == "deleted" else 1)


@pytest.mark.slow  # runs a fresh interpreter that imports torch: seconds
def test_the_installed_command_names_every_seed_it_did_not_compare(before, tmp_path):
    after = tmp_path / "after"
    shutil.copytree(before, after)
    leave_unfinished(after / "runs/mlp/seed2", "partial")
    leave_unfinished(after / "runs/poly/seed1", "deleted")
    leave_unfinished(after / "runs/poly/seed2", "empty")
    proc = installed_compare(before, after, "--fail-on-change")
    assert proc.returncode == 1, proc.stderr
    assert UNFINISHED["partial"] in " ".join(proc.stdout.split())
    assert "poly: seed 1 only in A; B seed2 waiting\n" in proc.stdout
    assert "Runs: A 6 finished; B 3 finished, 2 unfinished." in proc.stdout
    assert proc.stderr == (
        "mlplab-compare: failing on change: 2 not tested, 2 unfinished runs, 1 entry whose seeds differ\n"
    )


def test_the_same_seeds_paired_beside_an_unfinished_one(before, tmp_path, capsys):
    after = tmp_path / "after"
    shutil.copytree(before / "runs/poly", after / "runs/poly")
    write_entry(after, "runs/mlp", acc([0.81, 0.80, 0.822]))
    leave_unfinished(after / "runs/mlp/seed3", "partial")
    assert run_compare(before, after, "--fail-on-change") == 1
    out = capsys.readouterr().out
    assert "mlp: B seed3 failed: metrics.csv.partial is left" in out
    assert "only in B; tested with a paired t-test on seeds 0, 1, 2" in " ".join(out.split())
    assert "Runs: A 6 finished; B 6 finished, 1 unfinished." in out


def test_an_entry_with_no_finished_run_is_not_tested(before, tmp_path, capsys):
    after = tmp_path / "after"
    shutil.copytree(before, after)
    for seed in range(3):
        leave_unfinished(after / f"runs/mlp/seed{seed}", "partial")
    c = comparison(before, after)
    assert {row.verdict for row in c.rows if row.entry == "runs/mlp"} == {"not tested"}
    assert run_compare(before, after, "--fail-on-change", "--wide") == 1
    out = capsys.readouterr().out
    assert re.search(r"^mlp\s+test_acc\s+0\.810 .*not tested \(n = 0\); unfinished runs$", out, re.M)
    # No finished run on either side: still a row, not a silent gap.
    shutil.rmtree(before / "runs/mlp")
    leave_unfinished(before / "runs/mlp/seed0", "empty")
    assert run_compare(before, after, "--wide") == 0
    assert re.search(
        r"^mlp\s+–\s+–\s+–.*not tested \(n = 0\); seeds differ; unfinished runs$",
        capsys.readouterr().out,
        re.M,
    )


# ---- Folders that are not what was meant ----


@pytest.mark.slow  # runs a fresh interpreter that imports torch: seconds
def test_a_runs_folder_given_for_a_results_folder_is_named(before, tmp_path, capsys):
    proc = installed_compare(before / "runs", before)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr == (
        f"mlplab-compare: {before / 'runs'}: a runs/ folder, not a results folder; give the results folder "
        f"that holds runs/ instead: {before}\n"
    )
    write_entry(before, "sweeps/mlp_lr/lr~0.3", acc([0.7, 0.71]))
    proc = installed_compare(before, before / "sweeps/mlp_lr")
    assert proc.returncode == 2
    assert (
        f"{before / 'sweeps/mlp_lr'}: a folder inside {before.resolve() / 'sweeps'}, not a results folder"
        in proc.stderr
    )
    assert f"give the results folder that holds sweeps/ instead: {before}\n" in proc.stderr


def test_the_same_folder_twice_is_said(before, capsys):
    assert run_compare(before, before.parent / ".." / before.parent.name / "before", "--fail-on-change") == 0
    out = capsys.readouterr().out
    assert f"A and B are the same folder ({before.resolve()}): every run is compared with itself." in out
    assert run_compare(before, before.parent / "other") == 2
    assert "same folder" not in capsys.readouterr().out
