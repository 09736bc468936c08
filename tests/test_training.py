"""Training on small generated data: loss falls, accuracy rises, bytes repeat, divergence is recorded."""

import hashlib
import importlib.metadata
import json

import pandas as pd
import pytest
import torch

from mlplab import runs
from mlplab.catalogue import KINDS, parse_entry
from mlplab.idx import decode_split, save_split
from mlplab.runs import MetricsFile, write_run
from mlplab.synthetic import linear_data, polynomial_data
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
        save_split(decode_split(root / "raw" / images, root / "raw" / labels), paths[split])
    poly = polynomial_data(20, 100, 100, [5.0, 1.2, -3.4, 5.6], 0.1, seed=0)
    lin = linear_data(20, 100, 200, 0.01, 0.05, 0.01, seed=0)
    for name, data in (("polynomial", poly), ("linear", lin)):
        paths[name] = str(root / f"{name}.pt")
        torch.save(data, paths[name])
    return paths


def run_experiment(hp: dict, seed: int, inputs: dict[str, str], on_epoch=None):
    """Rule `train`'s call, with the data files its kind reads."""
    kind = KINDS[hp["kind"]]
    names = {"fashion_mnist": ("train", "test")}.get(kind.data, (kind.data,))
    data = {name: inputs[name] for name in names}
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


def run_and_write(hp, seed, data_paths, tmp_path, tag):
    """What the train rule does: metrics.csv row by row as epochs complete, then run.json."""
    metrics, run = tmp_path / f"{tag}.csv", tmp_path / f"{tag}.json"
    out = MetricsFile(str(metrics))
    result = run_experiment(hp, seed, data_paths, on_epoch=out.write_row)
    out.close(["epoch", *KINDS[hp["kind"]].metrics])
    write_run(
        result,
        name="x",
        entry=hp,
        seed=seed,
        threads=1,
        device=CPU,
        wall_time_s=1.0,
        metrics_path=str(metrics),
        run_json_path=str(run),
    )
    return result, metrics, json.loads(run.read_text())


@pytest.mark.slow
def test_same_seed_gives_identical_bytes(data_paths, tmp_path):
    hp = {**MLP, "kind": "dropout_concise", "num_hiddens": [32, 32], "dropout": [0.2, 0.5], "epochs": 2}
    _, first, record = run_and_write(hp, 1, data_paths, tmp_path, "a")
    _, second, _ = run_and_write(hp, 1, data_paths, tmp_path, "b")
    _, other, _ = run_and_write(hp, 2, data_paths, tmp_path, "c")
    assert len(pd.read_csv(first)) == hp["epochs"]
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    assert record["metrics_sha256"] == hashlib.sha256(first.read_bytes()).hexdigest()
    assert record["status"] == "ok" and record["versions"]["torch"] == importlib.metadata.version("torch")


def test_divergence_is_recorded_not_raised(data_paths, tmp_path):
    hp = dict(kind="polynomial", num_features=20, lr=50.0, batch_size=10, epochs=6)
    result, metrics, record = run_and_write(hp, 0, data_paths, tmp_path, "d")
    assert result.status == "diverged"
    assert len(result.rows) == result.diverged_at_epoch - 1 < hp["epochs"]
    assert record["status"] == "diverged" and record["epochs_completed"] == len(result.rows)
    assert pd.read_csv(metrics).notna().all().all()


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
