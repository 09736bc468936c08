"""mlplab-status: each run folder's state from its files (hand-written folders, the real lock and
writer), the table, the exit statuses, --watch ending on Ctrl-C, and the tiny workflow before, during
and after a run."""

import json
import os
import platform
import re
import select
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from handmade_runs import MLP, POLY, classifier_rows, write_run

import tiny
from mlplab.chapter.metrics import TEST_ACC, TEST_LOSS, TRAIN_ACC, TRAIN_LOSS
from mlplab.tools import status
from mlplab.tools.status import clock
from mlplab.tools.status_plan import load_config, plan
from mlplab.workflow.run_lock import run_folder_lock, this_writer
from mlplab.workflow.run_reading import State, run_state
from mlplab.workflow.run_record import LOCK, PARTIAL, MetricsFile
from mlplab.workflow.sweeps import produced_runs

STATUS = str(Path(sys.executable).with_name("mlplab-status"))
CLASSIFIER_COLUMNS = ["epoch", TRAIN_LOSS, TRAIN_ACC, TEST_LOSS, TEST_ACC]
ROW = {TRAIN_LOSS: 0.61234, TRAIN_ACC: 0.7812, TEST_LOSS: 0.6543, TEST_ACC: 0.7701}
SHOWN = [TRAIN_LOSS, "0.612", TRAIN_ACC, "0.781", TEST_LOSS, "0.654", TEST_ACC, "0.770"]  # ROW, printed
POLY_ROWS = [{"epoch": 1, TRAIN_LOSS: 2.0, TEST_LOSS: 2.5}, {"epoch": 2, TRAIN_LOSS: 1.0, TEST_LOSS: 1.5}]


