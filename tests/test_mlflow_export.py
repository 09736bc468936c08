"""mlplab-export-mlflow: the tiny workflow's runs, sweeps included, exported into a real SQLite MLflow store
and read back with MLflow's own client; exporting again adds nothing, a retrained run replaces its MLflow
run; the plan needs no MLflow, and without MLflow the command says how to install it."""

from __future__ import annotations

import ast
import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow.tracking import MlflowClient

import tiny
from mlplab.presentation.topics import TOPICS
from mlplab.tools.mlflow_export import ARTIFACTS, DATABASE, REPLACES_TAG, default_uri, main
from mlplab.tools.mlflow_plan import FINGERPRINT_TAG, FOLDER_TAG, MODEL_PT, REUSED_TAG, SWEEP, TOPIC, plan
from mlplab.workflow.provenance import sha256_file
from mlplab.workflow.run_reading import read_record
from mlplab.workflow.run_record import METRICS_CSV, RUN_JSON
from mlplab.workflow.sweeps import expand_all, produced_runs

LIBRARY = tiny.REPO / "scripts/mlplab"


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


def test_only_the_export_module_imports_mlflow():
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
    assert importing == {"tools/mlflow_export.py"}


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


# ---- The tiny workflow, exported ----


@pytest.fixture(scope="module")
def exercised(tiny_run: Path, tmp_path_factory) -> Path:
    """A copy of the session's finished tiny run with its sweeps trained (`snakemake exercises`)."""
    work = tmp_path_factory.mktemp("mlflow_exercised") / "workflow"
    shutil.copytree(tiny_run, work, symlinks=True)
    tiny.snakemake(work, "exercises")
    return work


def export(work: Path, monkeypatch, capsys) -> tuple[int, str]:
    monkeypatch.chdir(work)
    status = main(["results"])
    out = capsys.readouterr()
    return status, out.out + out.err


def copy_of(exercised: Path, tmp_path: Path) -> Path:
    work = tmp_path / "workflow"
    shutil.copytree(exercised, work, symlinks=True)
    return work


def active_runs(client: MlflowClient) -> dict[str, object]:
    """Run folder → the active MLflow run that holds it; fails on a folder held twice."""
    ids = [e.experiment_id for e in client.search_experiments()]
    runs = client.search_runs(ids, max_results=1000)
    folders = [run.data.tags[FOLDER_TAG] for run in runs]
    assert len(folders) == len(set(folders))
    return dict(zip(folders, runs, strict=True))


def finished_folders(results: Path) -> set[str]:
    found = [*results.glob(f"runs/*/seed*/{RUN_JSON}"), *results.glob(f"sweeps/**/seed*/{RUN_JSON}")]
    return {p.parent.relative_to(results).as_posix() for p in found}


@pytest.mark.snakemake
def test_the_tiny_workflow_reads_back_run_by_run_and_epoch_by_epoch(exercised, tmp_path, monkeypatch, capsys):
    work = copy_of(exercised, tmp_path)
    results = work / "results"
    status, out = export(work, monkeypatch, capsys)
    assert status == 0, out
    folders = finished_folders(results)
    assert len(folders) == 24  # 9 entries × 2 seeds, and the sweeps' own points: 2 + 1, × 2 seeds
    assert f"{len(folders)} runs in sqlite:///results/{DATABASE} ({len(folders)} added)" in out
    assert f"mlflow ui --backend-store-uri sqlite:///results/{DATABASE}" in out
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
    runs = active_runs(client)
    assert set(runs) == folders
    for folder, run in runs.items():
        record = read_record(results / folder)
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

    status, out = export(work, monkeypatch, capsys)
    assert status == 0 and f"({len(folders)} unchanged)" in out
    again = active_runs(client)
    assert {f: r.info.run_id for f, r in again.items()} == {f: r.info.run_id for f, r in runs.items()}

    # Without the sweep that reads poly_normal's runs, they keep their MLflow runs, less the tag; the
    # sweep's own runs are no longer produced: left in MLflow, said, not exported.
    config = tiny.read_config(work)
    del config["sweeps"]["poly_degree"]
    tiny.write_config(work, config)
    status, out = export(work, monkeypatch, capsys)
    assert status == 0 and f"(2 retagged, {len(folders) - 4} unchanged)" in out, out
    assert "2 run folders the config no longer produces" in out
    assert REUSED_TAG not in client.get_run(runs["runs/poly_normal/seed0"].info.run_id).data.tags
    assert set(active_runs(client)) == folders


@pytest.mark.snakemake
def test_a_retrained_run_replaces_its_mlflow_run(exercised, tmp_path, monkeypatch, capsys):
    work = copy_of(exercised, tmp_path)
    results = work / "results"
    assert export(work, monkeypatch, capsys)[0] == 0
    client = MlflowClient(tracking_uri=default_uri(results))
    before = active_runs(client)

    retrained = "runs/mlp_concise/seed0"
    tiny.snakemake(work, "--force", f"results/{retrained}/{METRICS_CSV}")
    # Another model.pt and the run.json that names it, as training writes them where weights are saved.
    saved = results / "sweeps/mlp_lr/lr~0.05/seed1"
    (saved / MODEL_PT).write_bytes(b"the trained parameters")
    record = read_record(saved)
    dataclasses.replace(record, model_sha256=sha256_file(saved / MODEL_PT)).write(saved / RUN_JSON)

    status, out = export(work, monkeypatch, capsys)
    assert status == 0 and "2 replaced" in out and f"{len(before) - 2} unchanged" in out, out
    after = active_runs(client)
    assert set(after) == set(before)
    changed = {f for f in after if after[f].info.run_id != before[f].info.run_id}
    assert changed == {retrained, saved.relative_to(results).as_posix()}
    for folder in changed:
        old, new = before[folder].info.run_id, after[folder]
        assert new.data.tags[REPLACES_TAG] == old
        assert client.get_run(old).info.lifecycle_stage == "deleted"
        history = client.get_metric_history(new.info.run_id, "train_loss")
        assert [m.step for m in history] == [1, 2]
    assert MODEL_PT in {
        a.path for a in client.list_artifacts(after[saved.relative_to(results).as_posix()].info.run_id)
    }

    (saved / MODEL_PT).write_bytes(b"something else")
    status, out = export(work, monkeypatch, capsys)
    model = saved.relative_to(work) / MODEL_PT
    assert status == 1 and f"{model}: not the file its run saved" in out


@pytest.mark.snakemake
def test_an_unreadable_run_is_named_and_the_others_are_exported(tiny_run, tmp_path, monkeypatch, capsys):
    work = tmp_path / "workflow"
    shutil.copytree(tiny_run, work, symlinks=True)
    broken = work / "results/runs/dropout_concise/seed1" / METRICS_CSV
    broken.write_text(broken.read_text() + "3,0,0,0,0\n")
    status, out = export(work, monkeypatch, capsys)
    assert status == 1
    assert f"{broken.relative_to(work)}: changed after its run wrote it" in out
    assert "17 runs in" in out and "17 added" in out  # 9 entries × 2 seeds, one unreadable
    assert "6 run folders not finished yet" in out  # the sweeps' own points, not trained here
