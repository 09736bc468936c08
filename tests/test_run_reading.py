"""The run folder, read (`run_reading.read_run`): every file checked against run.json, the final metrics
from metrics.csv only, a folder that holds another run's files refused, and hints that name what exists.
The states of a seed folder are tested with mlplab-status (test_status.py)."""

import json
import shutil

import pytest
import yaml
from handmade_runs import POLY, write_run

import tiny
from mlplab.workflow.run_reading import RunFileError, read_run, rebuild_hint
from mlplab.workflow.run_record import MODEL_PT, RunRecord, RunWriter, run_folders, seed_of

ROWS = [{"epoch": 1, "train_loss": 0.5, "test_loss": 0.6}, {"epoch": 2, "train_loss": 0.25, "test_loss": 0.3}]


def with_model(folder, model=b"weights"):
    """A run folder with model.pt, written as training writes it."""
    with RunWriter(folder, save_weights=True) as writer:
        metrics = writer.start()
        for row in ROWS:
            metrics.write_row(row)
        return writer.finish(
            list(ROWS[0]),
            model,
            lambda m, w: RunRecord(
                experiment="poly", config=POLY, seed=3, status="ok", final=ROWS[-1], metrics_sha256=m,
                model_sha256=w, model_epoch=2,
            ),
        )  # fmt: skip


def edit_record(folder, **changes):
    record = json.loads((folder / "run.json").read_text())
    (folder / "run.json").write_text(json.dumps({**record, **changes}))


def test_a_run_is_read_with_its_epochs_and_final_metrics_from_metrics_csv(tmp_path):
    folder = tmp_path / "results/runs/poly/seed3"
    written = with_model(folder)
    run = read_run(folder)
    assert run.record == written and (run.seed, run.ok) == (3, True)
    assert run.columns == ("train_loss", "test_loss") and run.rows == tuple(ROWS)
    assert run.final_metrics == {"train_loss": 0.25, "test_loss": 0.3} and run.final("test_acc") is None
    assert run.model() == b"weights" and run.model_file == folder / MODEL_PT


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda f: (f / "run.json").write_text("[]"), "run.json: not a run record \\(not a JSON object\\)"),
        (lambda f: (f / "run.json").write_text('{"seed": 3}'), "missing experiment, config, status"),
        (lambda f: (f / "run.json").write_text('{"experiment": "x", "config": 1, "seed": 0, '
                                               '"status": "ok", "metrics_sha256": ""}'), "config is not"),
        (lambda f: (f / "metrics.csv").write_text("epoch\n"), "metrics.csv: changed after its run wrote it"),
        (lambda f: (f / "model.pt").write_bytes(b"other"), "model.pt: changed after its run wrote it"),
        (lambda f: (f / "model.pt").unlink(), "model.pt: cannot be read \\(No such file"),
        (lambda f: edit_record(f, final={**ROWS[-1], "test_loss": 0.01}), "its final metrics are not"),
        (lambda f: edit_record(f, final=None), "its final metrics are not"),
    ],
    ids=["not an object", "missing keys", "config not an entry", "metrics changed", "model changed",
         "model deleted", "final edited", "final removed"],
)  # fmt: skip
def test_a_damaged_run_is_refused_naming_the_file_and_the_rebuild(tmp_path, damage, message):
    folder = tmp_path / "results/runs/poly/seed3"
    with_model(folder)
    damage(folder)
    with pytest.raises(RunFileError, match=message) as caught:
        read_run(folder)
    assert f"snakemake --cores all -R {folder / 'metrics.csv'}" in str(caught.value)


def test_a_copied_seed_folder_is_not_another_seed(tmp_path):
    """`cp -a seed1 seed2` must not count as a third seed, though every SHA-256 in it checks out."""
    runs = tmp_path / "results/runs"
    write_run(runs, "poly", POLY, 1, ROWS)
    shutil.copytree(runs / "poly/seed1", runs / "poly/seed2")
    with pytest.raises(RunFileError, match="run.json: it records seed 1, but its folder is for seed 2"):
        read_run(runs / "poly/seed2")
    shutil.copytree(runs / "poly", runs / "poly_copy")
    with pytest.raises(RunFileError, match="it records the run 'poly', but its folder is for 'poly_copy'"):
        read_run(runs / "poly_copy/seed1")
    point = write_run(tmp_path / "results/sweeps", "mlp_lr/lr~0.1", POLY, 0, ROWS)
    assert read_run(point).record.experiment == "mlp_lr/lr~0.1"


@pytest.mark.parametrize(
    "run",
    ["runs/poly/seed3", "sweeps/mlp_lr/lr~0.3/seed0", "sweeps/dropout_rates/dropout~0-0/init~xavier/seed1"],
)
def test_a_run_in_a_copied_results_folder_is_rebuilt_where_it_was_made(tmp_path, run):
    """Only the workflow's own results/ can be rebuilt in place; in a copy the hint gives the path the
    workflow writes the run to, and names the copy."""
    assert rebuild_hint(tmp_path / "results" / run) == (
        f"rebuild the run with: snakemake --cores all -R {tmp_path / 'results' / run / 'metrics.csv'}"
    )
    copy = tmp_path / "results" / "results-before"  # a copy kept inside results/ is a copy too
    hint = rebuild_hint(copy / run)
    assert hint.startswith(f"{copy} is not a results folder the workflow wrote")
    assert hint.endswith(f"snakemake --cores all -R results/{run}/metrics.csv")


def test_a_run_the_config_no_longer_makes_is_to_be_removed_not_rebuilt(tmp_path):
    config = yaml.safe_load((tiny.REPO / "config.yaml").read_text())
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    kept, removed = tmp_path / "results/runs/poly_normal/seed0", tmp_path / "results/runs/poly_gone/seed0"
    assert rebuild_hint(kept).startswith("rebuild the run with: snakemake --cores all -R")
    gone = f"{tmp_path / 'config.yaml'} no longer makes this run (its entry, point or seed was removed)"
    assert rebuild_hint(removed) == f"{gone}: remove {removed}"
    seed9 = tmp_path / "results/runs/poly_normal/seed9"
    assert rebuild_hint(seed9) == f"{gone}: remove {seed9}"


def test_run_folders_of_files_in_first_seen_order():
    files = ["r/runs/a/seed0/metrics.csv", "r/runs/a/seed0/run.json", "r/runs/a/seed1/run.json"]
    assert [seed_of(f) for f in run_folders(files)] == [0, 1]