def write_partial(folder: Path, epochs: int, half_row: bool = False) -> None:
    """metrics.csv.partial as MetricsFile leaves it after `epochs` epochs (and a row being written)."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [",".join(CLASSIFIER_COLUMNS)]
    lines += [",".join(str(v) for v in [epoch, *ROW.values()]) for epoch in range(1, epochs + 1)]
    (folder / PARTIAL).write_text("\n".join(lines) + "\n" + ("9,0.5" if half_row else ""))


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def write_lock(folder: Path, holder: dict, age_s: float = 0.0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lock = folder / LOCK
    lock.write_text(json.dumps(holder))
    os.utime(lock, (time.time() - age_s,) * 2)
    return lock


# ---- One run folder's state ----


def test_a_folder_with_nothing_in_it_is_waiting(tmp_path):
    assert run_state(tmp_path / "seed0", 2).state == State.WAITING
    (tmp_path / "seed0").mkdir()
    assert run_state(tmp_path / "seed0", 2).state == State.WAITING


def test_a_verified_run_is_done_with_its_epochs_and_wall_time(tmp_path):
    folder = write_run(tmp_path, "mlp", MLP, 0, classifier_rows(0.85, 0.4))
    state = run_state(folder, 2)
    assert (state.state, state.epochs, state.elapsed_s) == (State.DONE, 2, 2.0)


def test_a_diverged_run_says_where_and_why(tmp_path):
    folder = write_run(
        tmp_path, "poly", POLY, 0, POLY_ROWS, status="diverged", divergence="train loss is NaN"
    )
    state = run_state(folder, 5)
    assert state.state == State.DIVERGED
    assert state.why == "at epoch 3: train loss is NaN"


def test_a_classifier_at_chance_is_its_own_state(tmp_path):
    folder = write_run(tmp_path, "mlp", MLP, 0, classifier_rows(0.1, 2.3))
    state = run_state(folder, 2)
    assert state.state == State.CHANCE
    assert "chance" in state.why


@pytest.mark.parametrize(
    ("break_it", "why"),
    [
        (lambda f: (f / "run.json").write_text("{"), "run.json: cannot be read as JSON"),
        (lambda f: (f / "run.json").write_text("[]"), "run.json: not a run record (not a JSON object)"),
        (lambda f: (f / "metrics.csv").write_text("epoch\n"), "metrics.csv: changed after its run wrote it"),
    ],
)
def test_a_run_json_that_does_not_verify_is_failed_and_says_why(tmp_path, break_it, why):
    folder = write_run(tmp_path, "mlp", MLP, 0, classifier_rows(0.85, 0.4))
    break_it(folder)
    state = run_state(folder, 2)
    assert state.state == State.FAILED
    assert why in state.why and "snakemake --cores all -R" in state.why


def test_a_live_writer_is_running_with_its_epoch_elapsed_time_and_estimate(tmp_path):
    folder = tmp_path / "seed0"
    with run_folder_lock(folder) as must_train:
        assert must_train
        write_partial(folder, 1, half_row=True)
        since = (folder / LOCK).stat().st_mtime
        state = run_state(folder, 3, now=since + 60)
    assert (state.state, state.epochs, state.planned) == (State.RUNNING, 1, 3)
    assert state.elapsed_s == pytest.approx(60)
    assert state.left_s == pytest.approx(120)  # 60 s for one epoch, two to go
    assert state.metrics == {name: str(value) for name, value in ROW.items()}
    assert state.why == ""  # this process: checkable


def test_a_writer_before_its_first_epoch_is_running_without_an_estimate(tmp_path):
    with run_folder_lock(tmp_path / "seed0"):
        state = run_state(tmp_path / "seed0", 3)
    assert (state.state, state.epochs, state.left_s) == (State.RUNNING, 0, None)


def test_a_writer_on_another_host_counts_as_running_and_says_it_is_unchecked(tmp_path):
    write_lock(tmp_path, {"slurm_job_id": None, "host": "another-node", "pid": 12})
    state = run_state(tmp_path, 2)
    assert state.state == State.RUNNING
    assert state.why == "PID 12 on another-node, not checkable from here"


def test_a_lock_whose_holder_is_gone_is_failed_with_where_it_stopped(tmp_path):
    write_partial(tmp_path, 1)
    write_lock(tmp_path, {"slurm_job_id": None, "host": platform.node(), "pid": dead_pid()})
    state = run_state(tmp_path, 3)
    assert state.state == State.FAILED
    assert "is gone and left no run.json; it stopped at epoch 1 of 3" in state.why


def test_a_partial_file_without_a_writer_is_failed(tmp_path):
    write_partial(tmp_path, 2)
    state = run_state(tmp_path, 3)
    assert state.state == State.FAILED
    assert f"no {LOCK}" in state.why and "epoch 2 of 3" in state.why


def test_metrics_without_run_json_is_failed(tmp_path):
    (tmp_path / "metrics.csv").write_text("epoch\n")
    assert run_state(tmp_path, 2).state == State.FAILED


def test_a_lock_not_yet_written_is_a_job_starting_and_later_a_dead_one(tmp_path):
    (tmp_path / LOCK).write_text("")
    assert run_state(tmp_path, 2).state == State.RUNNING
    os.utime(tmp_path / LOCK, (time.time() - 60,) * 2)
    assert run_state(tmp_path, 2).state == State.FAILED


def test_a_verified_run_is_done_whatever_lies_beside_it(tmp_path):
    folder = write_run(tmp_path, "mlp", MLP, 0, classifier_rows(0.85, 0.4))
    write_partial(folder, 1)
    write_lock(folder, this_writer())
    assert run_state(folder, 2).state == State.DONE


def test_a_live_writer_with_no_new_row_for_long_is_stalled_since_its_last_row(tmp_path):
    """A lock from another node (which cannot be checked) whose partial file has not grown for hours is
    not running: stalled, since the time of its last row."""
    write_lock(tmp_path, {"slurm_job_id": None, "host": "another-node", "pid": 12}, age_s=4 * 3600)
    write_partial(tmp_path, 2)
    last_row = time.time() - 3 * 3600
    os.utime(tmp_path / PARTIAL, (last_row,) * 2)
    state = run_state(tmp_path, 10)
    assert (state.state, state.epochs, state.since) == (State.STALLED, 2, pytest.approx(last_row))
    text, _ = status.details(state, time.time())
    assert text.startswith(f"since {time.strftime('%H:%M', time.localtime(last_row))}: epoch 2 of 10")
    # Its own pace: 2 epochs in the hour after the lock, so a quiet half hour is not yet stalled.
    os.utime(tmp_path / PARTIAL, (time.time() - 1800,) * 2)
    assert run_state(tmp_path, 10).state == State.RUNNING


def test_before_its_first_row_a_writer_is_stalled_by_its_entry_s_pace_or_after_ten_minutes(tmp_path):
    write_lock(tmp_path, this_writer(), age_s=120)
    assert run_state(tmp_path, 10).state == State.RUNNING  # no pace known: ten minutes
    assert run_state(tmp_path, 10, epoch_s=2.0).state == State.STALLED  # 2 s an epoch: a minute at most
    assert run_state(tmp_path, 10, epoch_s=30.0).state == State.RUNNING  # 5 × 30 s
    os.utime(tmp_path / LOCK, (time.time() - 700,) * 2)
    assert run_state(tmp_path, 10).state == State.STALLED


def test_a_done_run_whose_entry_changed_is_out_of_date_with_what_changed(tmp_path):
    folder = write_run(tmp_path, "mlp", MLP, 0, classifier_rows(0.85, 0.4))
    assert run_state(folder, 2, entry=MLP).state == State.DONE
    state = run_state(folder, 2, entry={**MLP, "lr": 0.2, "init": "xavier_uniform"})
    assert (state.state, state.why) == (State.OUT_OF_DATE, 'added init = "xavier_uniform", lr 0.1 → 0.2')


def test_a_failed_job_says_why_from_its_log_and_where_the_log_is(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "results/runs/mlp/seed1"
    write_partial(folder, 1)
    log = tmp_path / "logs/train/mlp/seed1.log"
    log.parent.mkdir(parents=True)
    log.write_text(
        "2026-12-07 10:00:00 INFO epoch 1/2: train loss 0.6\n"
        "2026-12-07 10:00:01 ERROR job failed: no space left on device\nTraceback (most recent call last):\n"
    )
    state = run_state(folder, 2)
    assert (state.state, state.log) == (State.FAILED, log)
    assert state.why == "no space left on device; it stopped at epoch 1 of 2"
    assert status.details(state, time.time())[0].endswith("(log: logs/train/mlp/seed1.log)")
    (folder / PARTIAL).unlink()  # failed before its first epoch: nothing but the log says so
    assert run_state(folder, 2).why == "no space left on device"


def test_control_characters_from_a_run_s_files_are_never_printed(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    results = handmade_workflow(tmp_path)
    evil = "\x1b[2J\x1b]0;owned\x07"
    write_run(results / "runs", "poly", POLY, 0, POLY_ROWS, status="diverged", divergence=f"NaN {evil}")
    code, out, _ = main_output(capsys, "results")
    assert code == 0 and "\x1b" not in out and "\x07" not in out
    assert "NaN \\x1b[2J\\x1b]0;owned\\x07" in out


def test_clock():
    assert [clock(s) for s in (0, 42.4, 725, 3723, -5)] == ["0:00", "0:42", "12:05", "1:02:03", "0:00"]


# ---- What there is to run, and the table ----


def handmade_workflow(root: Path, **config) -> Path:
    """A workflow folder with config.yaml (two entries, two seeds, one sweep one of whose points is the
    catalogue's `poly`) and an empty results folder; returns the results folder."""
    sweeps = {"poly_features": {"base": "poly", "grid": {"num_features": [1, 2]}}}
    config = {"experiments": {"mlp": MLP, "poly": POLY}, "seeds": [0, 1], "sweeps": sweeps, **config}
    (root / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    (root / "results").mkdir()
    return root / "results"


def test_a_point_that_reuses_a_catalogue_run_is_counted_once(tmp_path):
    results = handmade_workflow(tmp_path)
    config = load_config(tmp_path / "config.yaml")
    groups = {g.name: g for g in plan(config, results)}
    assert [r.folder.relative_to(results).as_posix() for r in groups["poly_features"].runs] == [
        "sweeps/poly_features/num_features~1/seed0",
        "sweeps/poly_features/num_features~1/seed1",
    ]
    assert groups["poly_features"].points == 1
    folders = {r.folder.relative_to(results).as_posix() for g in groups.values() for r in g.runs}
    assert folders == produced_runs(config)
    assert sum(len(g.runs) for g in groups.values()) == len(folders)


def test_a_point_reused_at_a_seed_its_owner_lacks_is_counted_under_the_owner(tmp_path):
    sweeps = {"poly_features": {"base": "poly", "grid": {"num_features": [1, 2]}, "seeds": [0, 5]}}
    results = handmade_workflow(tmp_path, sweeps=sweeps)
    config = load_config(tmp_path / "config.yaml")
    groups = {g.name: g for g in plan(config, results)}
    assert [r.seed for r in groups["poly"].runs] == [0, 1, 5]
    folders = [r.folder.relative_to(results).as_posix() for g in groups.values() for r in g.runs]
    assert sorted(folders) == sorted(produced_runs(config))


def main_output(capsys, *args: str) -> tuple[int, str, str]:
    code = status.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_table_lists_each_run_running_first_and_totals_every_state(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    results = handmade_workflow(tmp_path)
    write_run(results / "runs", "mlp", MLP, 0, classifier_rows(0.85, 0.4))
    write_partial(results / "runs/mlp/seed1", 1)
    write_lock(results / "runs/mlp/seed1", this_writer(), age_s=100)
    write_run(results / "runs", "poly", POLY, 0, POLY_ROWS, status="diverged", divergence="loss is NaN")
    point = results / "sweeps/poly_features/num_features~1"
    write_partial(point / "seed1", 1)
    write_lock(point / "seed1", {"slurm_job_id": None, "host": platform.node(), "pid": dead_pid()})
    code, out, err = main_output(capsys, "results")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert all(len(line) <= status.WIDTH for line in lines)
    assert "\x1b" not in out  # not a terminal: no colour
    assert re.fullmatch(r"mlplab-status: results \(config config.yaml\) at [-\d]{10} [:\d]{8}", lines[0])
    mlp = lines.index(next(line for line in lines if line.startswith("  mlp ")))
    assert re.fullmatch(r"  mlp +seed 1  running +epoch 1 of 2, 1:4\d elapsed, ~1:4\d left", lines[mlp])
    assert lines[mlp + 1].split() == [
        TRAIN_LOSS,
        "0.612",
        TRAIN_ACC,
        "0.781",
        TEST_LOSS,
        "0.654",
        TEST_ACC,
        "0.770",
    ]
    assert re.fullmatch(r" +seed 0  done +2 epochs in 0:02", lines[mlp + 2])
    assert re.fullmatch(r"  poly +seed 0  diverged +at epoch 3: loss is NaN", lines[mlp + 3])
    assert re.fullmatch(r" +seed 1  waiting", lines[mlp + 4])
    sweep = lines.index("exercises (snakemake --cores all exercises)")  # started: one of its runs exists
    expected = (
        "poly_features 2 runs (1 point × 2 seeds; num_features~2 read from poly's runs): 1 failed, 1 waiting"
    )
    assert lines[sweep + 1].split() == expected.split()
    assert re.match(
        r"    num_features~1 +seed 1  failed +its job \(PID \d+ on .*\) is gone", lines[sweep + 2]
    )
    # The totals are the default target's: the catalogue's runs, not the sweeps' (`exercises` makes them).
    assert tally(out) == Counter({"running": 1, "done": 1, "diverged": 1, "waiting": 1})
    assert lines[-2] == "total  4 runs of the default target: 1 running, 1 done, 1 diverged, 1 waiting"


def test_after_a_config_edit_the_runs_it_changes_are_out_of_date(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    results = handmade_workflow(tmp_path, experiments={"mlp": {**MLP, "lr": 0.2}, "poly": POLY})
    write_run(results / "runs", "mlp", MLP, 0, classifier_rows(0.85, 0.4))
    write_run(results / "runs", "poly", POLY, 0, POLY_ROWS)
    code, out, _ = main_output(capsys, "results")
    assert code == 0 and tally(out) == Counter({"out of date": 1, "done": 1, "waiting": 2})
    assert "exercises (snakemake --cores all exercises): not started" in out.splitlines()
    assert re.search(r"  mlp +seed 0  out of date +\(lr 0\.1 → 0\.2\): reruns on the next snakemake", out)
    assert out.splitlines()[-1] == status.SEEN  # what it cannot see, said


def test_colour_only_on_a_terminal():
    table = status.Table(["mlp"], [0], colour=True)
    assert table.painted(State.FAILED) == "\x1b[31mfailed".ljust(5 + len(State.OUT_OF_DATE)) + "\x1b[0m"


def test_config_option_and_a_results_folder_given_as_dot(tmp_path, capsys, monkeypatch):
    results = handmade_workflow(tmp_path)
    (tmp_path / "config.yaml").rename(tmp_path / "other.yaml")
    code, out, _ = main_output(capsys, str(results), "--config", str(tmp_path / "other.yaml"))
    assert code == 0 and out.splitlines()[-2].startswith("total  4 runs")
    (tmp_path / "other.yaml").rename(tmp_path / "config.yaml")
    monkeypatch.chdir(results)
    code, out, _ = main_output(capsys, ".")
    assert code == 0 and "(config ../config.yaml)" in out.splitlines()[0]


@pytest.mark.parametrize(
    ("config_text", "message"),
    [
        (
            None,
            "config.yaml: cannot be read (No such file or directory); give the workflow's config with",
        ),
        ("experiments: [\n", "config.yaml: not valid YAML (line 2, column 1:"),
        ("- 1\n", "config.yaml: not a mapping of sections"),
        (
            "experiments: {}\nseeds: [0]\n",
            "config.yaml: `experiments` is missing or not a mapping of entries",
        ),
        ("experiments: {a: {kind: mlp_concise}}\nseeds: 0\n", "`seeds` is missing or not a list of integers"),
        ("experiments: {a: 3}\nseeds: [0]\n", "experiments.a is not an entry (a mapping with a kind)"),
        (
            "experiments: {a: {kind: polynomial}}\nseeds: [0]\nsweeps: {s: {base: b, grid: {lr: [1]}}}\n",
            "config.yaml: its sweeps cannot be expanded (KeyError: 'b'); `snakemake -n` names the problem",
        ),
    ],
)
def test_an_unreadable_config_is_one_line_and_exit_status_2(tmp_path, capsys, config_text, message):
    (tmp_path / "results").mkdir()
    if config_text is not None:
        (tmp_path / "config.yaml").write_text(config_text)
    code, out, err = main_output(capsys, str(tmp_path / "results"))
    assert (code, out) == (2, "")
    assert err.startswith(f"mlplab-status: {os.path.relpath(tmp_path)}/") and message in err
    assert err.count("\n") == 1


def test_a_missing_results_folder_is_exit_status_2(tmp_path, capsys):
    code, out, err = main_output(capsys, str(tmp_path / "results"))
    assert (code, out) == (2, "")
    assert err == (
        f"mlplab-status: {tmp_path}/results: no such folder (nothing has run yet, or this is not the "
        "workflow folder); give the results folder: mlplab-status RESULTS\n"
    )


@pytest.mark.parametrize("seconds", ["0", "-1", "nan", "soon"])
def test_watch_wants_a_positive_number_of_seconds(seconds, capsys):
    with pytest.raises(SystemExit) as exit_info:
        status.main(["--watch", seconds])
    assert exit_info.value.code == 2
    assert "expected a number of seconds above 0" in capsys.readouterr().err


def test_watch_redraws_until_ctrl_c_and_exits_0(tmp_path):
    results = handmade_workflow(tmp_path)
    proc = subprocess.Popen(
        [STATUS, str(results), "--watch", "0.2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    frames, seen, deadline = 0, "", time.monotonic() + 60
    try:
        while frames < 2 and time.monotonic() < deadline:  # the first frame and one redraw
            if select.select([proc.stdout], [], [], 1)[0]:
                line = proc.stdout.readline()
                seen += line
                frames += line.startswith("total  ")
        assert frames == 2, seen
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert err == ""
    assert "\x1b" not in seen + out  # not a terminal: no clearing, no colour


# ---- The tiny workflow before, during and after a run ----


def tally(out: str) -> Counter:
    """The totals line as state → count (the states with none left out)."""
    total = next(line for line in out.splitlines() if line.startswith("total  "))
    counts = (item.split(" ", 1) for item in total.split(": ", 1)[1].split(", "))
    return Counter({state: int(n) for n, state in counts if int(n)})


@pytest.mark.snakemake
def test_before_a_run_every_run_is_waiting(tmp_path, capsys):
    work = tiny.make_workdir(tmp_path)
    (work / "results").mkdir()  # as Snakemake leaves it when its first job starts
    code, out, _ = main_output(capsys, str(work / "results"))
    config = tiny.read_config(work)
    n = len(config["experiments"]) * len(config["seeds"])  # the default target's runs
    assert code == 0
    assert tally(out) == Counter({State.WAITING: n})
    assert out.splitlines()[-2] == f"total  {n} runs of the default target: {n} waiting"
    assert "exercises (snakemake --cores all exercises): not started" in out.splitlines()


@pytest.mark.snakemake
def test_during_a_run_a_held_epoch_shows_progress_and_failures_say_why(tmp_path, capsys, monkeypatch):
    work = tiny.make_workdir(tmp_path)
    monkeypatch.chdir(work)  # where Snakemake runs, and the rebuild command a failed run names
    results = work / "results"
    held = results / "runs/mlp_concise/seed0"
    with run_folder_lock(held):
        metrics = MetricsFile(held / "metrics.csv")
        metrics.write_row({"epoch": 1, **ROW})
        os.utime(held / LOCK, (time.time() - 150,) * 2)  # the job started 2.5 minutes ago
        dead = results / "runs/dropout_concise/seed1"
        write_partial(dead, 1)
        write_lock(dead, {"slurm_job_id": None, "host": platform.node(), "pid": dead_pid()})
        corrupt = results / "runs/poly_normal/seed0"
        corrupt.mkdir(parents=True)
        (corrupt / "run.json").write_text('{"experiment": ')
        code, out, _ = main_output(capsys, "results")
        metrics.file.close()
    lines = out.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("  mlp_concise "))
    assert re.fullmatch(
        r"  mlp_concise +seed 0  running +epoch 1 of 2, 2:3\d elapsed, ~2:3\d left", lines[row]
    )
    assert " ".join(lines[row + 1 : row + 3]).split() == SHOWN
    assert re.search(r"  dropout_concise +seed 1  failed +its job \(PID \d+ on .+\) is gone", out)
    assert "it stopped at epoch 1 of 2" in " ".join(out.split())
    why = "results/runs/poly_normal/seed0/run.json: cannot be read as JSON"
    assert re.search(rf"poly_normal +seed 0 +failed +{why}", " ".join(out.split())), out
    assert "snakemake --cores all -R results/runs/poly_normal/seed0/metrics.csv" in " ".join(out.split())
    config = tiny.read_config(work)
    n = len(config["experiments"]) * len(config["seeds"])  # the default target's runs
    assert (code, tally(out)) == (0, Counter({State.RUNNING: 1, State.FAILED: 2, State.WAITING: n - 3}))
    assert all(len(line) <= status.WIDTH for line in lines)


@pytest.mark.snakemake
def test_after_the_default_target_its_runs_are_finished_and_the_exercises_not_started(tiny_run, capsys):
    """What a user sees after `make run`: the totals count the default target's runs, all finished; the
    sweeps, which only `exercises` trains, are not started rather than waiting."""
    code, out, _ = main_output(capsys, str(tiny_run / "results"))
    config = tiny.read_config(tiny_run)
    n = len(config["experiments"]) * len(config["seeds"])
    assert code == 0 and sum(tally(out).values()) == n
    assert set(tally(out)) <= {State.DONE, State.CHANCE, State.DIVERGED}
    assert "exercises (snakemake --cores all exercises): not started" in out.splitlines()


def test_after_the_exercises_everything_is_done_and_the_diverging_entries_diverged(tiny_exercised, capsys):
    work = tiny_exercised
    code, out, _ = main_output(capsys, str(work / "results"))
    assert code == 0
    config = tiny.read_config(work)
    states = {
        run.folder.relative_to(work / "results").as_posix(): run_state(run.folder, run.epochs).state
        for group in plan(config, work / "results")
        for run in group.runs
    }
    assert set(states) == produced_runs(config)
    diverged = {run for run, state in states.items() if state == State.DIVERGED}
    assert diverged == {f"runs/{name}/seed{seed}" for name in tiny.DIVERGING for seed in config["seeds"]}
    assert set(states.values()) <= {State.DONE, State.CHANCE, State.DIVERGED}
    catalogue = Counter(state for run, state in states.items() if run.startswith("runs/"))
    assert tally(out) == catalogue
    assert "exercises (snakemake --cores all exercises)" in out.splitlines()  # started, and done
    for name in tiny.DIVERGING:
        assert re.search(rf"  {name} +seed \d  diverged +at epoch \d", out)
