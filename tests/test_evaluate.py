"""Saved weights (model.pt) and mlplab-evaluate: every kind's run saves what it trained, loadable as
tensors only and named in run.json by its SHA-256, and reloading it recomputes the run's final metrics
bit for bit; bad input (a changed model.pt or data file, a diverged run, weights off) is refused naming
the file. The unit tests train as the train rule does, in a workflow-like folder; the `snakemake` ones
read the tiny workflow's runs and run Snakemake with weights off."""

import contextlib
import hashlib
import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import tiny
from mlplab.chapter.synthetic import linear_data, polynomial_data
from mlplab.tools import evaluate
from mlplab.workflow import run_execution as runs
from mlplab.workflow.catalogue import DATASETS, KINDS, Family, parse_entry
from mlplab.workflow.data_fingerprint import write_fingerprint
from mlplab.workflow.idx import decode_split, save_split
from mlplab.workflow.named_objects import resolve
from mlplab.workflow.run_record import METRICS_CSV, MODEL_PT, RUN_JSON, catalogue_run
from tiny import FASHION_NAMES, fake_fashion_mnist

CPU = torch.device("cpu")
EVALUATE = str(Path(sys.executable).with_name("mlplab-evaluate"))
DATA_FILES = {
    "train": "data/fashion-mnist/train.pt",
    "test": "data/fashion-mnist/test.pt",
    "polynomial": "data/polynomial.pt",
    "linear": "data/linear.pt",
}
MLP = dict(kind="mlp_concise", num_hiddens=16, init_std=0.01, lr=0.1, batch_size=64, epochs=2)
DROPOUT = {**MLP, "num_hiddens": [16, 16], "dropout": [0.2, 0.5], "init_std": 0.1}
ENTRIES = {
    "mlp_concise": MLP,
    "mlp_scratch": {**MLP, "kind": "mlp_scratch", "relu_output": True},
    "dropout_scratch": {**DROPOUT, "kind": "dropout_scratch"},
    # A validation set: its metrics are recomputed too, on the examples the run's seed held out.
    "dropout_concise_validation": {**DROPOUT, "kind": "dropout_concise", "validation": 300},
    "polynomial": dict(kind="polynomial", num_features=4, lr=0.01, batch_size=10, epochs=20),
    "weight_decay_scratch": dict(kind="weight_decay_scratch", wd=3.0, lr=0.003, batch_size=5, epochs=10),
    "weight_decay_concise": dict(kind="weight_decay_concise", wd=3.0, lr=0.003, batch_size=5, epochs=10),
}
# What each regression saves: its linear layer's state, or the from-scratch fit's own w and b.
REGRESSION_PARAMETERS = {
    "polynomial": {"weight"},
    "weight_decay_scratch": {"w", "b"},
    "weight_decay_concise": {"weight", "bias"},
}
DIVERGING = dict(kind="polynomial", num_features=20, lr=50.0, batch_size=10, epochs=6)


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    """A folder laid out as the workflow's: data files with their fingerprints, written with the paths
    relative to it that run.json records."""
    root = tmp_path_factory.mktemp("workflow")
    fake_fashion_mnist(root / "raw", n_train=1200, n_test=300)
    with contextlib.chdir(root):
        Path("data/fashion-mnist").mkdir(parents=True)
        for split, (images, labels) in FASHION_NAMES.items():
            split_data = decode_split(Path("raw") / images, Path("raw") / labels)
            save_split(split_data, DATA_FILES[split])
            write_fingerprint(split_data, DATA_FILES[split])
        poly = polynomial_data(20, 100, 100, [5.0, 1.2, -3.4, 5.6], 0.1, seed=0)
        lin = linear_data(20, 100, 200, 0.01, 0.05, 0.01, seed=0)
        for name, data in (("polynomial", poly), ("linear", lin)):
            torch.save(data, DATA_FILES[name])
            write_fingerprint(data, DATA_FILES[name])
    return root


