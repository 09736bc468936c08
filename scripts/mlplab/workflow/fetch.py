"""Fetch the four Fashion-MNIST files from an ordered list of sources, verified by checksum.

A file is accepted only if the SHA-256 of its *decompressed* bytes matches the published data:
Debian's copies hold the same data with rewritten gzip headers, so checksums of the .gz files
(torchvision's MD5 list) only match the upstream files.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import socket
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

# name -> (SHA-256 of the decompressed bytes, decompressed size in bytes)
FILES = {
    "train-images-idx3-ubyte.gz": (
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        47_040_016,
    ),
    "train-labels-idx1-ubyte.gz": (
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        60_008,
    ),
    "t10k-images-idx3-ubyte.gz": (
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        7_840_016,
    ),
    "t10k-labels-idx1-ubyte.gz": (
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        10_008,
    ),
}

TRAIN_LABELS = "train-labels-idx1-ubyte.gz"
IDX1_HEADER = 8  # bytes before the labels of an IDX1 file: its magic number and item count

NETWORK_TIMEOUT_S = 60


class FetchError(RuntimeError):
    """No source yielded a file with the expected content."""


class ChecksumMismatch(ValueError):
    pass


@dataclass(frozen=True)
class Expected:
    sha256: str
    size: int


def expected_files(checksums: dict | None) -> dict[str, Expected]:
    """What each file is verified against: the config's `checksums` (data.fashion_mnist.checksums, for
    generated files), else the published ones."""
    if checksums:
        return {name: Expected(**expected) for name, expected in checksums.items()}
    return {name: Expected(*expected) for name, expected in FILES.items()}


def training_examples(checksums: dict | None) -> int:
    """The examples of the training split the fetch verifies, from its labels file's size (a byte per
    label after the header): 60,000 for Fashion-MNIST."""
    return expected_files(checksums)[TRAIN_LABELS].size - IDX1_HEADER


def is_url(source: str) -> bool:
    """A source to download from; a folder (a path, or a file:// URL) is read directly."""
    return source.startswith(("http://", "https://", "ftp://"))


def folder_of(source: str) -> Path:
    """The folder a local source names: a path, or a file:// URL (file:///srv/data, file://localhost/srv)."""
    if source.startswith("file://"):
        return Path(url2pathname(urlparse(source).path))
    return Path(source)


def decompressed_digest(path: Path) -> tuple[str, int]:
    """SHA-256 and size of a gzip file's decompressed content, streamed (the images are 47 MB)."""
    digest = hashlib.sha256()
    size = 0
    try:
        with gzip.open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except (OSError, EOFError, zlib.error) as e:
        raise ChecksumMismatch(f"not a valid gzip file ({e})") from e
    return digest.hexdigest(), size


def verify(path: Path, expected: Expected) -> None:
    sha, size = decompressed_digest(path)
    if sha != expected.sha256 or size != expected.size:
        raise ChecksumMismatch(
            f"checksum mismatch: decompressed SHA-256 {sha} ({size} bytes), "
            f"expected {expected.sha256} ({expected.size} bytes)"
        )


def _download(url: str, dest: Path) -> None:
    # torchvision's downloader follows redirects and handles the mirrors' quirks; it has no timeout
    # argument, so a global socket timeout keeps an unreachable host from hanging the job.
    from torchvision.datasets.utils import download_url

    socket.setdefaulttimeout(NETWORK_TIMEOUT_S)
    download_url(url, root=str(dest.parent), filename=dest.name)


def _copy_from(source: str, name: str, dest: Path) -> None:
    if is_url(source):
        _download(source.rstrip("/") + "/" + name, dest)
        return
    path = folder_of(source) / name
    if not path.is_file():
        raise FileNotFoundError(f"missing: {path} does not exist")
    shutil.copyfile(path, dest)


def fetch(name: str, sources: list[str], dest: Path, expected: Expected | None = None) -> str:
    """Write a verified copy of `name` to `dest`; return the source it came from.

    Sources are tried in order. Each candidate lands in a temporary file beside `dest` and is renamed
    into place only after it verifies, so a failure never leaves a file Snakemake could take as done.
    """
    if expected is None:
        if name not in FILES:
            raise KeyError(f"unknown Fashion-MNIST file {name!r}; known: {sorted(FILES)}")
        expected = Expected(*FILES[name])
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    failures = []
    for source in sources:
        # A fresh folder per attempt: torchvision's downloader skips a file that already exists.
        with tempfile.TemporaryDirectory(prefix=f".{dest.name}.", dir=dest.parent) as tmp_dir:
            candidate = Path(tmp_dir) / name
            try:
                _copy_from(source, name, candidate)
                verify(candidate, expected)
                os.replace(candidate, dest)
                return source
            except (FileNotFoundError, ChecksumMismatch) as e:
                failures.append((source, str(e)))
            except Exception as e:  # network and HTTP errors come in many types
                failures.append((source, f"network error: {type(e).__name__}: {e}"))
    lines = "\n".join(f"  - {src}: {why}" for src, why in failures)
    raise FetchError(f"no source yielded a valid {name}; tried, in order:\n{lines}")
