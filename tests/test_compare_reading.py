"""mlplab.compare.reading: two results folders read into runs by entry and seed through the project's run
record, and bad input (exit 2, one line naming the folder or file)."""

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from test_compare import MLP, acc, run_compare, write_before, write_entry

from mlplab.compare.reading import BadInput, load_results
from mlplab.workflow.run_record import RunRecord


@pytest.fixture
def before(tmp_path):
    return write_before(tmp_path)


def test_runs_by_entry_and_seed(before):
    results = load_results(before)
    assert list(results) == ["runs/mlp", "runs/poly"]
    runs = results["runs/mlp"]
    assert [run.seed for run in runs] == [0, 1, 2]
    assert isinstance(runs[0].record, RunRecord) and runs[0].config == MLP and not runs[0].diverged
    assert runs[0].columns == ["train_loss", "test_acc"]
    assert runs[1].rows == [
        {"epoch": 1.0, "train_loss": pytest.approx(0.6), "test_acc": pytest.approx(1.215)},
        {"epoch": 2.0, "train_loss": 0.4, "test_acc": 0.81},
    ]
    assert runs[1].final("test_acc") == 0.81 and runs[1].final("test_loss") is None
    assert runs[1].sha256 == hashlib.sha256((before / "runs/mlp/seed1/metrics.csv").read_bytes()).hexdigest()


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


# The messages are the run record reader's (mlplab.workflow.run_reading), but for metrics.csv's numbers.
BAD_RUNS = {
    "run.json missing": "cannot be read (No such file or directory)",
    "run.json not JSON": "cannot be read as JSON",
    "run.json without keys": "not a run record (missing config, metrics_sha256)",
    "metrics.csv missing": "cannot be read (No such file or directory)",
    "metrics.csv corrupt": "not a number",
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
