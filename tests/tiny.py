"""A tiny, fast copy of the workflow for pipeline tests: generated IDX files stand in for Fashion-MNIST,
every experiment kind runs for an epoch or two on two seeds."""

from __future__ import annotations

import copy
import gzip
import hashlib
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import yaml

from mlplab.workflow.catalogue import KINDS, Family

REPO = Path(__file__).resolve().parents[1]
WORKFLOW_PARTS = ["Snakefile", "rules", "scripts", "schemas", "captions", "profiles", "envs", "config.yaml"]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
FASHION_NAMES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}


def idx_bytes(array: np.ndarray) -> bytes:
    """IDX encoding of a uint8 array: zero, type 0x08, ndim, big-endian dims, then the data."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def write_idx_gz(path: Path, array: np.ndarray) -> dict:
    """Write a gzip'd IDX file; return its checksum entry (SHA-256 and size of the decompressed bytes)."""
    data = idx_bytes(array)
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb") as f:
        f.write(data)
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def fake_fashion_mnist(folder: Path, n_train: int = 1000, n_test: int = 200, seed: int = 0) -> dict:
    """Ten noisy class prototypes, learnable in an epoch or two. Returns the checksums config entry."""
    rng = np.random.default_rng(seed)
    prototypes = rng.integers(0, 256, size=(10, 28, 28))
    checksums = {}
    for split, n in (("train", n_train), ("test", n_test)):
        labels = np.arange(n) % 10
        rng.shuffle(labels)
        noise = rng.normal(0, 60, size=(n, 28, 28))
        images = np.clip(prototypes[labels] * 0.7 + noise + 40, 0, 255)
        images_name, labels_name = FASHION_NAMES[split]
        checksums[images_name] = write_idx_gz(folder / images_name, images)
        checksums[labels_name] = write_idx_gz(folder / labels_name, labels)
    return checksums


# One entry of the real catalogue per kind (the scratch MLP as the notes' ablation, which the report
# treats specially; weight decay from scratch at λ = 0 and concise at λ = 3, both published values).
ENTRIES = (
    "mlp_scratch_relu_logits",
    "mlp_concise",
    "dropout_scratch",
    "dropout_concise",
    "poly_normal",
    "wd_scratch_lambda0",
    "wd_concise_wd3",
)


DIVERGING = {
    "mlp_diverged": {"kind": "mlp_concise", "num_hiddens": 32, "init_std": 0.01, "lr": 1e6, "batch_size": 64,
                     "epochs": 2},
    "poly_diverged": {"kind": "polynomial", "num_features": 20, "lr": 50.0, "batch_size": 10, "epochs": 5},
}  # fmt: skip


# Two tiny sweeps for the `exercises` target: a classifier's, selected on a validation set, and a
# regression's, one of whose points is the catalogue's own poly_normal.
SWEEPS = {
    "mlp_lr": {"base": "mlp_concise", "grid": {"lr": [0.05, 0.1]}, "validation": 200},
    "poly_degree": {"base": "poly_normal", "grid": {"num_features": [1, 4]}},
}


def tiny_config(source: Path, checksums: dict) -> dict:
    """The real config.yaml cut to one entry per kind, with tiny data, two seeds and few epochs, plus the
    fault entries that every stage downstream must survive."""
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["experiments"] = {name: config["experiments"][name] for name in ENTRIES}
    assert {e["kind"] for e in config["experiments"].values()} == set(KINDS)
    config["seeds"] = [0, 1]
    config["data"]["fashion_mnist"] = {"sources": [str(source)], "checksums": checksums}
    config["data"]["polynomial"].update(n_train=20, n_test=20)
    config["data"]["linear"].update(n_train=10, n_test=20, num_inputs=20)
    config["analyses"]["exploding_gradient"]["n_products"] = 10
    for hp in config["experiments"].values():
        hp["epochs"] = 2 if KINDS[hp["kind"]].family == Family.CLASSIFIER else 5
        if "num_hiddens" in hp:
            hp["num_hiddens"] = 32 if isinstance(hp["num_hiddens"], int) else [32, 32]
            hp["batch_size"] = 64
    # Entries that must diverge in every seed, a classifier (blown up) and a regression (NaN), so that
    # every stage downstream is exercised on diverged runs.
    config["experiments"].update(DIVERGING)
    config["sweeps"] = copy.deepcopy(SWEEPS)
    return config


def keep_only(config: dict, experiments: dict) -> None:
    """Cut the catalogue to `experiments` (name → entry), with the sweeps whose base entry it keeps: a
    sweep from a left-out entry would be refused before anything runs."""
    config["experiments"] = experiments
    config["sweeps"] = {n: s for n, s in config.get("sweeps", {}).items() if s["base"] in experiments}


def make_workdir(root: Path, edit=None) -> Path:
    """A working copy of the workflow under `root` with the tiny config; `edit(config)` may change it."""
    work = root / "workflow"
    work.mkdir(parents=True)
    for part in WORKFLOW_PARTS:
        src = REPO / part
        if src.is_dir():
            shutil.copytree(src, work / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, work / part)
    checksums = fake_fashion_mnist(root / "source")
    config = tiny_config(root / "source", checksums)
    if edit is not None:
        edit(config)
    write_config(work, config)
    return work


def read_config(work: Path) -> dict:
    return yaml.safe_load((work / "config.yaml").read_text())


def write_config(work: Path, config: dict) -> None:
    (work / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def snakemake(
    work: Path, *args: str, check: bool = True, timeout: float = 600, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run Snakemake in `work` (with `env` added to the environment); on an unexpected exit status fail
    with its output."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    proc = subprocess.run(
        [SNAKEMAKE, "--cores", "2", *args],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


def workflow_rules(work: Path = REPO) -> dict:
    """The workflow's rules as Snakemake itself parses them (name → rule object), without running it."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import OutputSettings, ResourceSettings

    with SnakemakeApi(OutputSettings()) as api:
        snakefile, resources = work / "Snakefile", ResourceSettings()
        workflow = api.workflow(snakefile=snakefile, resource_settings=resources, workdir=work)
        return {rule.name: rule for rule in workflow._workflow.rules}
