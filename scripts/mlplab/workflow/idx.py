"""Parse IDX files (the MNIST family's format) into uint8 tensors, with checks that name what is wrong."""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np
import torch

UBYTE = 0x08
IMAGE_SIDE = 28
NUM_CLASSES = 10


class IdxError(ValueError):
    """An IDX file is truncated, corrupt, or not the kind expected."""


def read_idx_bytes(path: Path) -> bytes:
    path = Path(path)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as e:
        raise IdxError(f"{path}: cannot decompress ({e}); the file is truncated or corrupt") from e


def parse_idx(data: bytes, ndim: int, source: str = "<bytes>") -> np.ndarray:
    """Decode IDX bytes holding unsigned bytes in `ndim` dimensions.

    Header: two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions,
    then each dimension as a big-endian uint32.
    """
    if len(data) < 4:
        raise IdxError(f"{source}: {len(data)} bytes is too short for an IDX header")
    zero, dtype, dims = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != UBYTE or dims != ndim:
        raise IdxError(
            f"{source}: bad magic number 0x{int.from_bytes(data[:4], 'big'):08x}, "
            f"expected 0x{(UBYTE << 8) | ndim:08x} (unsigned bytes, {ndim} dimensions)"
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IdxError(f"{source}: truncated header")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = int(np.prod(shape, dtype=np.int64))
    if len(data) - header != expected:
        raise IdxError(
            f"{source}: header says shape {shape} ({expected} bytes of data) "
            f"but the file holds {len(data) - header}; it is truncated or corrupt"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def decode_split(images_path: Path, labels_path: Path) -> dict[str, torch.Tensor]:
    """Images (N×28×28 uint8) and labels (N uint8, 0–9) of one split, checked for consistency."""
    images = parse_idx(read_idx_bytes(images_path), 3, str(images_path))
    labels = parse_idx(read_idx_bytes(labels_path), 1, str(labels_path))
    if images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise IdxError(f"{images_path}: images are {images.shape[1:]}, expected 28×28")
    if len(images) != len(labels):
        raise IdxError(
            f"{images_path} holds {len(images)} images but {labels_path} holds {len(labels)} labels"
        )
    if len(labels) and labels.max() >= NUM_CLASSES:
        raise IdxError(f"{labels_path}: label {labels.max()} outside 0–{NUM_CLASSES - 1}")
    return {"images": torch.from_numpy(images.copy()), "labels": torch.from_numpy(labels.copy())}


def save_split(split: dict[str, torch.Tensor], path: Path) -> None:
    torch.save(split, path)


def load_split(path: Path) -> dict[str, torch.Tensor]:
    return torch.load(path, weights_only=True)
