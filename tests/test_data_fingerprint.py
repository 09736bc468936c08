"""Data provenance: the rules that make data write a fingerprint beside it, every run records the
fingerprints of the data it trained on, and a file that is not the data the workflow made is refused
before anything trains."""

import json
import shutil
from pathlib import Path

import pytest
import torch

import tiny
from mlplab.workflow.data_fingerprint import (
    DataMismatchError,
    fingerprint_file,
    tensors_sha256,
    verified,
    write_fingerprint,
)
from mlplab.workflow.run_execution import DataFileError, load_inputs
from mlplab.workflow.run_reading import read_run


def test_the_fingerprint_is_of_the_tensors_not_the_file(tmp_path):
    data = {"images": torch.arange(12, dtype=torch.uint8).reshape(3, 4), "labels": torch.tensor([1, 2, 3])}
    path = tmp_path / "train.pt"
    torch.save(data, path)
    written = write_fingerprint(data, path, sources={"raw.gz": "ab"})
    assert json.loads(Path(fingerprint_file(path)).read_text()) == written
    assert written["sources"] == {"raw.gz": "ab"} and written["file"] == str(path)
    # The same tensors saved again (another container, another order) have the same fingerprint.
    again = tmp_path / "again.pt"
    torch.save({"labels": data["labels"].clone(), "images": data["images"].clone()}, again)
    assert tensors_sha256(torch.load(again, weights_only=True)) == written["sha256"]
    assert verified(torch.load(path, weights_only=True), path) == written
    # A changed value, dtype or shape is other data.
    for other in (
        {**data, "labels": torch.tensor([1, 2, 4])},
        {**data, "labels": data["labels"].to(torch.int32)},
        {**data, "images": data["images"].reshape(4, 3)},
    ):
        assert tensors_sha256(other) != written["sha256"]


def test_other_data_or_a_missing_fingerprint_is_refused_with_the_rebuild_command(tmp_path):
    path = tmp_path / "train.pt"
    write_fingerprint({"x": torch.zeros(3)}, path)
    with pytest.raises(DataMismatchError, match="holds other data than the workflow made") as caught:
        verified({"x": torch.ones(3)}, path)
    assert f"snakemake --cores all -R {path}" in str(caught.value)
    with pytest.raises(DataMismatchError, match="fingerprint .* is missing or corrupt"):
        verified({"x": torch.zeros(3)}, tmp_path / "other.pt")


def test_test_data_put_over_the_training_data_with_its_fingerprint_is_refused(tmp_path):
    """Both files edited to match: each verifies, but a run must never be measured on what it trained on."""
    train, test = tmp_path / "train.pt", tmp_path / "test.pt"
    split = {"images": torch.zeros(4, 28, 28, dtype=torch.uint8), "labels": torch.arange(4)}
    for path in (train, test):
        torch.save(split, path)
        write_fingerprint(split, path)
    with pytest.raises(DataFileError, match=f"{train} holds the same data as {test}|{test} holds the same"):
        load_inputs({"train": str(train), "test": str(test)})


@pytest.mark.snakemake
def test_every_run_records_the_data_it_trained_on(tiny_run):
    raw = tiny.read_config(tiny_run)["data"]["fashion_mnist"]["checksums"]
    classifier = read_run(tiny_run / "results/runs/mlp_concise/seed0").record
    assert set(classifier.data) == {"train", "test"}
    train = classifier.data["train"]
    assert train["file"] == "data/fashion-mnist/train.pt"
    # The raw files it was decoded from, by the SHA-256 the config's checksums verify.
    assert train["sources"] == {name: raw[name]["sha256"] for name in train["sources"]}
    assert set(train["sources"]) == {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"}
    poly = read_run(tiny_run / "results/runs/poly_normal/seed0").record.data["polynomial"]
    generator = tiny.read_config(tiny_run)["data"]["polynomial"]
    assert {k: poly["generator"][k] for k in generator} == generator
    assert len(poly["generator"]["code_sha256"]) == 64


@pytest.mark.snakemake
def test_test_data_copied_over_the_training_data_is_refused_before_training(tiny_run, tmp_path):
    work = tmp_path / "workflow"
    shutil.copytree(tiny_run, work, symlinks=True)
    shutil.copy(work / "data/fashion-mnist/test.pt", work / "data/fashion-mnist/train.pt")
    run = work / "results/runs/mlp_concise/seed0"
    before = (run / "metrics.csv").read_bytes()
    # Snakemake sees train.pt's content change (checksum) and reruns the runs that read it.
    proc = tiny.snakemake(work, "results/runs/mlp_concise/seed0/metrics.csv", check=False)
    assert proc.returncode != 0
    log = (work / "logs/train/mlp_concise/seed0.log").read_text()
    assert "holds other data" in log, proc.stderr[-3000:]
    assert "data/fashion-mnist/train.pt: holds other data than the workflow made" in log
    assert "snakemake --cores all -R data/fashion-mnist/train.pt" in log
    assert "epoch 1" not in log  # refused before the first epoch
    # Nothing that Snakemake could take for a result: the failed job's outputs are gone, no partial file.
    assert not (run / "metrics.csv").exists() and not (run / "metrics.csv.partial").exists()
    assert before  # the run had a result before
