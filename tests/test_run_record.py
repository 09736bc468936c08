"""The run record: one dataclass written by training and read, verified, by every reader."""

import json

import pytest

from mlplab.workflow.provenance import sha256_file
from mlplab.workflow.run_reading import RunFileError, read_record, rebuild_hint, run_folders, seed_of
from mlplab.workflow.run_record import (
    REQUIRED_KEYS,
    RunRecord,
    catalogue_run,
    is_complete,
    run_file,
    sweep_run,
)

ENTRY = {"kind": "polynomial", "num_features": 4, "lr": 0.01, "batch_size": 10, "epochs": 2}


def a_run(folder, **fields):
    folder.mkdir(parents=True)
    (folder / "metrics.csv").write_text("epoch,train_loss,test_loss\n1,0.5,0.6\n2,0.25,0.3\n")
    record = RunRecord(
        experiment="poly",
        config=ENTRY,
        seed=3,
        status="ok",
        final={"epoch": 2, "train_loss": 0.25, "test_loss": 0.3},
        metrics_sha256=sha256_file(folder / "metrics.csv"),
        extra={"weights": {"learned": [1.0], "true": [1.1]}},
        **fields,
    )
    record.write(folder / "run.json")
    return record


def test_a_record_round_trips_with_its_extra_keys_at_the_top_level(tmp_path):
    folder = tmp_path / "runs/poly/seed3"
    written = a_run(folder, threads=2)
    on_disk = json.loads((folder / "run.json").read_text())
    assert on_disk["weights"] == {"learned": [1.0], "true": [1.1]} and "extra" not in on_disk
    assert read_record(folder) == written
    assert written.ok and written.kind == "polynomial"


def test_required_keys_are_the_fields_without_a_default():
    assert REQUIRED_KEYS == ("experiment", "config", "seed", "status", "metrics_sha256")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda f: (f / "run.json").write_text("[]"), "not a run record \\(not a JSON object\\)"),
        (lambda f: (f / "run.json").write_text('{"seed": 3}'), "missing experiment, config, status"),
        (lambda f: (f / "run.json").write_text('{"experiment": "x", "config": 1, "seed": 0, '
                                               '"status": "ok", "metrics_sha256": ""}'), "config is not"),
        (lambda f: (f / "metrics.csv").write_text("epoch\n"), "changed after its run wrote it"),
    ],
    ids=["not an object", "missing keys", "config not an entry", "metrics changed"],
)  # fmt: skip
def test_a_damaged_record_is_refused_naming_the_file_and_the_rebuild(tmp_path, damage, message):
    folder = tmp_path / "results/runs/poly/seed3"
    a_run(folder)
    damage(folder)
    with pytest.raises(RunFileError, match=message) as caught:
        read_record(folder)
    assert f"snakemake --cores all -R {folder / 'metrics.csv'}" in str(caught.value)
    assert not is_complete(folder, ENTRY, 3)


def test_a_run_is_complete_only_for_its_own_entry_and_seed(tmp_path):
    folder = tmp_path / "runs/poly/seed3"
    a_run(folder)
    assert is_complete(folder, ENTRY, 3)
    assert not is_complete(folder, {**ENTRY, "lr": 0.1}, 3) and not is_complete(folder, ENTRY, 4)
    assert not is_complete(tmp_path / "elsewhere", ENTRY, 3)


def test_one_pattern_for_each_kind_of_run_folder():
    assert catalogue_run("mlp_concise", 0) == "runs/mlp_concise/seed0"
    assert sweep_run("mlp_lr", "lr~0.3", 2) == "sweeps/mlp_lr/lr~0.3/seed2"
    assert (
        run_file("runs/{experiment}/seed{seed}", "run.json")
        == "results/runs/{experiment}/seed{seed}/run.json"
    )
    files = ["r/runs/a/seed0/metrics.csv", "r/runs/a/seed0/run.json", "r/runs/a/seed1/run.json"]
    assert [seed_of(f) for f in run_folders(files)] == [0, 1]


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
