"""The tiny pipeline on a real, single-node SLURM cluster through `--profile profiles/slurm`.

The module brings the test cluster up with tests/cluster/slurm-up.sh (installing Debian's Slurm if
needed, so it needs root) and always down again with slurm-down.sh, which stops only the daemons it
started, by PID. It is skipped only where Slurm cannot be installed or started here: not root, no
apt/dpkg, the packages cannot be installed, or another Slurm already holds its ports.

To stay within a few minutes on two cores, the catalogue is cut to one seed and one experiment per
code path; every job still goes through sbatch, and the node declares more CPUs than the machine
has (SLURM_TEST_CPUS) so that the short, mostly idle jobs run side by side.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from dry_runs import started_jobs

import tiny
from mlplab.workflow.catalogue import ANALYSES

pytestmark = [pytest.mark.slurm, pytest.mark.snakemake]
CLUSTER = tiny.REPO / "tests" / "cluster"
SLURM_DIR = Path(os.environ.get("SLURM_TEST_DIR", "/tmp/mlplab-slurm"))
SLURM_PACKAGES = ("slurmctld", "slurmd", "slurm-client", "munge")
# One experiment per training code path (scratch and concise classifiers, polynomial, weight decay).
KEEP = ("mlp_scratch_relu_logits", "dropout_concise", "poly_normal", "wd_scratch_lambda0")
# The cluster profile plus the test overrides: profiles/default (the local profile) must not be
# layered on top, and the first status check comes after 2 s instead of the profile's 20 s.
SLURM_ARGS = (
    "--profile", "profiles/slurm",
    "--workflow-profile", "none",
    "--slurm-init-seconds-before-status-checks", "2",
)  # fmt: skip
PIPELINE_TIMEOUT_S = 420  # about 3 min on an idle 2-core machine; polls back off under load
FAILURE_BOUND_S = 120


def small(config: dict) -> None:
    config["seeds"] = [0]
    tiny.keep_only(config, {name: config["experiments"][name] for name in KEEP})


def packages_installed() -> bool:
    try:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}\\n", *SLURM_PACKAGES], capture_output=True, text=True
        ).stdout
    except OSError:
        return False
    return out.count("install ok installed") == len(SLURM_PACKAGES)


def cluster_script(name: str, env: dict, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([str(CLUSTER / name)], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def slurm_env():
    """Environment for SLURM clients (sbatch, squeue, the snakemake plugin) talking to the test cluster."""
    if os.geteuid() != 0:
        pytest.skip("SLURM test cluster not available: tests/cluster/slurm-up.sh must run as root")
    if not packages_installed() and not (shutil.which("apt-get") and shutil.which("dpkg-query")):
        pytest.skip("SLURM test cluster not available: Slurm is not installed and there is no apt-get")
    env = {
        **os.environ,
        "SLURM_TEST_DIR": str(SLURM_DIR),
        "SLURM_TEST_CPUS": os.environ.get("SLURM_TEST_CPUS", "8"),
    }
    try:
        up = cluster_script("slurm-up.sh", env, timeout=600)
        if up.returncode != 0:
            why = up.stderr.strip().splitlines()[-1:] or ["(no output)"]
            if not packages_installed():
                pytest.skip(f"SLURM test cluster not available: Slurm could not be installed: {why[0]}")
            if "not started by this script is running" in up.stderr:
                pytest.skip(f"SLURM test cluster not available: {why[0]}")
            pytest.fail(f"slurm-up.sh failed ({up.returncode}):\n{up.stdout}\n{up.stderr}")
        yield {**os.environ, "SLURM_CONF": str(SLURM_DIR / "slurm.conf"), "PYTHONDONTWRITEBYTECODE": "1"}
    finally:
        down = cluster_script("slurm-down.sh", env, timeout=120)
        assert down.returncode == 0, f"slurm-down.sh failed:\n{down.stdout}\n{down.stderr}"


def start_on_slurm(work: Path, env: dict, *targets: str) -> subprocess.Popen:
    # Its own session, so that a Ctrl-C aimed at pytest reaches it only through finish_on_slurm.
    return subprocess.Popen(
        [tiny.SNAKEMAKE, *SLURM_ARGS, *targets],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen) -> str:
    """Interrupt a Snakemake started by start_on_slurm; it then cancels its SLURM jobs itself
    (slurm-down.sh cancels any left over). Returns its output."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return out + err


