"""Fetch and decode of the real Fashion-MNIST, from Debian's copy (dataset-fashion-mnist; CI installs it)."""

from pathlib import Path

import pytest
import torch

import tiny

DEBIAN_COPY = Path("/usr/share/datasets/fashion-mnist")
pytestmark = [
    pytest.mark.snakemake,
    pytest.mark.slow,
    pytest.mark.skipif(
        not (DEBIAN_COPY / "train-images-idx3-ubyte.gz").exists(),
        reason=f"Debian's dataset-fashion-mnist is not installed ({DEBIAN_COPY} missing)",
    ),
]


def test_real_fashion_mnist_from_the_default_sources(tiny_workdir):
    config = tiny.read_config(tiny_workdir)
    config["data"]["fashion_mnist"] = tiny.yaml.safe_load((tiny.REPO / "config.yaml").read_text())["data"][
        "fashion_mnist"
    ]
    tiny.write_config(tiny_workdir, config)
    tiny.snakemake(tiny_workdir, "data/fashion-mnist/train.pt", "data/fashion-mnist/test.pt")
    train = torch.load(tiny_workdir / "data/fashion-mnist/train.pt", weights_only=True)
    test = torch.load(tiny_workdir / "data/fashion-mnist/test.pt", weights_only=True)
    assert train["images"].shape == (60000, 28, 28) and test["images"].shape == (10000, 28, 28)
    assert train["labels"].bincount().tolist() == [6000] * 10
    assert test["labels"].bincount().tolist() == [1000] * 10
    log = (tiny_workdir / "logs/data/fetch_fashion_mnist.log").read_text()
    assert f"verified copy from {DEBIAN_COPY}" in log
