"""mlplab-export-mlflow: the tiny workflow's runs, sweeps included, exported into a real SQLite MLflow store
and read back with MLflow's own client, each seed's run under a parent run per entry and sweep point;
exporting again adds nothing, a retrained run replaces its MLflow run (and its parent where its statistics
change), also when two exports start together; a moved results folder is exported afresh; a damaged,
read-only, locked or unreachable store is one line and exit 2; the plan needs no MLflow, and without
MLflow the command says how to install it."""

from __future__ import annotations

import ast
import csv
import dataclasses
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

import tiny
from mlplab.presentation.stats import mean_ci
from mlplab.presentation.topics import TOPICS
from mlplab.tools.mlflow_checks import HTTP_BOUNDS, LOCK, export_lock
from mlplab.tools.mlflow_export import ARTIFACTS, DATABASE, default_uri, main
from mlplab.tools.mlflow_plan import (
    FINGERPRINT_TAG,
    FOLDER_TAG,
    PARENT_RUN,
    PARENT_TAG,
    REUSED_TAG,
    SWEEP,
    TOPIC,
    plan,
)
from mlplab.tools.mlflow_store import REPLACES_TAG
from mlplab.workflow.catalogue import METRICS
from mlplab.workflow.provenance import sha256_file
from mlplab.workflow.run_reading import read_run
from mlplab.workflow.run_record import METRICS_CSV, MODEL_PT, RUN_JSON, RunRecord
from mlplab.workflow.sweeps import expand_all, produced_runs

LIBRARY = tiny.REPO / "scripts/mlplab"


def record_of(folder: Path) -> RunRecord:
    return read_run(folder).record


def tiny_config() -> dict:
    """The tiny workflow's config; its data source is never read here."""
    return tiny.tiny_config(Path("source"), {})


# ---- The plan, without MLflow ----


def test_every_run_the_config_produces_is_planned_once():
    config = tiny_config()
    assert set(plan(config)) == produced_runs(config)


def test_an_entry_goes_to_the_first_topic_that_shows_it():
    config = tiny_config()
    planned = plan(config)
    topics = [t for t in TOPICS.values() if t.runs is not None]
    for name in config["experiments"]:
        first = next(t.name for t in topics if name in t.runs.select(config["experiments"]))
        assert planned[f"runs/{name}/seed0"].experiment == TOPIC + first
    assert not any(p.experiment == TOPIC + "comparison" for p in planned.values())


def test_a_point_that_reads_a_catalogue_entrys_runs_tags_that_run_and_adds_none():
    config = tiny_config()
    planned = plan(config)
    reused = [p for p in expand_all(config)["poly_degree"].points if not p.own]
    assert [p.run for p in reused] == ["poly_normal"]
    for seed in config["seeds"]:
        run = planned[f"runs/poly_normal/seed{seed}"]
        assert run.experiment == TOPIC + "polynomial"
        assert run.reused_by == [f"poly_degree/{reused[0].path}"]
    assert all(p.experiment == SWEEP + "poly_degree" for f, p in planned.items() if "poly_degree" in f)


def test_a_seeds_run_is_named_by_its_seed_first_and_nests_under_its_entry_or_point():
    planned = plan(tiny_config())
    concise = planned["runs/mlp_concise/seed1"]
    assert (concise.name, concise.parent_name, concise.parent) == (
        "seed1 · mlp_concise",
        "mlp_concise",
        "runs/mlp_concise",
    )
    point = planned["sweeps/mlp_lr/lr~0.05/seed0"]
    assert (point.name, point.parent) == ("seed0 · lr~0.05", "sweeps/mlp_lr/lr~0.05")


def test_only_the_export_modules_import_mlflow():
    importing = {
        path.relative_to(LIBRARY).as_posix()
        for path in LIBRARY.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Import | ast.ImportFrom)
        and any(
            name.split(".")[0] == "mlflow"
            for name in (
                [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            )
        )
    }
    assert importing == {"tools/mlflow_export.py", "tools/mlflow_store.py"}


