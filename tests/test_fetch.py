"""Fetching from ordered sources: checksum verification, fallback, and the all-failed message."""

import gzip
import hashlib

import numpy as np
import pytest

from mlplab.workflow.fetch import (
    FILES,
    Expected,
    FetchError,
    expected_files,
    fetch,
    training_examples,
)
from tiny import write_idx_gz

NAME = "train-labels-idx1-ubyte.gz"


@pytest.fixture
def good(tmp_path):
    """A source folder holding a file, and the checksum entry that accepts it."""
    folder = tmp_path / "good"
    entry = write_idx_gz(folder / NAME, np.arange(100, dtype=np.uint8) % 10)
    return folder, Expected(**entry)


def test_fetch_copies_a_verified_file(tmp_path, good):
    folder, expected = good
    dest = tmp_path / "out" / NAME
    assert fetch(NAME, [str(folder)], dest, expected) == str(folder)
    assert dest.read_bytes() == (folder / NAME).read_bytes()
    assert [p.name for p in dest.parent.iterdir()] == [NAME]  # no temp files left


def test_a_file_url_source_is_read_as_a_folder(tmp_path, good):
    folder, expected = good
    dest = tmp_path / "out" / NAME
    assert fetch(NAME, [folder.as_uri()], dest, expected) == folder.as_uri()
    assert dest.read_bytes() == (folder / NAME).read_bytes()
    missing = (tmp_path / "nowhere").as_uri()
    with pytest.raises(FetchError, match=f"{missing}: missing: "):
        fetch(NAME, [missing], tmp_path / "again" / NAME, expected)


def test_wrong_checksum_names_both_hashes_and_leaves_nothing(tmp_path, good):
    folder, expected = good
    wrong = tmp_path / "wrong"
    write_idx_gz(wrong / NAME, np.zeros(100, np.uint8))
    actual = hashlib.sha256(gzip.decompress((wrong / NAME).read_bytes())).hexdigest()
    dest = tmp_path / "out" / NAME
    with pytest.raises(FetchError) as err:
        fetch(NAME, [str(wrong)], dest, expected)
    assert f"checksum mismatch: decompressed SHA-256 {actual}" in str(err.value)
    assert f"expected {expected.sha256}" in str(err.value)
    assert not dest.exists() and list(dest.parent.iterdir()) == []


def test_corrupt_file_is_rejected(tmp_path, good):
    folder, expected = good
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / NAME).write_bytes((folder / NAME).read_bytes()[:-20])
    with pytest.raises(FetchError, match="not a valid gzip file"):
        fetch(NAME, [str(corrupt)], tmp_path / "out" / NAME, expected)
    assert not (tmp_path / "out" / NAME).exists()


def test_falls_back_through_sources_in_order(tmp_path, good):
    folder, expected = good
    wrong = tmp_path / "wrong"
    write_idx_gz(wrong / NAME, np.zeros(100, np.uint8))
    sources = [str(tmp_path / "missing"), str(wrong), str(folder)]
    dest = tmp_path / "out" / NAME
    assert fetch(NAME, sources, dest, expected) == str(folder)
    assert dest.exists()


def test_every_failure_is_listed(tmp_path, good):
    _, expected = good
    wrong = tmp_path / "wrong"
    write_idx_gz(wrong / NAME, np.zeros(100, np.uint8))
    # Port 9 (discard) on loopback refuses at once: a network error without leaving this machine.
    sources = [str(tmp_path / "missing"), str(wrong), "http://127.0.0.1:9/"]
    with pytest.raises(FetchError) as err:
        fetch(NAME, sources, tmp_path / "out" / NAME, expected)
    message = str(err.value)
    assert f"no source yielded a valid {NAME}" in message
    assert f"{tmp_path / 'missing'}: missing:" in message
    assert f"{wrong}: checksum mismatch" in message
    assert "http://127.0.0.1:9/: network error" in message
    assert message.index("missing:") < message.index("checksum mismatch") < message.index("network error")


def test_published_checksums_are_the_four_files():
    assert sorted(FILES) == sorted(
        [
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz",
        ]
    )
    assert FILES["train-images-idx3-ubyte.gz"][1] == 47_040_016


def test_unknown_name_without_checksum_is_refused(tmp_path):
    with pytest.raises(KeyError, match="unknown Fashion-MNIST file"):
        fetch("other.gz", [str(tmp_path)], tmp_path / "x")


def test_the_training_split_is_counted_from_its_verified_labels_file():
    assert training_examples(None) == 60_000  # Fashion-MNIST's published labels: 8 + 60,000 bytes
    checksums = {name: {"sha256": "0" * 64, "size": 1_008} for name in FILES}
    assert training_examples(checksums) == 1_000
    assert expected_files(checksums)[NAME] == Expected("0" * 64, 1_008)
