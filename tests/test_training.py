"""Training on small generated data: loss falls, accuracy rises, bytes repeat, divergence is recorded."""

import hashlib
import importlib.metadata
import json
import logging

import pandas as pd
import pytest
import torch

from mlplab.chapter.regression import polynomial_metrics
from mlplab.chapter.synthetic import linear_data, polynomial_data
from mlplab.workflow import run_execution as runs
from mlplab.workflow.catalogue import KINDS, parse_entry
from mlplab.workflow.data_fingerprint import write_fingerprint
from mlplab.workflow.idx import decode_split, save_split
from mlplab.workflow.run_record import METRICS_CSV, MODEL_PT, RUN_JSON
from tiny import FASHION_NAMES, fake_fashion_mnist

CPU = torch.device("cpu")
MLP = dict(kind="mlp_concise", num_hiddens=32, init_std=0.01, lr=0.1, batch_size=64, epochs=4)


@pytest.fixture(scope="module")
def data_paths(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    fake_fashion_mnist(root / "raw", n_train=2000, n_test=400)
    paths = {}
    for split, (images, labels) in FASHION_NAMES.items():
        paths[split] = str(root / f"{split}.pt")
        split_data = decode_split(root / "raw" / images, root / "raw" / labels)
        save_split(split_data, paths[split])
        write_fingerprint(split_data, paths[split])
    poly = polynomial_data(20, 100, 100, [5.0, 1.2, -3.4, 5.6], 0.1, seed=0)
    lin = linear_data(20, 100, 200, 0.01, 0.05, 0.01, seed=0)
    for name, data in (("polynomial", poly), ("linear", lin)):
        paths[name] = str(root / f"{name}.pt")
        torch.save(data, paths[name])
        write_fingerprint(data, paths[name])
    return paths


def run_experiment(hp: dict, seed: int, inputs: dict[str, str], on_epoch=None):
    """Rule `train`'s call, with the data files its kind reads."""
    kind = KINDS[hp["kind"]]
    names = {"fashion_mnist": ("train", "test")}.get(kind.data, (kind.data,))
    data, _ = runs.load_inputs({name: inputs[name] for name in names})
    return runs.run_experiment(kind, parse_entry(hp), seed, data, CPU, on_epoch)


@pytest.mark.parametrize(
    "hp",
    [
        MLP,
        {**MLP, "kind": "mlp_scratch", "relu_output": False},
        {
            **MLP,
            "kind": "dropout_scratch",
            "num_hiddens": [32, 32],
            "dropout": [0.2, 0.5],
            "init_std": 0.1,
            "lr": 0.1,
        },
        {
            **MLP,
            "kind": "dropout_concise",
            "num_hiddens": [32, 32],
            "dropout": [0.2, 0.5],
            "init_std": 0.1,
            "lr": 0.1,
        },
    ],
    ids=lambda hp: hp["kind"],
)
def test_classifiers_learn(data_paths, hp):
    result = run_experiment(hp, seed=0, inputs=data_paths)
    rows = pd.DataFrame(result.rows)
    assert result.status == "ok" and len(rows) == hp["epochs"]
    assert rows["train_loss"].iloc[-1] < rows["train_loss"].iloc[0] * 0.8
    assert rows["train_acc"].iloc[-1] > rows["train_acc"].iloc[0]
    assert rows["test_acc"].iloc[-1] > 0.5  # ten classes: chance is 0.1


def test_polynomial_normal_fit_recovers_weights(data_paths):
    hp = dict(kind="polynomial", num_features=4, lr=0.01, batch_size=10, epochs=400)
    result = run_experiment(hp, seed=0, inputs=data_paths)
    assert result.extra["weights"]["learned"] == pytest.approx([5.0, 1.2, -3.4, 5.6], abs=0.25)
    assert result.rows[-1]["test_loss"] < 0.05  # noise variance is 0.01
    underfit = run_experiment({**hp, "num_features": 2}, seed=0, inputs=data_paths)
    assert underfit.rows[-1]["test_loss"] > 10 * result.rows[-1]["test_loss"]


@pytest.mark.parametrize("kind", ["weight_decay_scratch", "weight_decay_concise"])
def test_weight_decay_shrinks_w(data_paths, kind):
    hp = dict(kind=kind, wd=0.0, lr=0.003, batch_size=5, epochs=100)
    plain = run_experiment(hp, seed=0, inputs=data_paths)
    decayed = run_experiment({**hp, "wd": 3.0}, seed=0, inputs=data_paths)
    assert 10 < plain.rows[-1]["w_norm"] < 18
    assert decayed.rows[-1]["w_norm"] < 0.6
    assert decayed.rows[-1]["test_loss"] < plain.rows[-1]["test_loss"]


def run_and_write(hp, seed, data_paths, tmp_path, tag, diverge_at=None):
    """What the train rule does (`run_execution.train_run`): metrics.csv row by row as epochs complete,
    then model.pt, then run.json; the run folder and its record."""
    kind = KINDS[hp["kind"]]
    names = {"fashion_mnist": ("train", "test")}.get(kind.data, (kind.data,))
    folder = tmp_path / tag
    runs.train_run(
        folder, hp, name="x", seed=seed, data_paths={name: data_paths[name] for name in names}, device=CPU,
        threads=1, save_weights=True, log=logging.getLogger("test"), diverge_at=diverge_at,
    )  # fmt: skip
    return folder, json.loads((folder / RUN_JSON).read_text())


@pytest.mark.slow
def test_same_seed_gives_identical_bytes(data_paths, tmp_path):
    hp = {**MLP, "kind": "dropout_concise", "num_hiddens": [32, 32], "dropout": [0.2, 0.5], "epochs": 2}
    first, record = run_and_write(hp, 1, data_paths, tmp_path, "a")
    second, _ = run_and_write(hp, 1, data_paths, tmp_path, "b")
    other, _ = run_and_write(hp, 2, data_paths, tmp_path, "c")
    metrics = first / METRICS_CSV
    assert len(pd.read_csv(metrics)) == hp["epochs"]
    assert metrics.read_bytes() == (second / METRICS_CSV).read_bytes() != (other / METRICS_CSV).read_bytes()
    assert record["metrics_sha256"] == hashlib.sha256(metrics.read_bytes()).hexdigest()
    assert record["status"] == "ok" and record["versions"]["torch"] == importlib.metadata.version("torch")
    # The weights too: the same seed saves the same model.pt, byte for byte, whatever the folder.
    model = (first / MODEL_PT).read_bytes()
    assert model == (second / MODEL_PT).read_bytes() != (other / MODEL_PT).read_bytes()
    assert record["model_sha256"] == hashlib.sha256(model).hexdigest()
    assert record["examples"] == {"train": 2000, "test": 400}


def test_divergence_is_recorded_not_raised(data_paths, tmp_path):
    hp = dict(kind="polynomial", num_features=20, lr=50.0, batch_size=10, epochs=6)
    result = run_experiment(hp, 0, data_paths)
    assert result.status == "diverged"
    assert len(result.rows) == result.diverged_at_epoch - 1 < hp["epochs"]
    folder, record = run_and_write(hp, 0, data_paths, tmp_path, "d")
    assert record["status"] == "diverged" and record["epochs_completed"] == len(result.rows)
    assert record["model_epoch"] == len(result.rows)  # the initial parameters, where epoch 1 blew up
    assert all(t.isfinite().all() for t in torch.load(folder / MODEL_PT, weights_only=True).values())
    assert pd.read_csv(folder / METRICS_CSV).notna().all().all()


def test_a_diverged_run_keeps_the_parameters_of_its_last_finite_epoch(data_paths, tmp_path):
    """They score that epoch's row of metrics.csv, as its epoch loop scored them."""
    hp = dict(kind="polynomial", num_features=4, lr=0.01, batch_size=10, epochs=6)
    folder, record = run_and_write(hp, 0, data_paths, tmp_path, "d", diverge_at=4)
    assert (record["status"], record["epochs_completed"], record["model_epoch"]) == ("diverged", 3, 3)
    saved = torch.load(folder / MODEL_PT, weights_only=True)
    data = torch.load(data_paths["polynomial"], weights_only=True)
    rescored = polynomial_metrics(parse_entry(hp), {"polynomial": data}, saved)
    last = pd.read_csv(folder / METRICS_CSV).iloc[-1]
    assert rescored == {name: last[name] for name in rescored}


def test_a_badly_initialised_run_that_recovers_is_not_diverged(data_paths):
    """N(0, 1) weights start the MLP at a huge loss; it falls and training goes on: `ok`, not diverged."""
    hp = {**MLP, "init_std": 1.0, "epochs": 3}
    result = run_experiment(hp, seed=0, inputs=data_paths)
    assert result.initial_loss > 50
    assert result.status == "ok" and len(result.rows) == hp["epochs"]
    assert result.rows[-1]["train_loss"] < result.initial_loss / 5
    assert result.rows[-1]["test_acc"] > 0.3  # ten classes: chance is 0.1


@pytest.mark.parametrize(
    "hp",
    [
        {**MLP, "lr": 1e6},
        {"kind": "weight_decay_concise", "wd": 0.0, "lr": 20.0, "batch_size": 5, "epochs": 5},
    ],
    ids=["classifier", "regression"],
)
def test_a_blown_up_run_is_diverged_though_finite(data_paths, hp):
    result = run_experiment(hp, seed=0, inputs=data_paths)
    assert result.status == "diverged" and result.diverged_at_epoch == len(result.rows) + 1
    assert result.divergence, result


@pytest.mark.parametrize("kind", ["dropout_scratch", "dropout_concise"])
def test_dropout_p1_trains_to_chance_and_says_why(data_paths, kind):
    """p = 1 zeroes a whole layer: the layers before it get no gradient (the update step skips them) and
    the network can only learn the class frequencies."""
    hp = {**MLP, "kind": kind, "num_hiddens": [32, 32], "dropout": [0.2, 1.0], "epochs": 2}
    result = run_experiment(hp, seed=0, inputs=data_paths)
    assert result.status == "ok" and len(result.rows) == 2
    assert result.rows[-1]["test_acc"] == pytest.approx(0.1, abs=0.03)  # ten balanced classes
    assert parse_entry(hp).departures() == ["ablation: dropout p = 1 passes no signal, chance accuracy"]


# ---- The validation split ----


def test_the_validation_split_is_disjoint_complete_and_the_same_for_a_seed():
    from mlplab.chapter.training import validation_split

    train, val = validation_split(100, 30, seed=7)
    assert len(val) == 30 and len(train) == 70
    assert set(train.tolist()).isdisjoint(val.tolist())
    assert sorted(train.tolist() + val.tolist()) == list(range(100))
    again_train, again_val = validation_split(100, 30, seed=7)
    assert torch.equal(train, again_train) and torch.equal(val, again_val)
    assert not torch.equal(val, validation_split(100, 30, seed=8)[1])  # another seed, another draw
    with pytest.raises(ValueError, match="validation: 100 held out of a training set of 100 examples leaves "
                       "nothing to train on; hold out at most 99"):  # fmt: skip
        validation_split(100, 100, seed=7)


def test_a_run_with_a_validation_set_records_it_and_trains_on_the_rest(data_paths):
    rows = []
    result = run_experiment({**MLP, "validation": 500}, 0, data_paths, on_epoch=rows.append)
    assert list(rows[0]) == [
        "epoch",
        "train_loss",
        "train_acc",
        "val_loss",
        "val_acc",
        "test_loss",
        "test_acc",
    ]
    assert rows[-1]["val_loss"] < rows[0]["val_loss"] and rows[-1]["val_acc"] > 0.5
    # Accuracies are counts over the split's size: over 500 validation examples, multiples of 1/500.
    assert all(round(r["val_acc"] * 500, 6).is_integer() for r in rows)
    assert all(round(r["train_acc"] * 1500, 6).is_integer() for r in rows)
    assert result.status == "ok"
    with pytest.raises(ValueError, match="validation: 2000 held out of a training set of 2000"):
        run_experiment({**MLP, "validation": 2000}, 0, data_paths)


def test_an_entry_without_the_optional_hyperparameters_trains_exactly_as_before(data_paths):
    """`init: normal` and `validation: 0` written out change nothing: same bytes as leaving them out."""
    plain = run_experiment({**MLP, "epochs": 1}, 3, data_paths)
    spelt = run_experiment({**MLP, "epochs": 1, "init": "normal", "validation": 0}, 3, data_paths)
    assert plain.rows == spelt.rows
