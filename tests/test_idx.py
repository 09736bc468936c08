"""IDX parsing and decoding on bytes the tests write."""

import numpy as np
import pytest
import torch

from mlplab.workflow.idx import IdxError, decode_split, load_split, parse_idx, save_split
from tiny import idx_bytes, write_idx_gz


def test_parse_round_trips_images_and_labels():
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    assert np.array_equal(parse_idx(idx_bytes(images), 3), images)
    labels = np.array([3, 9, 0], dtype=np.uint8)
    assert np.array_equal(parse_idx(idx_bytes(labels), 1), labels)


def test_bad_magic_is_named():
    data = bytearray(idx_bytes(np.zeros((1, 28, 28), np.uint8)))
    data[2] = 0x0D  # float32 type code
    with pytest.raises(IdxError, match="bad magic number 0x00000d03, expected 0x00000803"):
        parse_idx(bytes(data), 3)


def test_wrong_number_of_dimensions_is_rejected():
    with pytest.raises(IdxError, match="1 dimensions"):
        parse_idx(idx_bytes(np.zeros((4, 28, 28), np.uint8)), 1)


def test_truncated_data_is_reported_with_sizes():
    data = idx_bytes(np.zeros((3, 28, 28), np.uint8))[:-100]
    with pytest.raises(IdxError, match=r"shape \(3, 28, 28\) \(2352 bytes of data\) but the file holds 2252"):
        parse_idx(data, 3)


def test_too_short_for_header():
    with pytest.raises(IdxError, match="too short"):
        parse_idx(b"\x00\x00", 1)


def write_split(tmp_path, images, labels):
    write_idx_gz(tmp_path / "images.gz", images)
    write_idx_gz(tmp_path / "labels.gz", labels)
    return tmp_path / "images.gz", tmp_path / "labels.gz"


def test_decode_split_gives_uint8_tensors_and_saves(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (20, 28, 28)).astype(np.uint8)
    labels = np.arange(20, dtype=np.uint8) % 10
    split = decode_split(*write_split(tmp_path, images, labels))
    assert split["images"].dtype == torch.uint8 and split["images"].shape == (20, 28, 28)
    assert torch.equal(split["labels"], torch.from_numpy(labels))
    save_split(split, tmp_path / "split.pt")
    loaded = load_split(tmp_path / "split.pt")
    assert torch.equal(loaded["images"], torch.from_numpy(images))


def test_label_out_of_range(tmp_path):
    paths = write_split(tmp_path, np.zeros((2, 28, 28), np.uint8), np.array([1, 10], np.uint8))
    with pytest.raises(IdxError, match="label 10 outside 0–9"):
        decode_split(*paths)


def test_count_mismatch(tmp_path):
    paths = write_split(tmp_path, np.zeros((3, 28, 28), np.uint8), np.array([1, 2], np.uint8))
    with pytest.raises(IdxError, match="holds 3 images but .* holds 2 labels"):
        decode_split(*paths)


def test_wrong_image_size(tmp_path):
    paths = write_split(tmp_path, np.zeros((2, 32, 32), np.uint8), np.array([1, 2], np.uint8))
    with pytest.raises(IdxError, match="expected 28×28"):
        decode_split(*paths)


def test_truncated_gzip_is_a_clear_error(tmp_path):
    images, labels = write_split(tmp_path, np.zeros((50, 28, 28), np.uint8), np.zeros(50, np.uint8))
    images.write_bytes(images.read_bytes()[:-30])
    with pytest.raises(IdxError, match="truncated or corrupt"):
        decode_split(images, labels)


def test_not_gzip_at_all(tmp_path):
    bad = tmp_path / "bad.gz"
    bad.write_bytes(b"this is not gzip data")
    with pytest.raises(IdxError, match="cannot decompress"):
        decode_split(bad, bad)
