"""The run folder, written (`run_record`): the record's fields, the order and names of the files, and
writes that never follow a link nor leave a temporary file behind."""

import json
import os
import subprocess

import pytest
from source_scan import LIBRARY, imported_names, python_files, string_constants

import tiny
from mlplab.workflow.provenance import sha256_file
from mlplab.workflow.run_record import (
    LOCK,
    METRICS_CSV,
    MODEL_PT,
    PARTIAL,
    REQUIRED_KEYS,
    RUN_JSON,
    RunFolderError,
    RunRecord,
    RunWriter,
    catalogue_run,
    is_complete,
    run_file,
    run_log,
    sweep_run,
    temporary,
)

ENTRY = {"kind": "polynomial", "num_features": 4, "lr": 0.01, "batch_size": 10, "epochs": 2}
ROWS = [{"epoch": 1, "train_loss": 0.5, "test_loss": 0.6}, {"epoch": 2, "train_loss": 0.25, "test_loss": 0.3}]


def record_of(metrics_sha256: str, model_sha256: str | None, **fields) -> RunRecord:
    return RunRecord(
        experiment="poly",
        config=ENTRY,
        seed=3,
        status="ok",
        final=ROWS[-1],
        metrics_sha256=metrics_sha256,
        model_sha256=model_sha256,
        extra={"weights": {"learned": [1.0], "true": [1.1]}},
        **fields,
    )


def write(folder, model: bytes | None = b"weights", save_weights=True, rows=ROWS, **fields) -> RunRecord:
    """A run written as the training job writes it."""
    with RunWriter(folder, save_weights) as writer:
        metrics = writer.start()
        for row in rows:
            metrics.write_row(row)
        return writer.finish(list(ROWS[0]), model, lambda m, w: record_of(m, w, **fields))


def test_the_files_are_written_in_order_with_their_digests(tmp_path):
    folder = tmp_path / "runs/poly/seed3"
    written = write(folder, threads=2)
    assert sorted(p.name for p in folder.iterdir()) == [METRICS_CSV, MODEL_PT, RUN_JSON]
    assert (folder / METRICS_CSV).read_text() == "epoch,train_loss,test_loss\n1,0.5,0.6\n2,0.25,0.3\n"
    on_disk = json.loads((folder / RUN_JSON).read_text())
    assert on_disk["metrics_sha256"] == sha256_file(folder / METRICS_CSV) == written.metrics_sha256
    assert on_disk["model_sha256"] == sha256_file(folder / MODEL_PT) == written.model_sha256
    # model.pt is there before run.json: a run.json never names a model that is not yet written.
    assert (folder / MODEL_PT).stat().st_mtime_ns <= (folder / RUN_JSON).stat().st_mtime_ns
    assert on_disk["weights"] == {"learned": [1.0], "true": [1.1]} and "extra" not in on_disk
    assert RunRecord.from_dict(on_disk) == written and written.ok and written.kind == "polynomial"


def test_with_weights_off_no_model_is_written_and_an_old_one_is_removed(tmp_path):
    folder = tmp_path / "seed3"
    write(folder)
    written = write(folder, save_weights=False)
    assert written.model_sha256 is None and not (folder / MODEL_PT).exists()


def test_required_keys_are_the_fields_without_a_default():
    assert REQUIRED_KEYS == ("experiment", "config", "seed", "status", "metrics_sha256")


@pytest.mark.parametrize("name", [PARTIAL, temporary(MODEL_PT), temporary(RUN_JSON), METRICS_CSV, LOCK])
def test_a_link_planted_in_a_run_folder_is_refused_and_its_target_untouched(tmp_path, name):
    """Whoever can write a shared run folder must not make the job overwrite another file."""
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    folder = tmp_path / "seed3"
    folder.mkdir()
    os.symlink(target, folder / name)
    with pytest.raises(RunFolderError, match=f"{folder / name} → {target}: a symbolic link"):
        write(folder)
    assert target.read_text() == "keep me"
    assert (folder / name).is_symlink() and not (folder / RUN_JSON).exists()


def test_a_run_folder_that_is_a_link_is_refused_but_a_linked_results_folder_is_not(tmp_path):
    scratch = tmp_path / "scratch"
    (scratch / "runs/poly").mkdir(parents=True)
    os.symlink(scratch, tmp_path / "results")  # results/ on a cluster's scratch space: normal
    write(tmp_path / "results/runs/poly/seed3")
    assert (scratch / "runs/poly/seed3" / RUN_JSON).exists()
    os.symlink(scratch / "runs/poly/seed3", tmp_path / "seed4")
    with pytest.raises(RunFolderError, match="seed4 → .*: a symbolic link"):
        write(tmp_path / "seed4")


