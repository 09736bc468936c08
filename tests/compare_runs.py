"""Hand-written results folders for the tests of mlplab-compare (test_compare*.py), and the calls those
tests make."""

from pathlib import Path

import handmade_runs

from mlplab.compare import cli
from mlplab.compare.reading import entry_label, load_results
from mlplab.compare.verdicts import Comparison, compare

MLP = {"kind": "mlp_concise", "lr": 0.1, "batch_size": 256, "epochs": 2}
POLY = {"kind": "polynomial", "num_features": 4, "lr": 0.01, "batch_size": 10, "epochs": 2}
# What run.json's `data` holds: per data file its fingerprint (the inner objects opaque to compare).
DATA = {
    "train": {
        "file": "data/fashion-mnist/train.pt",
        "sha256": "1" * 64,
        "sources": {"train-images-idx3-ubyte.gz": "2" * 64},
    },
    "polynomial": {
        "file": "data/polynomial.pt",
        "sha256": "3" * 64,
        "generator": {"noise_std": 0.1, "n_train": 100, "code_sha256": "4" * 64},
    },
}


def write_run(results: Path, entry: str, seed: int, final: dict, config: dict, status="ok", **record) -> Path:
    """A run folder as the workflow leaves it: two epochs in metrics.csv, run.json with its SHA-256."""
    first = {name: value * 1.5 for name, value in final.items()}
    rows = [{"epoch": 1, **first}, {"epoch": 2, **final}]
    fields = {
        "epochs_completed": 2,
        "diverged_at_epoch": 2 if status == "diverged" else None,
        "versions": {"python": "3.11.7", "torch": "2.14.1", "numpy": "2.4.6"},
        "git": {"commit": "a" * 40, "dirty": False},
        "machine": {"hostname": "node1", "cpus": 2},
        "data": DATA,
        **record,
    }
    return handmade_runs.write_run(results, entry, config, seed, rows, status=status, **fields)


def write_entry(results, entry, finals, config=MLP, seeds=None, **record):
    """One run per item of finals (a dict of final metrics), seeds 0, 1, ... unless given."""
    for seed, final in zip(seeds or range(len(finals)), finals, strict=True):
        write_run(results, entry, seed, final, config, **record)


def acc(values, loss=0.4):
    return [{"train_loss": loss, "test_acc": v} for v in values]


def run_compare(a, b, *options) -> int:
    """main() in-process; returns its exit status (what it printed is in capsys)."""
    return cli.main([str(a), str(b), *options])


def comparison(a, b, **kwargs) -> Comparison:
    return compare(load_results(a), load_results(b), **kwargs)


def verdicts(a, b, **kwargs) -> dict[tuple[str, str], str]:
    return {(entry_label(row.entry), row.metric): row.verdict for row in comparison(a, b, **kwargs).rows}


def write_before(tmp_path: Path) -> Path:
    """The usual side A: mlp (test_acc 0.80, 0.81, 0.82) and poly, three seeds each; each test module's
    `before` fixture."""
    results = tmp_path / "before"
    write_entry(results, "runs/mlp", acc([0.80, 0.81, 0.82]))
    write_entry(results, "runs/poly", [{"train_loss": 0.01, "test_loss": 0.02}] * 3, config=POLY)
    return results
