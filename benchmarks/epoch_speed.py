"""Benchmark: one mlp_concise epoch (train + test evaluation), ours vs the book's DataLoader loop.

Prints both timings and their ratio, and the floor that the matrix products alone set at the speed
this machine's fp32 matrix multiply has right now (on a shared machine it drifts by a third).
Both loops read the same four .gz files, by default the ones the workflow fetched and verified
(`snakemake --cores 2 data/fashion-mnist/train.pt data/fashion-mnist/test.pt`).

    python benchmarks/epoch_speed.py [--threads 2] [--epochs 3] [--book-epochs 3] [--raw DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import shutil
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import torch
import torch.nn.functional as F

from mlplab.chapter.models import MLPConcise
from mlplab.chapter.training import train_classifier
from mlplab.workflow import catalogue
from mlplab.workflow.fetch import FILES as FASHION_MNIST_FILES
from mlplab.workflow.idx import decode_split

ROOT = Path(__file__).resolve().parents[1]
LR, BATCH = 0.1, 256
CONFIG = catalogue.MLPConcise(num_hiddens=256, init_std=0.01, lr=LR, batch_size=BATCH, epochs=1)
N_IN, N_HIDDEN, N_OUT = 784, 256, 10
# (images, labels) file names of each split: "images" sorts before "labels".
SPLIT_FILES = {
    split: sorted(name for name in FASHION_MNIST_FILES if name.startswith(prefix))
    for split, prefix in (("train", "train-"), ("test", "t10k-"))
}


def epoch_gflop(n_train: int, n_test: int) -> float:
    """Multiply-adds of one epoch × 2: forward of both layers, the weight gradients of both, the
    hidden layer's gradient (not the input's, which needs none), then the test set's forward."""
    forward = 2 * (N_IN * N_HIDDEN + N_HIDDEN * N_OUT)
    backward = 2 * (N_IN * N_HIDDEN + 2 * N_HIDDEN * N_OUT)
    return (n_train * (forward + backward) + n_test * forward) / 1e9


def matmul_gflops(repeats: int = 200) -> float:
    """fp32 GFLOP/s of the epoch's largest product (a batch through the first layer), best of 5."""
    X, W, b = torch.rand(BATCH, N_IN), torch.randn(N_HIDDEN, N_IN), torch.zeros(N_HIDDEN)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            torch.addmm(b, X, W.t())
        best = min(best, (time.perf_counter() - start) / repeats)
    return 2 * BATCH * N_IN * N_HIDDEN / best / 1e9


def ours(epochs: int, train: dict, test: dict) -> list[float]:
    torch.manual_seed(0)
    config = dataclasses.replace(CONFIG, epochs=epochs)
    data = {"train": train, "test": test}
    result = train_classifier(config, data, net=MLPConcise(config), seed=0, device=torch.device("cpu"))
    print(f"  ours: final test accuracy {result.rows[-1]['test_acc']:.3f}")
    return result.seconds_per_epoch


def book(epochs: int, raw: Path) -> list[float]:
    """The book's loop (d2l's load_data_fashion_mnist, train_ch3 and evaluate_accuracy, inlined):
    torchvision's FashionMNIST, ToTensor per sample, DataLoader with 4 workers."""
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms

    # 4 workers on a 2-core machine is what the book does (d2l.get_dataloader_workers) and what is
    # being measured; torch's advice against it would only clutter the figures.
    warnings.filterwarnings("ignore", message="This DataLoader will create 4 worker processes")

    with tempfile.TemporaryDirectory() as root:
        # torchvision reads the decompressed files from <root>/FashionMNIST/raw/.
        folder = Path(root) / "FashionMNIST" / "raw"
        folder.mkdir(parents=True)
        for gz in (raw / name for name in FASHION_MNIST_FILES):
            with gzip.open(gz) as src, open(folder / gz.stem, "wb") as dst:
                shutil.copyfileobj(src, dst)
        to_tensor = transforms.ToTensor()
        train = datasets.FashionMNIST(root, train=True, transform=to_tensor)
        test = datasets.FashionMNIST(root, train=False, transform=to_tensor)
        train_iter = DataLoader(train, BATCH, shuffle=True, num_workers=4)
        test_iter = DataLoader(test, BATCH, shuffle=False, num_workers=4)
        torch.manual_seed(0)
        net = MLPConcise(CONFIG)
        optimizer = torch.optim.SGD(net.parameters(), lr=LR)
        times = []
        for _ in range(epochs):
            start = time.perf_counter()
            # train_epoch_ch3: per batch, the loss and accuracy summed as Python floats
            net.train()
            loss_sum = train_correct = 0.0
            for X, y in train_iter:
                y_hat = net(X)
                losses = F.cross_entropy(y_hat, y, reduction="none")
                optimizer.zero_grad()
                losses.mean().backward()
                optimizer.step()
                loss_sum += float(losses.detach().sum())
                train_correct += float((y_hat.argmax(dim=1) == y).sum())
            # evaluate_accuracy
            net.eval()
            correct = 0.0
            with torch.no_grad():
                for X, y in test_iter:
                    correct += float((net(X).argmax(dim=1) == y).sum())
            times.append(time.perf_counter() - start)
        print(f"  book: final train loss {loss_sum / len(train):.3f}, test acc {correct / len(test):.3f}")
        return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    # Medians of 3 leave out each loop's first epoch, which pays one-off costs (the first
    # optimizer step imports torch._dynamo), for ours and the book's alike.
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--book-epochs", type=int, default=3)
    parser.add_argument("--raw", type=Path, default=ROOT / "data/fashion-mnist/raw")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"mlp_concise epoch (train + test eval), {args.threads} thread(s), torch {torch.__version__}")
    missing = [name for name in FASHION_MNIST_FILES if not (args.raw / name).is_file()]
    if missing:
        parser.error(
            f"{args.raw} lacks {', '.join(missing)}; fetch them with "
            "`snakemake --cores 2 data/fashion-mnist/train.pt` or name another folder with --raw"
        )
    train, test = (decode_split(*(args.raw / name for name in SPLIT_FILES[s])) for s in ("train", "test"))
    ours_s = statistics.median(ours(args.epochs, train, test))
    book_s = statistics.median(book(args.book_epochs, args.raw))
    print(f"ours: {ours_s:.3f} s/epoch (median of {args.epochs})")
    print(f"book: {book_s:.3f} s/epoch (median of {args.book_epochs})")
    print(f"speed-up: {book_s / ours_s:.1f}x")
    rate, work = matmul_gflops(), epoch_gflop(len(train["labels"]), len(test["labels"]))
    print(f"floor: {work:.1f} GFLOP at this machine's {rate:.0f} GFLOP/s now = {work / rate:.3f} s/epoch")


if __name__ == "__main__":
    main()