def test_a_temporary_file_left_by_a_killed_job_is_replaced(tmp_path):
    folder = tmp_path / "seed3"
    folder.mkdir()
    (folder / temporary(MODEL_PT)).write_text("half a model")
    (folder / PARTIAL).write_text("epoch,train_loss\n1,9\n")
    write(folder)
    assert sorted(p.name for p in folder.iterdir()) == [METRICS_CSV, MODEL_PT, RUN_JSON]
    assert (folder / MODEL_PT).read_bytes() == b"weights"


def test_a_failed_write_leaves_no_temporary_file_and_no_record(tmp_path):
    folder = tmp_path / "seed3"

    def full_disk(metrics_sha256, model_sha256):
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"), RunWriter(folder, save_weights=True) as writer:
        metrics = writer.start()
        metrics.write_row(ROWS[0])
        writer.finish(list(ROWS[0]), b"weights", full_disk)
    assert not list(folder.glob(".*.tmp")) and not (folder / RUN_JSON).exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_a_full_disk_removes_the_temporary_files(tmp_path):
    """A real full disk (a 64 KiB tmpfs) while model.pt is written."""
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        with pytest.raises(OSError, match="No space left on device"):
            write(mount / "seed3", model=os.urandom(1 << 20))
        assert not list((mount / "seed3").glob(".*.tmp")) and not (mount / "seed3" / RUN_JSON).exists()
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_run_is_complete_only_for_its_own_entry_seed_and_model(tmp_path):
    folder = tmp_path / "runs/poly/seed3"
    write(folder)
    assert is_complete(folder, ENTRY, 3, save_weights=True)
    assert not is_complete(folder, {**ENTRY, "lr": 0.1}, 3, True) and not is_complete(folder, ENTRY, 4, True)
    assert not is_complete(tmp_path / "elsewhere", ENTRY, 3, True)
    (folder / MODEL_PT).write_bytes(b"other weights")
    assert not is_complete(folder, ENTRY, 3, True)
    (folder / MODEL_PT).unlink()
    assert not is_complete(folder, ENTRY, 3, True)
    write(folder, save_weights=False)
    assert is_complete(folder, ENTRY, 3, save_weights=False) and not is_complete(folder, ENTRY, 3, True)


def test_one_pattern_for_each_kind_of_run_folder_and_its_log():
    assert catalogue_run("mlp_concise", 0) == "runs/mlp_concise/seed0"
    assert sweep_run("mlp_lr", "lr~0.3", 2) == "sweeps/mlp_lr/lr~0.3/seed2"
    assert (
        run_file("runs/{experiment}/seed{seed}", RUN_JSON) == "results/runs/{experiment}/seed{seed}/run.json"
    )
    assert run_log("runs/{experiment}/seed{seed}") == "logs/train/{experiment}/seed{seed}.log"
    assert run_log(sweep_run("mlp_lr", "lr~0.3", 2)) == "logs/train/sweeps/mlp_lr/lr~0.3/seed2.log"


# The run folder's files, by the names run_record declares for them; only it and run_reading may use them.
FILE_NAMES = {RUN_JSON, METRICS_CSV, PARTIAL, MODEL_PT, LOCK, temporary(MODEL_PT), temporary(RUN_JSON)}
FILE_CONSTANTS = {"RUN_JSON", "METRICS_CSV", "PARTIAL", "MODEL_PT", "LOCK", "temporary"}
OWNERS = {LIBRARY / "workflow/run_record.py", LIBRARY / "workflow/run_reading.py"}


def test_no_module_but_the_run_folder_s_two_names_its_files():
    """Every other module asks `run_record` and `run_reading` (the lock's own module may use its name)."""
    named = [
        f"{path.relative_to(tiny.REPO)}:{line}: {value!r}"
        for path in python_files()
        if path not in OWNERS
        for line, value in string_constants(path)
        if value in FILE_NAMES or any(value.endswith(f"/{name}") for name in FILE_NAMES)
    ]
    imported = [
        f"{path.relative_to(tiny.REPO)}:{line}: imports {name}"
        for path in python_files()
        if path not in OWNERS
        for line, name in imported_names(path, "mlplab.workflow.run_record")
        if name in FILE_CONSTANTS and not (path.name == "run_lock.py" and name == "LOCK")
    ]
    assert not named + imported
