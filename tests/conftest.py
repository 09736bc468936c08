import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
sys.path[:0] = [str(TESTS.parent / "scripts"), str(TESTS)]

import tiny  # noqa: E402


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """The whole tiny workflow, run once per test session; tests must not modify it."""
    work = tiny.make_workdir(tmp_path_factory.mktemp("tiny_run"))
    tiny.snakemake(work)
    return work


@pytest.fixture
def tiny_workdir(tmp_path):
    """A fresh tiny working copy, not yet run, for tests that edit or break things."""
    return tiny.make_workdir(tmp_path)