def finish_on_slurm(proc: subprocess.Popen, timeout: float) -> tuple[int, str]:
    """Wait for a Snakemake started by start_on_slurm; past `timeout` stop it and fail the test."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"snakemake on SLURM did not finish within {timeout:.0f} s:\n{stop(proc)}")
    finally:
        if proc.returncode is None:  # interrupted, or the timeout above
            stop(proc)
    return proc.returncode, out + err


def files(work: Path, folder: str, pattern: str = "*") -> list[str]:
    """Files under work/folder (none if it does not exist), as paths relative to work."""
    return sorted(str(p.relative_to(work)) for p in (work / folder).rglob(pattern) if p.is_file())


def test_tiny_pipeline_on_slurm_equals_local_run(slurm_env, tmp_path):
    local = tiny.make_workdir(tmp_path / "local", edit=small)
    cluster = tiny.make_workdir(tmp_path / "slurm", edit=small)
    # The whole workflow (the default target) on SLURM. The SLURM run spends most of its time waiting
    # on status polls, so the local run goes meanwhile; it makes only the files compared below, so as
    # not to slow the SLURM jobs down more than needed on a small machine.
    proc = start_on_slurm(cluster, slurm_env)
    compared = [f"results/runs/{name}/seed0/{file}" for name in KEEP for file in ("metrics.csv", "run.json")]
    compared += [f"results/analyses/{name}.csv" for name in ANALYSES]  # every one, as the cluster run makes
    try:
        tiny.snakemake(local, *compared, timeout=PIPELINE_TIMEOUT_S)
    except BaseException:
        stop(proc)
        raise
    returncode, out = finish_on_slurm(proc, PIPELINE_TIMEOUT_S)
    assert returncode == 0, f"snakemake on SLURM failed ({returncode}):\n{out}"

    # Every job but the target rule (a localrule) went through sbatch: 4 data, the analyses and the
    # training jobs at least, and whatever turns them into tables, figures and reports. (Each job is
    # one line, its rule's message: `[12:00:00] Job 12: train [experiment=poly_normal,seed=0]: log ...`.)
    jobs = sum(rule != "all" for _, rule, _ in started_jobs(out))
    assert out.count("has been submitted with SLURM jobid") == jobs >= 4 + len(ANALYSES) + len(KEEP), out

    # The same result files, byte for byte (run.json holds timings, so only its status is compared), and
    # beside each run its trained parameters (model.pt).
    compared += [f"results/runs/{name}/seed0/model.pt" for name in KEEP]
    for work in (local, cluster):
        assert sorted(files(work, "results/runs") + files(work, "results/analyses")) == sorted(compared)
    for name in compared:
        if name.endswith("run.json"):
            status = [json.loads((work / name).read_text())["status"] for work in (local, cluster)]
            assert status == ["ok", "ok"], name
        else:
            assert (cluster / name).read_bytes() == (local / name).read_bytes(), name

    # Every job wrote its own log into logs/ on the node (one log per job), as the local jobs did; the
    # SLURM logs of successful jobs (logs/slurm, see the profile) are deleted by the plugin.
    rule_logs = [f for f in files(cluster, "logs") if not f.startswith("logs/slurm/")]
    assert set(files(local, "logs")) <= set(rule_logs) and len(rule_logs) == jobs, rule_logs
    # Each job ran the library of its own workflow folder, not the installed working copy.
    for log in rule_logs:
        assert f"mlp-lab library: {cluster / 'scripts/mlplab'}\n" in (cluster / log).read_text(), log
    assert files(cluster, "logs/slurm", "*.log") == []

    # The finished workflow is complete as far as Snakemake on the submit host can tell.
    assert "Nothing to be done" in tiny.snakemake(cluster, *SLURM_ARGS, "-n").stdout


def profile() -> dict:
    return yaml.safe_load((tiny.REPO / "profiles/slurm/config.yaml").read_text())


def test_the_profiles_cores_are_the_training_threads():
    """`cores` in the profile is both the most CPUs a job asks for (Snakemake lowers a rule's threads to
    it) and what keeps a group of sweep points one point per layer, as the plugin runs them: it must be
    config.yaml's threads_per_job, no less (runs would train on fewer threads than the config says) and
    no more (a group would ask for a fraction of the time its points take one after another)."""
    assert profile()["cores"] == yaml.safe_load((tiny.REPO / "config.yaml").read_text())["threads_per_job"]


def test_sweep_blocks_and_decide_on_slurm_equal_a_local_run(slurm_env, tmp_path):
    """`exercises` and `decide` (two looks) in one controller: each seed block one SLURM job, submitted
    once, its runs byte for byte a local run's; decide's plans made on the submit host (local
    checkpoints); nothing left to do after."""

    def sweeps_only(config):
        config["seeds"] = [0]
        tiny.keep_only(config, {name: config["experiments"][name] for name in ("mlp_concise", "poly_normal")})
        assert config["sweeps"].keys() == tiny.SWEEPS.keys()
        config["decide"] = {"looks": [2, 3]}

    local = tiny.make_workdir(tmp_path / "local", edit=sweeps_only)
    cluster = tiny.make_workdir(tmp_path / "slurm", edit=sweeps_only)
    proc = start_on_slurm(cluster, slurm_env, "exercises", "decide")
    summaries = [f"results/sweeps/{name}/summary.csv" for name in tiny.SWEEPS]
    try:
        tiny.snakemake(local, *summaries, timeout=PIPELINE_TIMEOUT_S)  # every point's runs, meanwhile
    except BaseException:
        stop(proc)
        raise
    returncode, out = finish_on_slurm(proc, 2 * PIPELINE_TIMEOUT_S)
    assert returncode == 0, f"snakemake on SLURM failed ({returncode}):\n{out}"

    # Every job but the plans and the targets (local jobs) went through sbatch, once: the blocks too.
    jobs = [(job, rule) for job, rule, _ in started_jobs(out)]
    assert len({job for job, _ in jobs}) == len(jobs), out  # each job started once
    submitted = [job for job, rule in jobs if rule not in ("decide_plan", "decide", "exercises")]
    assert any(rule.startswith("train_block") for _, rule in jobs), out
    assert out.count("has been submitted with SLURM jobid") == len(submitted), out

    # The exercises' runs, byte for byte as a local run's, each with its own log; the same summaries.
    for name in files(local, "results/sweeps", "metrics.csv"):
        assert (cluster / name).read_bytes() == (local / name).read_bytes(), name
        assert json.loads((cluster / name).with_name("run.json").read_text())["status"] == "ok", name
        sweep_point = str(Path(name).parent.parent.relative_to("results/sweeps"))
        assert (cluster / f"logs/train/sweeps/{sweep_point}/seed0.log").is_file(), name
    for name in summaries:
        tables = [pd.read_csv(work / name) for work in (local, cluster)]
        for column in ("point", "selected", "n_seeds"):
            assert tables[0][column].tolist() == tables[1][column].tolist(), (name, column)
    # decide: both looks' plans, the page, and nothing left to do.
    plans = [cluster / f"results/decide/{name}/look{look}.json" for name in tiny.SWEEPS for look in (0, 1)]
    assert all(plan.is_file() for plan in plans), plans
    assert (cluster / "results/exercises.html").is_file() and (cluster / "results/decide.html").is_file()
    assert "Nothing to be done" in tiny.snakemake(cluster, *SLURM_ARGS, "-n", "exercises", "decide").stdout


def test_failing_job_on_slurm_is_reported_not_waited_for(slurm_env, tmp_path):
    def missing_source(config):
        small(config)
        config["data"]["fashion_mnist"]["sources"] = [str(tmp_path / "nowhere")]

    work = tiny.make_workdir(tmp_path, edit=missing_source)
    start = time.monotonic()
    proc = start_on_slurm(work, slurm_env, "data/fashion-mnist/train.pt")
    returncode, out = finish_on_slurm(proc, FAILURE_BOUND_S + 60)
    elapsed = time.monotonic() - start

    assert returncode != 0, out
    assert elapsed < FAILURE_BOUND_S, f"a failed job took {elapsed:.0f} s to be reported:\n{out}"
    assert "Error in rule fetch_fashion_mnist" in out
    assert re.search(r"SLURM-job '\d+' failed", out), out
    # The job ran on the node and logged why, into logs/ like any other job...
    job_log = (work / "logs/data/fetch_fashion_mnist.log").read_text()
    assert f"{tmp_path / 'nowhere'}: missing:" in job_log
    # ...and SLURM's own log of the failed job is kept beside it.
    assert files(work, "logs/slurm/rule_fetch_fashion_mnist", "*.log"), out
    # No output of the failed job remains, and nothing downstream ran.
    raw = work / "data/fashion-mnist/raw"
    assert not raw.exists() or list(raw.iterdir()) == []
    assert not (work / "data/fashion-mnist/train.pt").exists()


def test_after_a_lost_controller_a_second_job_for_a_held_run_waits_and_the_first_result_stands(
    slurm_env, tmp_path
):
    """The controller (Snakemake itself) is killed while its SLURM job trains; after `--unlock`, a new
    controller submits a second job for the same run. That job does not start a second writer: it names
    the first SLURM job, waits for it, and keeps its result, complete and verified."""

    def one_long_run(config):
        config["seeds"] = [0]
        tiny.keep_only(config, {"mlp_concise": {**config["experiments"]["mlp_concise"], "epochs": 1500}})

    work = tiny.make_workdir(tmp_path, edit=one_long_run)
    tiny.snakemake(work, "data/fashion-mnist/train.pt", "data/fashion-mnist/test.pt")  # data first, locally
    target = "results/runs/mlp_concise/seed0/metrics.csv"
    run = work / target
    lock = run.with_name(".writer.lock")

    first = start_on_slurm(work, slurm_env, target)
    deadline = time.monotonic() + 180
    while not (lock.exists() and run.with_name("metrics.csv.partial").exists()):
        assert first.poll() is None and time.monotonic() < deadline, stop(first)
        time.sleep(0.5)
    holder = json.loads(lock.read_text())
    assert holder["slurm_job_id"], holder
    os.killpg(first.pid, signal.SIGKILL)  # the controller only: its SLURM job runs on
    first.wait()

    tiny.snakemake(work, "--unlock")
    second = start_on_slurm(work, slurm_env, "--slurm-keep-successful-logs", target)  # to read its log
    returncode, out = finish_on_slurm(second, PIPELINE_TIMEOUT_S)
    assert returncode == 0, out
    assert out.count("has been submitted with SLURM jobid") == 1, out
    slurm_logs = "".join(p.read_text() for p in (work / "logs/slurm").rglob("*.log"))
    assert f"another job is writing this run (SLURM job {holder['slurm_job_id']}" in slurm_logs + out
    assert "completed this run and its result is verified; not training it again" in slurm_logs + out

    assert not subprocess.run(
        ["squeue", "-h", "-j", holder["slurm_job_id"]], env=slurm_env, capture_output=True, text=True
    ).stdout.strip(), "the second controller ended before the first job"
    record = json.loads(run.with_name("run.json").read_text())
    assert record["status"] == "ok" and record["epochs_completed"] == 1500
    assert record["metrics_sha256"] == hashlib.sha256(run.read_bytes()).hexdigest()
    assert not lock.exists() and not run.with_name("metrics.csv.partial").exists()
    assert "Nothing to be done" in tiny.snakemake(work, "-n", target).stdout