@pytest.fixture(autouse=True)
def one_thread():
    """The runs train with one thread, as run.json says; mlplab-evaluate sets torch to it in this process."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def train_run(
    workflow: Path,
    name: str,
    hp: dict,
    seed: int = 0,
    save_weights: bool = True,
    diverge_at: int | None = None,
) -> Path:
    """What scripts/train.py does for one run (`run_execution.train_run`), in a workflow-like folder."""
    folder = workflow / "results" / catalogue_run(name, seed)
    data_paths = {split: DATA_FILES[split] for split in DATASETS[KINDS[hp["kind"]].data]}
    with contextlib.chdir(workflow):
        runs.train_run(
            folder.relative_to(workflow), hp, name=name, seed=seed, data_paths=data_paths, device=CPU,
            threads=torch.get_num_threads(), save_weights=save_weights, log=logging.getLogger("test"),
            diverge_at=diverge_at,
        )  # fmt: skip
    return folder


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def last_row(folder: Path) -> dict[str, str]:
    lines = (folder / METRICS_CSV).read_text().splitlines()
    return dict(zip(lines[0].split(","), lines[-1].split(","), strict=True))


VERDICTS = ("equal", "DIFFERS")  # the last column of each metric's line


def evaluated(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()  # what training printed before
    code = evaluate.main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


# ---- Every kind saves its parameters, and reloading them gives its metrics back ----


@pytest.mark.parametrize("name", ENTRIES)
def test_a_run_saves_its_parameters_and_evaluate_recomputes_its_final_metrics(workflow, capsys, name):
    hp = ENTRIES[name]
    folder = train_run(workflow, name, hp)
    record = read_json(folder / RUN_JSON)
    assert record["status"] == "ok" and record["model_sha256"] == sha256(folder / MODEL_PT)
    parameters = torch.load(folder / MODEL_PT, weights_only=True)
    assert type(parameters) is dict and parameters
    assert all(isinstance(t, torch.Tensor) and t.device == CPU for t in parameters.values())
    kind = KINDS[hp["kind"]]
    if kind.family == Family.CLASSIFIER:
        assert set(parameters) == set(resolve(kind.model)(parse_entry(hp)).state_dict())
    else:
        assert set(parameters) == REGRESSION_PARAMETERS[hp["kind"]]

    code, out, err = evaluated(capsys, folder)
    assert (code, err) == (0, "")
    row = last_row(folder)
    recomputed = {cells[0]: cells for cells in map(str.split, out.splitlines()) if cells[-1] in VERDICTS}
    assert set(recomputed) <= set(row) and "test_loss" in recomputed
    for metric, (_, written, again, verdict) in recomputed.items():
        assert (written, verdict) == (row[metric], "equal") and float(again) == float(row[metric])
    if kind.family == Family.CLASSIFIER:
        assert "test_acc" in recomputed and ("val_acc" in recomputed) == ("validation" in hp)
    assert ("w_norm" in recomputed) == ("w_norm" in row)
    assert f"all {len(recomputed)} recomputed metrics equal metrics.csv's last row" in out


def test_the_saved_parameters_are_the_trained_ones(workflow):
    """model.pt holds what the fit ended with: the polynomial's learned weights, which run.json also lists."""
    folder = train_run(workflow, "poly_weights", ENTRIES["polynomial"])
    saved = torch.load(folder / MODEL_PT, weights_only=True)["weight"]
    assert saved.squeeze(0).tolist() == read_json(folder / RUN_JSON)["weights"]["learned"]


# ---- What is refused, and why ----


def test_a_diverged_run_saves_its_last_finite_parameters_and_evaluate_recomputes_them(workflow, capsys):
    """Diverged at epoch 3: model.pt holds epoch 2's parameters, which score metrics.csv's last row."""
    folder = train_run(workflow, "diverged", ENTRIES["polynomial"], diverge_at=3)
    record = read_json(folder / RUN_JSON)
    assert (record["status"], record["model_epoch"], record["epochs_completed"]) == ("diverged", 2, 2)
    assert record["model_sha256"] == sha256(folder / MODEL_PT)
    code, out, err = evaluated(capsys, folder)
    assert (code, err) == (0, "") and "epoch 2," in out and "all 2 recomputed metrics equal" in out


def test_a_run_diverged_in_its_first_epoch_keeps_its_initial_parameters(workflow, capsys):
    folder = train_run(workflow, "diverged_at_once", DIVERGING, diverge_at=1)
    record = read_json(folder / RUN_JSON)
    assert (record["status"], record["model_epoch"], record["epochs_completed"]) == ("diverged", 0, 0)
    assert torch.load(folder / MODEL_PT, weights_only=True)["weight"].isfinite().all()
    code, out, err = evaluated(capsys, folder)
    assert code == 2 and out == "" and "model.pt holds the initial parameters" in err


