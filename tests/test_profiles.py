"""The SLURM profile decides what reruns exactly as a local run does: every setting of profiles/default
that decides whether a finished job reruns has the same value in profiles/slurm, as Snakemake itself
reads the two (its own command-line parser, profiles applied). A difference once made
`touch data/fashion-mnist/train.pt` rerun 15 jobs on SLURM and none locally."""

import pytest
import yaml
from snakemake import cli

import tiny

PROFILES = tiny.REPO / "profiles"

# Every Snakemake setting that decides whether a finished job reruns, and why. Declared here once:
# a profile key that is not below must be declared in NOT_RERUN_DECIDING, or the last test fails.
RERUN_DECIDING = {
    "rerun-incomplete": "outputs Snakemake marked incomplete (a killed job) are made again, not an error",
    "ignore-incomplete": "outputs marked incomplete are taken as finished",
    "rerun-triggers": "which changes since a job ran count: modification times, params, inputs, code, "
    "software environment",
    "max-checksum-file-size": "an input newer than the outputs is judged by its checksum up to this size, "
    "by its modification time above it (a touched 47 MB train.pt)",
    "drop-metadata": "without the records of params, code and input checksums, every trigger but the "
    "modification time is blind",
    "forceall": "every job reruns",
    "forcerun": "the named rules' jobs rerun",
    "touch": "jobs are marked finished instead of run",
}
# The other keys profiles/default sets, none of which decides what reruns.
NOT_RERUN_DECIDING = {
    "cores": "how many jobs run at once",
    "show-failed-logs": "a failed job's log printed under its error",
    "keep-going": "whether independent jobs go on after a failure",
    "logger": "how the console prints jobs (scripts/snakemake_logger_plugin_mlplab)",
}


def resolved(*args: str):
    """Snakemake's settings as its command line reads them in the repository, profiles applied."""
    _, settings = cli.parse_args([*args, "--dry-run"])
    return settings


@pytest.fixture
def local_and_cluster(monkeypatch):
    monkeypatch.chdir(tiny.REPO)  # where Snakemake finds profiles/default as the workflow profile
    local = resolved()
    cluster = resolved("--profile", str(PROFILES / "slurm"), "--workflow-profile", "none")
    assert cluster.executor == "slurm" and local.executor is None  # each profile was read
    return local, cluster


@pytest.mark.parametrize("key", RERUN_DECIDING)
def test_the_cluster_profile_decides_reruns_as_the_local_one(local_and_cluster, key):
    local, cluster = local_and_cluster
    dest = key.replace("-", "_")
    assert getattr(cluster, dest) == getattr(local, dest), (
        f"{key} differs: profiles/default gives {getattr(local, dest)!r}, profiles/slurm "
        f"{getattr(cluster, dest)!r} ({RERUN_DECIDING[key]})"
    )


def test_the_local_profile_sets_what_the_rerun_docs_promise(local_and_cluster):
    """Not Snakemake's defaults: touched inputs up to 100 MB are judged by content, incomplete ones rerun."""
    local, _ = local_and_cluster
    assert local.max_checksum_file_size == 100_000_000 and local.rerun_incomplete


def test_every_key_of_the_local_profile_is_declared_as_deciding_reruns_or_not():
    keys = yaml.safe_load((PROFILES / "default/config.yaml").read_text())
    undeclared = {k.replace("_", "-") for k in keys} - RERUN_DECIDING.keys() - NOT_RERUN_DECIDING.keys()
    assert not undeclared, f"declare in tests/test_profiles.py whether these decide reruns: {undeclared}"


def test_the_cluster_profile_groups_no_block_of_seeds():
    """Snakemake 9.27 groups a submitted job again when a checkpoint (decide's plans) re-plans the DAG, and
    trains it twice: the sweeps' seed blocks go to SLURM one job each (see the profile)."""
    profile = yaml.safe_load((PROFILES / "slurm/config.yaml").read_text())
    assert "groups" not in profile and "group-components" not in profile
