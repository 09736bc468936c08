"""Shared fixtures. Test modules import the library as installed (editable) by `make setup`, and the
helper modules of this folder through pytest's `pythonpath` setting (pyproject.toml)."""

import shutil

import pytest
from compare_runs import write_before

import tiny

# Fixtures that run Snakemake: a test that uses one is a Snakemake test, out of `make check`'s quick tier.
RUNS_SNAKEMAKE = {"tiny_run", "tiny_exercised"}


def pytest_collection_modifyitems(items):
    for item in items:
        if RUNS_SNAKEMAKE & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.snakemake)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """The whole tiny workflow, run once per test session; tests must not modify it. What Snakemake
    printed is kept beside it (`console.txt`), for the tests of the console."""
    work = tiny.make_workdir(tmp_path_factory.mktemp("tiny_run"))
    proc = tiny.snakemake(work)
    (work.parent / "console.txt").write_text(proc.stdout + proc.stderr)
    return work


@pytest.fixture(scope="session")
def tiny_exercised(tiny_run, tmp_path_factory):
    """A copy of the session's tiny run with its sweeps trained (`snakemake exercises`), once per test
    session; tests must not modify it (copy it to edit or break things)."""
    work = tmp_path_factory.mktemp("tiny_exercised") / "workflow"
    shutil.copytree(tiny_run, work, symlinks=True)
    tiny.snakemake(work, "exercises")
    return work


@pytest.fixture
def tiny_workdir(tmp_path):
    """A fresh tiny working copy, not yet run, for tests that edit or break things."""
    return tiny.make_workdir(tmp_path)


@pytest.fixture
def before(tmp_path):
    """Side A of a comparison, written by hand (`compare_runs.write_before`)."""
    return write_before(tmp_path)