def test_a_run_without_weights_is_refused_saying_why(workflow, capsys):
    folder = train_run(workflow, "no_weights", ENTRIES["weight_decay_concise"], save_weights=False)
    assert read_json(folder / RUN_JSON)["model_sha256"] is None and not (folder / MODEL_PT).exists()
    code, _, err = evaluated(capsys, folder)
    assert (
        code == 2
        and "model_sha256 is null: the run saved no weights (trained with save_weights: false" in err
    )


@pytest.fixture(scope="module")
def classifier_run(workflow):
    return train_run(workflow, "mlp", MLP)


def test_a_changed_model_pt_is_refused_naming_it(classifier_run, tmp_path, capsys):
    folder = tmp_path / "results" / "runs" / "mlp" / "seed0"
    shutil.copytree(classifier_run, folder)
    model = bytearray((folder / MODEL_PT).read_bytes())
    model[-100] ^= 1
    (folder / MODEL_PT).write_bytes(bytes(model))
    code, out, err = evaluated(capsys, folder, "--data-root", classifier_run.parents[3])
    assert code == 2 and out == ""
    assert err.startswith(f"mlplab-evaluate: {folder / MODEL_PT}: changed after its run wrote it")
    assert err.count("\n") == 1
    (folder / MODEL_PT).unlink()
    code, _, err = evaluated(capsys, folder, "--data-root", classifier_run.parents[3])
    assert code == 2 and err.startswith(f"mlplab-evaluate: {folder / MODEL_PT}: cannot be read")


def test_an_entry_s_folder_is_refused_naming_one_of_its_seed_folders(classifier_run, capsys):
    code, out, err = evaluated(capsys, classifier_run.parent)
    assert (code, out) == (2, "")
    assert err == (
        f"mlplab-evaluate: {classifier_run.parent}: the folder of an entry, not of one run; give one of its "
        f"seeds, e.g. {classifier_run}\n"
    )


def test_data_is_found_beside_results_or_under_data_root_and_checked(
    classifier_run, workflow, tmp_path, capsys
):
    outside = tmp_path / "mlp_seed0"
    shutil.copytree(classifier_run, outside)
    code, _, err = evaluated(capsys, outside)
    assert (
        code == 2
        and "not inside a results/ folder, so its workflow folder is unknown; give --data-root" in err
    )
    assert evaluated(capsys, outside, "--data-root", workflow)[0] == 0

    other = tmp_path / "other"
    shutil.copytree(workflow / "data", other / "data")
    code, _, err = evaluated(capsys, outside, "--data-root", other)
    assert code == 0, err
    (other / DATA_FILES["test"]).unlink()
    code, _, err = evaluated(capsys, outside, "--data-root", other)
    assert code == 2 and err.startswith(f"mlplab-evaluate: {other / DATA_FILES['test']}: missing")
    # Other data than the run trained on, though with a fingerprint of its own that matches it.
    shutil.copy(workflow / DATA_FILES["train"], other / DATA_FILES["test"])
    code, _, err = evaluated(capsys, outside, "--data-root", other)
    assert code == 2
    assert err.startswith(
        f"mlplab-evaluate: {other / DATA_FILES['test']}: holds other data than the run trained on"
    )


def test_a_metrics_csv_that_differs_from_the_weights_exits_1(classifier_run, tmp_path, capsys):
    """A metric that does not come back is a difference (exit 1), not bad input: run.json is rewritten to
    vouch for the edited metrics.csv (its SHA-256 and its copy of the last row), so only the
    recomputation can tell."""
    folder = tmp_path / "results" / "runs" / "mlp" / "seed0"
    shutil.copytree(classifier_run, folder)
    lines = (folder / METRICS_CSV).read_text().splitlines()
    header, last = lines[0].split(","), lines[-1].split(",")
    last[header.index("test_acc")] = "0.5"
    (folder / METRICS_CSV).write_text("\n".join([*lines[:-1], ",".join(last)]) + "\n")
    record = read_json(folder / RUN_JSON)
    record["metrics_sha256"] = sha256(folder / METRICS_CSV)
    record["final"]["test_acc"] = 0.5
    (folder / RUN_JSON).write_text(json.dumps(record))
    code, out, _ = evaluated(capsys, folder, "--data-root", classifier_run.parents[3])
    assert code == 1
    assert any(
        line.split()[:2] == ["test_acc", "0.5"] and line.endswith("DIFFERS") for line in out.splitlines()
    )