def test_without_mlflow_the_command_says_how_to_install_it(tiny_workdir):
    """`import mlflow` fails where sys.modules holds None for it, as where it is not installed."""
    (tiny_workdir / "results").mkdir()
    code = (
        "import sys; sys.modules['mlflow'] = None; "
        "from mlplab.tools.mlflow_export import main; sys.exit(main())"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=tiny_workdir, capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert "MLflow is not installed" in proc.stderr and "requirements-mlflow.txt" in proc.stderr


def test_a_missing_results_folder_is_bad_input(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main([]) == 2
    assert "results: not a folder; give the workflow's results folder" in capsys.readouterr().err


def test_a_config_that_is_not_the_workflows_is_bad_input(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results").mkdir()
    (tmp_path / "config.yaml").write_text("- a list\n")
    assert main([]) == 2
    assert "config.yaml: not a mapping of sections" in capsys.readouterr().err
    assert not (tmp_path / "results" / DATABASE).exists()


def test_a_tracking_store_mlflow_cannot_use_is_bad_input(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "results").mkdir()
    tiny.write_config(tmp_path, tiny_config())
    assert main(["results", "--tracking-uri", "nosuch://store"]) == 2
    assert "nosuch://store: the tracking store refused" in capsys.readouterr().err


def bare_results(tmp_path: Path, monkeypatch) -> Path:
    """A working folder with the tiny config and an empty results folder, as the working directory."""
    monkeypatch.chdir(tmp_path)
    tiny.write_config(tmp_path, tiny_config())
    results = tmp_path / "results"
    results.mkdir()
    return results


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_no_wait_while_another_export_holds_the_store_exits_2_naming_it(tmp_path, monkeypatch, capsys):
    results = bare_results(tmp_path, monkeypatch)
    with export_lock(results / LOCK, wait=False, say=print):
        assert main(["results", "--no-wait"]) == 2
    line = one_line(capsys.readouterr().err)
    assert f"results/{LOCK}: another export holds the store (pid {os.getpid()} on " in line
    assert not (results / DATABASE).exists()  # nothing opened while the lock was held
    assert (results / LOCK).read_text() == ""  # released: no holder recorded


@pytest.fixture(scope="module")
def real_store(tmp_path_factory) -> bytes:
    """The bytes of a real MLflow SQLite store: its schema and the Default experiment."""
    database = tmp_path_factory.mktemp("store") / DATABASE
    MlflowClient(tracking_uri=f"sqlite:///{database}").search_experiments()
    return database.read_bytes()


@pytest.mark.parametrize(
    "damage",
    [
        "random",
        "empty",
        pytest.param("truncated", marks=pytest.mark.slow),  # MLflow's schema set-up takes seconds
    ],
)
def test_a_damaged_store_is_named_in_one_line_and_kept(damage, tmp_path, monkeypatch, capsys, request):
    results = bare_results(tmp_path, monkeypatch)
    damaged = {
        "random": lambda: os.urandom(5000),
        "empty": lambda: b"",
        "truncated": lambda: (real := request.getfixturevalue("real_store"))[: len(real) // 2],
    }[damage]()
    (results / DATABASE).write_bytes(damaged)
    assert main(["results"]) == 2
    line = one_line(capsys.readouterr().err)
    assert f"results/{DATABASE}: not a readable MLflow database" in line
    assert f"mv results/{DATABASE} results/{DATABASE}.broken" in line
    assert (results / DATABASE).read_bytes() == damaged
    assert not (results / ARTIFACTS).exists()


def test_a_read_only_results_folder_is_named_in_one_line(tmp_path, monkeypatch, capsys):
    results = bare_results(tmp_path, monkeypatch)
    results.chmod(0o555)
    try:
        if os.access(results, os.W_OK):
            pytest.skip("chmod does not stop this user (root) from writing")
        assert main(["results"]) == 2
    finally:
        results.chmod(0o755)
    line = one_line(capsys.readouterr().err)
    assert line.startswith("mlplab-export-mlflow: results: read-only") and "chmod -R u+w results" in line
    assert list(results.iterdir()) == []


@pytest.fixture
def unset_http_bounds(monkeypatch):
    """MLflow's HTTP settings unset as in a user's shell, and restored after (main sets them)."""
    for name in HTTP_BOUNDS:
        monkeypatch.setenv(name, "restored after the test")
        monkeypatch.delenv(name)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_server_is_named_in_one_line(unset_http_bounds, tmp_path, monkeypatch, capsys):
    """Refused at once by a probe, before MLflow's retries; MLflow's own are bounded, a user's kept."""
    bare_results(tmp_path, monkeypatch)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "7")
    uri = f"http://127.0.0.1:{closed_port()}"
    assert main(["results", "--tracking-uri", uri]) == 2
    line = one_line(capsys.readouterr().err)
    assert f"{uri}: no MLflow server answers there" in line and "--tracking-uri" in line
    assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == HTTP_BOUNDS["MLFLOW_HTTP_REQUEST_MAX_RETRIES"]
    assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "7"


# ---- The tiny workflow, exported ----


def export(work: Path, monkeypatch, capsys) -> tuple[int, str]:
    monkeypatch.chdir(work)
    status = main(["results"])
    out = capsys.readouterr()
    return status, out.out + out.err


def copy_of(finished: Path, tmp_path: Path) -> Path:
    work = tmp_path / "workflow"
    shutil.copytree(finished, work, symlinks=True)
    return work


def searched(client: MlflowClient, key: str) -> dict[str, object]:
    """`key`'s value → the active MLflow run tagged with it; fails on a value held twice."""
    ids = [e.experiment_id for e in client.search_experiments()]
    runs = client.search_runs(ids, f"tags.`{key}` != ''", max_results=1000)
    values = [run.data.tags[key] for run in runs]
    assert len(values) == len(set(values))
    return dict(zip(values, runs, strict=True))


def active_runs(client: MlflowClient) -> dict[str, object]:
    """Run folder → the active MLflow run that holds it, every active run being a seed's or a parent."""
    runs, parents = searched(client, FOLDER_TAG), searched(client, PARENT_TAG)
    ids = [e.experiment_id for e in client.search_experiments()]
    assert len(client.search_runs(ids, max_results=1000)) == len(runs) + len(parents)
    return runs


def parent_runs(client: MlflowClient) -> dict[str, object]:
    """Folder of seeds' folders (`runs/mlp_concise`) → its active parent run."""
    return searched(client, PARENT_TAG)


def finished_folders(results: Path) -> set[str]:
    found = [*results.glob(f"runs/*/seed*/{RUN_JSON}"), *results.glob(f"sweeps/**/seed*/{RUN_JSON}")]
    return {p.parent.relative_to(results).as_posix() for p in found}


def counted(out: str) -> tuple[dict[str, int], dict[str, int]]:
    """What an export's output says it did to the seeds' runs and to the parent runs: {"added": 24, …}."""

    def outcomes(line: str) -> dict[str, int]:
        match = re.search(rf"^\d+ {line} \(([^)]*)\)", out, re.MULTILINE)
        assert match, out
        return {what: int(n) for n, what in (part.split(" ", 1) for part in match.group(1).split(", "))}

    return outcomes(r"runs in \S+"), outcomes("parent runs")


def check_parents(client: MlflowClient, results: Path, runs: dict) -> dict[str, object]:
    """Every finished entry's and point's seeds under one parent run in their experiment, named for the
    entry or point, with the project's statistics of their final metrics; the parents, by folder."""
    parents = parent_runs(client)
    groups: dict[str, list[str]] = {}
    for folder in sorted(runs):
        groups.setdefault(folder.rpartition("/")[0], []).append(folder)
    assert set(parents) == set(groups)
    for group, folders in groups.items():
        parent = parents[group]
        assert parent.info.run_name == group.rpartition("/")[2] and parent.info.status == "FINISHED"
        records = [record_of(results / folder) for folder in folders]
        for folder, record in zip(folders, records, strict=True):
            seed = runs[folder]
            assert seed.data.tags[PARENT_RUN] == parent.info.run_id
            assert seed.info.experiment_id == parent.info.experiment_id
            assert seed.info.run_name == f"seed{record.seed} · {parent.info.run_name}"
        assert parent.data.tags["mlplab.seeds"] == ", ".join(str(r.seed) for r in records)
        completed = [r for r in records if r.ok]
        metrics = parent.data.metrics
        assert (metrics["n_seeds"], metrics["n_completed"]) == (len(records), len(completed))
        for metric in METRICS:
            values = [r.final[metric] for r in completed if metric in r.final]
            if not values:
                assert f"{metric}_mean" not in metrics
                continue
            estimate = mean_ci(values).within(metric)
            assert metrics[f"{metric}_mean"] == pytest.approx(estimate.mean)
            low, high = metrics[f"{metric}_ci_low"], metrics[f"{metric}_ci_high"]
            assert (low, high) == pytest.approx((estimate.low, estimate.high))
        assert parent.data.params.items() <= runs[folders[0]].data.params.items()
    return parents


@pytest.mark.snakemake
def test_the_tiny_workflow_reads_back_run_by_run_and_epoch_by_epoch(
    tiny_exercised, tmp_path, monkeypatch, capsys
):
    work = copy_of(tiny_exercised, tmp_path)
    results = work / "results"
    status, out = export(work, monkeypatch, capsys)
    assert status == 0, out
    folders = finished_folders(results)
    assert len(folders) == 24  # 9 entries × 2 seeds, and the sweeps' own points: 2 + 1, × 2 seeds
    assert f"{len(folders)} runs in sqlite:///results/{DATABASE} ({len(folders)} added)" in out
    assert counted(out) == ({"added": 24}, {"added": 12})  # 9 entries and 3 points, as many parents
    assert f"mlflow ui --backend-store-uri sqlite:///results/{DATABASE} --workers 1" in out
    assert not (work / "mlruns").exists() and not (tiny.REPO / "mlruns").exists()

    client = MlflowClient(tracking_uri=default_uri(results))
    experiments = {e.name: e for e in client.search_experiments()}
    wanted = {TOPIC + t for t in ("mlp", "dropout", "polynomial", "weight_decay")} | {
        SWEEP + "mlp_lr",
        SWEEP + "poly_degree",
    }
    assert set(experiments) == wanted | {"Default"}
    for name in wanted:
        assert experiments[name].artifact_location == (results / ARTIFACTS / name).as_uri()
        assert experiments[name].tags["mlflow.experimentKind"] == "custom_model_development"
    first = experiments[TOPIC + "mlp"].experiment_id
    assert f"http://127.0.0.1:5000/#/experiments/{first}/runs?workflowType=machine_learning" in out
    runs = active_runs(client)
    assert set(runs) == folders
    for folder, run in runs.items():
        record = record_of(results / folder)
        rows = (results / folder / METRICS_CSV).read_text().splitlines()
        columns = rows[0].split(",")[1:]
        assert run.info.status == "FINISHED"
        assert run.data.params == {
            k: v if isinstance(v, str) else json.dumps(v) for k, v in record.config.items()
        }
        for metric in columns:
            history = client.get_metric_history(run.info.run_id, metric)
            assert [m.step for m in history] == list(range(1, len(rows)))
        tags = run.data.tags
        assert tags["mlplab.seed"] == str(record.seed) and tags["mlplab.status"] == record.status
        assert tags["mlplab.diverged"] == ("false" if record.ok else "true")
        assert tags["mlplab.chance"] in ("true", "false") and tags["mlplab.device"] == record.device
        assert tags["mlplab.threads"] == str(record.threads)
        assert tags["mlplab.metrics_sha256"] == record.metrics_sha256
        assert tags[FINGERPRINT_TAG] == sha256_file(results / folder / RUN_JSON)
        if folder.startswith("sweeps/"):
            sweep, point, _ = folder.removeprefix("sweeps/").split("/")
            assert (tags["mlplab.sweep"], tags["mlplab.point"]) == (sweep, point)
            assert experiments[SWEEP + sweep].experiment_id == run.info.experiment_id
        else:
            assert tags["mlplab.entry"] == record.experiment
        artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
        model = (results / folder / MODEL_PT).exists()
        assert artifacts == {METRICS_CSV, RUN_JSON} | ({MODEL_PT} if model else set())
    assert runs["runs/poly_normal/seed0"].data.tags[REUSED_TAG] == "poly_degree/num_features~4"
    assert runs["runs/mlp_diverged/seed0"].data.tags["mlplab.diverged"] == "true"
    parents = check_parents(client, results, runs)
    # The point that reads poly_normal's runs has no parent of its own: they nest under poly_normal's.
    assert parents["runs/poly_normal"].data.tags[REUSED_TAG] == "poly_degree/num_features~4"
    assert parents["runs/mlp_diverged"].data.metrics["n_completed"] == 0

    status, out = export(work, monkeypatch, capsys)
    assert status == 0 and counted(out) == ({"unchanged": 24}, {"unchanged": 12})
    again = active_runs(client)
    assert {f: r.info.run_id for f, r in again.items()} == {f: r.info.run_id for f, r in runs.items()}
    assert {f: r.info.run_id for f, r in parent_runs(client).items()} == {
        f: r.info.run_id for f, r in parents.items()
    }

    # Without the sweep that reads poly_normal's runs, they and their parent keep their MLflow runs, less
    # the tag; the sweep's own runs are no longer produced: left in MLflow, said, not exported.
    config = tiny.read_config(work)
    del config["sweeps"]["poly_degree"]
    tiny.write_config(work, config)
    status, out = export(work, monkeypatch, capsys)
    assert status == 0 and f"(2 retagged, {len(folders) - 4} unchanged)" in out, out
    assert counted(out)[1] == {"retagged": 1, "unchanged": 10}
    assert "2 run folders the config no longer produces" in out
    assert REUSED_TAG not in client.get_run(runs["runs/poly_normal/seed0"].info.run_id).data.tags
    assert REUSED_TAG not in client.get_run(parents["runs/poly_normal"].info.run_id).data.tags
    assert set(active_runs(client)) == folders


def exports_at_once(work: Path) -> list[str]:
    """Two exports started together: both start while this process holds the store's lock, so that both
    are waiting (each has said so, naming this process) when it is released and they race for it. Their
    outputs, each checked to have exited 0."""
    command = [sys.executable, "-m", "mlplab.tools.mlflow_export", "results"]
    with export_lock(work / "results" / LOCK, wait=False, say=print):
        procs = [
            subprocess.Popen(command, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        waited = [proc.stderr.readline() for proc in procs if proc.stderr]
    outputs = [proc.communicate(timeout=300) for proc in procs]
    for line, proc, (out, err) in zip(waited, procs, outputs, strict=True):
        assert (
            proc.returncode == 0 and f"{LOCK}: another export holds the store (pid {os.getpid()}" in line
        ), line + out + err
    return [out for out, _ in outputs]


def retrain_with_other_metrics(folder: Path) -> None:
    """Another final test accuracy and model.pt for a run, with the run.json that names them, as training
    writes them (a retrain whose statistics change; CPU training itself reproduces its numbers)."""
    record = record_of(folder)
    rows = list(csv.DictReader(io.StringIO((folder / METRICS_CSV).read_text())))
    rows[-1]["test_acc"] = "0.125"
    with (folder / METRICS_CSV).open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    (folder / MODEL_PT).write_bytes(b"the trained parameters")
    final = {**(record.final or {}), "test_acc": 0.125}
    retrained = dataclasses.replace(
        record,
        final=final,
        metrics_sha256=sha256_file(folder / METRICS_CSV),
        model_sha256=sha256_file(folder / MODEL_PT),
    )
    (folder / RUN_JSON).write_text(json.dumps(retrained.to_dict(), indent=2))


@pytest.mark.snakemake
def test_exports_at_once_and_a_retrained_run_replaces_its_mlflow_run(
    tiny_exercised, tmp_path, monkeypatch, capsys
):
    """Two exports at once on a fresh store (one adds, the other finds everything in place), then after
    a retrain; the counts each prints are what MLflow holds: one active run per folder and per parent."""
    work = copy_of(tiny_exercised, tmp_path)
    results = work / "results"
    outputs = exports_at_once(work)
    assert sorted(map(counted, outputs), key=repr) == sorted(
        [({"added": 24}, {"added": 12}), ({"unchanged": 24}, {"unchanged": 12})], key=repr
    )
    client = MlflowClient(tracking_uri=default_uri(results))
    before, parents_before = active_runs(client), parent_runs(client)
    assert set(before) == finished_folders(results) and len(parents_before) == 12

    retrained = "runs/mlp_concise/seed0"
    final = record_of(results / retrained).final
    tiny.snakemake(work, "--force", f"results/{retrained}/{METRICS_CSV}")
    same_numbers = record_of(results / retrained).final == final
    saved = "sweeps/mlp_lr/lr~0.05/seed1"
    retrain_with_other_metrics(results / saved)

    outputs = exports_at_once(work)
    # The sweep point's parent is replaced (its statistics changed), its other seed pointed at the new
    # one; mlp_concise's only where training did not reproduce its numbers.
    replaced_parents = 1 if same_numbers else 2
    expected = [
        (
            {"replaced": 2, "retagged": replaced_parents, "unchanged": 24 - 2 - replaced_parents},
            {"replaced": replaced_parents, "unchanged": 12 - replaced_parents},
        ),
        ({"unchanged": 24}, {"unchanged": 12}),
    ]
    assert sorted(map(counted, outputs), key=repr) == sorted(expected, key=repr)
    after, parents = active_runs(client), check_parents(client, results, active_runs(client))
    assert set(after) == set(before)
    changed = {f for f in after if after[f].info.run_id != before[f].info.run_id}
    assert changed == {retrained, saved}
    for folder in changed:
        old, new = before[folder].info.run_id, after[folder]
        assert new.data.tags[REPLACES_TAG] == old
        assert client.get_run(old).info.lifecycle_stage == "deleted"
        history = client.get_metric_history(new.info.run_id, "train_loss")
        assert [m.step for m in history] == [1, 2]
    assert MODEL_PT in {a.path for a in client.list_artifacts(after[saved].info.run_id)}
    point, old_point = parents["sweeps/mlp_lr/lr~0.05"], parents_before["sweeps/mlp_lr/lr~0.05"]
    assert point.data.tags[REPLACES_TAG] == old_point.info.run_id
    assert client.get_run(old_point.info.run_id).info.lifecycle_stage == "deleted"
    assert point.data.metrics["test_acc_mean"] != old_point.data.metrics["test_acc_mean"]
    assert (parents["runs/mlp_concise"].info.run_id == parents_before["runs/mlp_concise"].info.run_id) == (
        same_numbers
    )

    (results / saved / MODEL_PT).write_bytes(b"something else")
    status, out = export(work, monkeypatch, capsys)
    model = Path("results") / saved / MODEL_PT
    assert status == 1 and f"{model}: changed after its run wrote it" in out, out


@pytest.mark.snakemake
def test_a_moved_results_folder_is_exported_afresh(tiny_run, tmp_path, monkeypatch, capsys):
    """MLflow cannot re-point an experiment's artifacts: the store made at the old place is moved aside
    (said so) and a new one made, whose artifacts are listed."""
    work = copy_of(tiny_run, tmp_path)
    assert export(work, monkeypatch, capsys)[0] == 0
    monkeypatch.chdir(tmp_path)
    moved = work.rename(tmp_path / "moved")
    results = moved / "results"
    status, out = export(moved, monkeypatch, capsys)
    assert status == 0 and f"results/{DATABASE}: made where the results folder was before" in out, out
    assert counted(out) == ({"added": 18}, {"added": 9})  # 9 entries × 2 seeds
    assert (
        len(list(results.glob(f"{DATABASE}.moved-*"))) == len(list(results.glob(f"{ARTIFACTS}.moved-*"))) == 1
    )
    client = MlflowClient(tracking_uri=default_uri(results))
    for experiment in client.search_experiments():
        if experiment.name != "Default":
            assert experiment.artifact_location.startswith((results / ARTIFACTS).as_uri() + "/")
    runs = active_runs(client)
    assert set(runs) == finished_folders(results)
    for run in runs.values():
        assert {METRICS_CSV, RUN_JSON} <= {a.path for a in client.list_artifacts(run.info.run_id)}
    status, out = export(moved, monkeypatch, capsys)
    assert status == 0 and counted(out) == ({"unchanged": 18}, {"unchanged": 9})


@pytest.mark.snakemake
def test_an_unreadable_run_is_named_and_the_others_are_exported(tiny_run, tmp_path, monkeypatch, capsys):
    work = copy_of(tiny_run, tmp_path)
    broken = work / "results/runs/dropout_concise/seed1" / METRICS_CSV
    broken.write_text(broken.read_text() + "3,0,0,0,0\n")
    status, out = export(work, monkeypatch, capsys)
    assert status == 1
    assert f"{broken.relative_to(work)}: changed after its run wrote it" in out
    assert "17 runs in" in out and "17 added" in out  # 9 entries × 2 seeds, one unreadable
    # After the default target: the sweeps' own points are the exercises', not started, not "waiting".
    assert "the exercises' 6 runs are not started (`make exercises` trains them)" in out
    assert "of the default target not finished" not in out