@pytest.mark.slow  # runs a fresh interpreter that imports torch: seconds
def test_help_promises_equality_for_cpu_runs():
    proc = subprocess.run([EVALUATE, "--help"], capture_output=True, text=True, check=True)
    text = " ".join(proc.stdout.split())
    assert "Equality is promised for runs trained on the CPU" in text and "run.json's thread count" in text


# ---- The workflow: the tiny runs, and weights off ----


@pytest.mark.snakemake
def test_every_tiny_run_has_its_model_and_mlplab_evaluate_reproduces_it(tiny_run):
    """The runs the train rule wrote, every one with its model.pt (a diverged one its last finite epoch's);
    mlplab-evaluate, as installed, gives each ok run's metrics back exactly (one seed per entry)."""
    folders = sorted(p.parent for p in (tiny_run / "results" / "runs").glob("*/seed*/run.json"))
    assert {f.parent.name for f in folders} == set(tiny.ENTRIES) | set(tiny.DIVERGING)
    for folder in folders:
        record = read_json(folder / RUN_JSON)
        assert record["model_sha256"] == sha256(folder / MODEL_PT)
        assert record["model_epoch"] == record["epochs_completed"]
        torch.load(folder / MODEL_PT, weights_only=True)
        if folder.name == "seed0" and record["status"] == "ok":
            proc = subprocess.run([EVALUATE, str(folder)], capture_output=True, text=True)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            assert "recomputed metrics equal metrics.csv's last row" in proc.stdout


@pytest.mark.snakemake
def test_a_changed_model_pt_of_a_tiny_run_exits_2_naming_it(tiny_run, tmp_path):
    folder = tmp_path / "seed0"
    shutil.copytree(tiny_run / "results" / "runs" / "poly_normal" / "seed0", folder)
    with open(folder / MODEL_PT, "r+b") as f:
        f.seek(-50, 2)
        byte = f.read(1)
        f.seek(-50, 2)
        f.write(bytes([byte[0] ^ 0xFF]))
    proc = subprocess.run(
        [EVALUATE, str(folder), "--data-root", str(tiny_run)], capture_output=True, text=True
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith(f"mlplab-evaluate: {folder / MODEL_PT}: changed after its run wrote it")


@pytest.mark.snakemake
def test_save_weights_false_writes_no_model_and_changing_it_reruns_the_runs(tmp_path):
    """Weights are on by default with no param (so runs trained before weights existed keep their params);
    `save_weights: false` is a param, so switching reruns the runs, which then hold no model.pt, and
    mlplab-evaluate says why."""
    names = {"mlp_concise": None, "wd_concise_wd3": None}

    def edit(config):
        tiny.keep_only(config, {n: config["experiments"][n] for n in names})
        config["seeds"] = [0]

    work = tiny.make_workdir(tmp_path, edit=edit)
    assert tiny.read_config(work)["save_weights"] is True
    assert "save_weights" not in tiny.workflow_rules(work)["train"].params.keys()
    targets = [f"results/{catalogue_run(n, 0)}/{RUN_JSON}" for n in names]
    tiny.snakemake(work, *targets)
    folders = [work / "results" / catalogue_run(n, 0) for n in names]
    assert all((f / MODEL_PT).exists() for f in folders)

    config = tiny.read_config(work)
    config["save_weights"] = False
    tiny.write_config(work, config)
    rules = tiny.workflow_rules(work)
    assert all(rules[r].params.get("save_weights") is False for r in ("train", "train_block0"))
    dry = tiny.snakemake(work, "-n", *targets)
    assert "Params have changed since last execution" in dry.stdout + dry.stderr
    tiny.snakemake(work, *targets)
    for folder in folders:
        assert read_json(folder / RUN_JSON)["model_sha256"] is None and not (folder / MODEL_PT).exists()
        proc = subprocess.run([EVALUATE, str(folder)], capture_output=True, text=True)
        assert proc.returncode == 2 and "trained with save_weights: false" in proc.stderr
