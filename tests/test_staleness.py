"""Staleness is exact and results are reproducible: after each kind of edit to a finished tiny workflow,
`snakemake -n` plans exactly the jobs the edit affects (plus the aggregates), running them leaves nothing
else rewritten and nothing left to do, and a rerun from scratch gives the same bytes.

Every scenario edits its own copy of one finished run (the session's `tiny_run`, copied with mtimes and
.snakemake/ metadata), so scenarios are independent and the tiny workflow is run only once.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from functools import cache
from pathlib import Path

import pytest
from dry_runs import Job, Plan, dry_run, train
from real_imports import kind_modules, real_imports

import tiny
from mlplab.workflow.catalogue import ANALYSES, KINDS, Family

pytestmark = pytest.mark.snakemake

REGRESSION_KINDS = {name for name, kind in KINDS.items() if kind.family == Family.REGRESSION}
# The rules that make data, analyses and runs; every other rule reads many runs (tables, figures, pages)
# or is a target.
UPSTREAM_RULES = {"fetch_fashion_mnist", "decode_fashion_mnist", "make_synthetic_data", "analysis", "train"}
# Every library file as its path below scripts/mlplab without .py ("chapter/models", "chapter/__init__").
LIBRARY = sorted(
    p.relative_to(tiny.REPO / "scripts/mlplab").with_suffix("").as_posix()
    for p in (tiny.REPO / "scripts/mlplab").rglob("*.py")
)


def module_name(module: str) -> str:
    """ "chapter/models" → "mlplab.chapter.models"; a package's "chapter/__init__" → "mlplab.chapter"."""
    return ".".join(["mlplab", *module.split("/")]).removesuffix(".__init__")


# Reasons an aggregate job may give: something upstream reruns, runs were added, or the config it shows
# changed. ("Updated input files: ..." is checked against the files a scenario rewrote.)
AGGREGATE_REASONS = (
    "Input files updated by another job",
    "Set of input files has changed since last execution",
    "Params have changed since last execution",
)
# Where jobs write (outputs, logs, benchmarks): after a run, exactly the files of the jobs that ran
# may have changed there.
PRODUCED = ("data", "results", "logs")
METRICS = "results/runs/{}/seed{}/metrics.csv"


# --- What `snakemake -n` plans ------------------------------------------------------------------


@cache
def aggregate_rules() -> set[str]:
    """The rules whose jobs read many runs, and the targets: every rule Snakemake lists but those that
    make data, analyses and runs (the same in every copy of the workflow)."""
    listed = tiny.snakemake(tiny.REPO, "--list-rules").stdout.split()
    assert UPSTREAM_RULES <= set(listed), listed
    return set(listed) - UPSTREAM_RULES


def assert_plan(
    work: Path,
    plan: Plan,
    expected: set[Job],
    aggregates: bool,
    updated: set[str] = frozenset(),
    tables: bool = True,
) -> None:
    """The plan is exactly `expected` plus, if `aggregates`, aggregate jobs (the tables among them, if
    `tables`) that rerun only because something upstream reruns or was rewritten (`updated`), or the
    config changed."""
    agg_rules = aggregate_rules()
    assert {job for job in plan if job.rule not in agg_rules} == expected
    agg_jobs = {job: fields for job, fields in plan.items() if job.rule in agg_rules}
    if not aggregates:
        assert agg_jobs == {}
        return
    assert Job("all") in agg_jobs and (Job("aggregate") in agg_jobs or not tables), sorted(plan, key=repr)
    for job, fields in agg_jobs.items():
        for reason in fields.get("reason", "").split("; "):
            if reason.startswith("Updated input files: "):
                files = set(reason.removeprefix("Updated input files: ").split(", "))
                assert files <= updated, f"{job} reruns because of {files - updated}"
            else:
                assert reason.startswith(AGGREGATE_REASONS), f"{job} reruns because: {reason}"


def job_files(
    plan: Plan, jobs: set[Job], keys=("output", "log", "benchmark"), work: Path | None = None
) -> set[str]:
    """The files the given planned jobs write (outputs only, or with logs and benchmarks); with `work`,
    also the model.pt a training job writes beside its run.json (no Snakemake output; a diverged run
    has none)."""
    found = {path for job in jobs for key in keys if key in plan[job] for path in plan[job][key].split(", ")}
    models = {str(Path(f).with_name("model.pt")) for f in found if f.endswith("/run.json")}
    return found | {m for m in models if work is not None and (work / m).exists()}


# --- Copies, edits and checks -------------------------------------------------------------------


@pytest.fixture(scope="module")
def finished(tiny_run: Path) -> Path:
    """One finished tiny run for every scenario here: the session's `tiny_run` (read-only), so the
    whole tiny workflow runs once per test session rather than once more for this module."""
    return tiny_run


@pytest.fixture
def work(finished: Path, tmp_path: Path) -> Path:
    """A private copy of the finished run. copytree uses copy2 (mtimes kept, to the nanosecond) and
    takes .snakemake/ along, so Snakemake sees the same up-to-date workflow: every scenario's exact
    plan would show any job the copying itself had made stale."""
    return copy_run(finished, tmp_path / "workflow")


def copy_run(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest, symlinks=True)
    return dest


def edit_config(work: Path, edit) -> dict:
    config = tiny.read_config(work)
    edit(config)
    tiny.write_config(work, config)
    return config


def append_comment(path: Path) -> None:
    with path.open("a") as f:
        f.write("# edited: a comment only, the code is the same\n")


def experiments(config: dict, kinds=None, exclude=()) -> list[str]:
    return [
        name
        for name, hp in config["experiments"].items()
        if (kinds is None or hp["kind"] in kinds) and hp["kind"] not in exclude
    ]


def train_jobs(names, seeds) -> set[Job]:
    return {train(name, seed) for name in names for seed in seeds}


def snapshot(work: Path) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file a job may write."""
    return {
        str(path.relative_to(work)): (path.stat().st_mtime_ns, path.stat().st_size)
        for folder in PRODUCED
        for path in (work / folder).rglob("*")
        if path.is_file()
    }


def changed(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> set[str]:
    return {path for path in before.keys() | after.keys() if before.get(path) != after.get(path)}


def run_some(work: Path, plan: Plan, expected: set[Job], ran: set[Job]) -> None:
    """Run `ran`, some of the planned non-aggregate jobs (their outputs as targets), then check that
    exactly their files were written and that what is left to do is the rest of `expected` and the
    aggregates. Running a few jobs per scenario keeps the module fast; the aggregates run in one."""
    assert ran <= expected
    before = snapshot(work)
    tiny.snakemake(work, *sorted(job_files(plan, ran, keys=("output",))))
    rewritten = changed(before, snapshot(work))
    assert rewritten == job_files(plan, ran, work=work)
    # The tables may be due or not: a rerun that rewrote a run with the same bytes (a fast regression's
    # run.json can repeat its wall time to the millisecond) changes nothing they show; its benchmark file
    # still changes, so the report is due.
    remaining = expected - ran
    assert_plan(work, dry_run(work), remaining, aggregates=True, updated=rewritten, tables=bool(remaining))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def metrics_bytes(work: Path, names, seeds) -> dict[str, bytes]:
    return {METRICS.format(n, s): (work / METRICS.format(n, s)).read_bytes() for n in names for s in seeds}


# --- Scenarios ----------------------------------------------------------------------------------


def test_no_change_nothing_to_do(work):
    assert dry_run(work) == {}


def test_learning_rate_reruns_that_experiment_and_aggregates(work):
    config = edit_config(work, lambda c: c["experiments"]["mlp_concise"].update(lr=0.2))
    expected = train_jobs(["mlp_concise"], config["seeds"])
    plan = dry_run(work)
    assert_plan(work, plan, expected, aggregates=True)

    old = metrics_bytes(work, ["mlp_concise"], config["seeds"])
    before = snapshot(work)
    tiny.snakemake(work)  # the whole workflow, aggregates included
    assert changed(before, snapshot(work)) == job_files(plan, set(plan), work=work)
    assert dry_run(work) == {}
    for seed in config["seeds"]:
        record = json.loads((work / f"results/runs/mlp_concise/seed{seed}/run.json").read_text())
        assert record["config"]["lr"] == 0.2
    assert metrics_bytes(work, ["mlp_concise"], config["seeds"]) != old


def test_added_seed_runs_only_that_seed(work):
    config = edit_config(work, lambda c: c["seeds"].append(2))
    expected = train_jobs(experiments(config), [2])
    plan = dry_run(work)
    assert_plan(work, plan, expected, aggregates=True)
    run_some(work, plan, expected, {train("mlp_concise", 2)})
    record = json.loads((work / "results/runs/mlp_concise/seed2/run.json").read_text())
    assert record["seed"] == 2


def test_new_catalogue_entry_runs_only_that_entry(work):
    def add_entry(config):
        config["experiments"]["mlp_concise_lr05"] = {**config["experiments"]["mlp_concise"], "lr": 0.5}

    config = edit_config(work, add_entry)
    expected = train_jobs(["mlp_concise_lr05"], config["seeds"])
    plan = dry_run(work)
    assert_plan(work, plan, expected, aggregates=True)
    run_some(work, plan, expected, {train("mlp_concise_lr05", 0)})
    record = json.loads((work / "results/runs/mlp_concise_lr05/seed0/run.json").read_text())
    assert record["config"] == config["experiments"]["mlp_concise_lr05"]


def test_polynomial_data_change_reruns_polynomial_fits_only(work):
    config = edit_config(work, lambda c: c["data"]["polynomial"].update(noise_std=0.2))
    polynomial = experiments(config, kinds={"polynomial"})
    assert len(polynomial) == 2  # poly_normal and the diverging poly_diverged
    make_data = Job("make_synthetic_data", "dataset=polynomial")
    expected = {make_data} | train_jobs(polynomial, config["seeds"])
    plan = dry_run(work)
    assert_plan(work, plan, expected, aggregates=True)
    old = metrics_bytes(work, ["poly_normal"], [0])
    run_some(work, plan, expected, {make_data, train("poly_normal", 0)})
    assert metrics_bytes(work, ["poly_normal"], [0]) != old


def test_analysis_config_reruns_exactly_the_tables_that_read_it(work):
    """A demonstration's config block reruns that analysis and the report; exploding_gradient's block
    reruns both tables of its draw (the curve and the matrices), their figure and the report."""

    def planned(edit) -> tuple[set[Job], set[Job]]:
        edit_config(work, edit)
        plan = dry_run(work)
        downstream = {job for job in plan if job.rule in aggregate_rules()}
        return set(plan) - downstream, downstream

    def analysis(name: str) -> Job:
        return Job("analysis", f"analysis={name}")

    report = {Job("html_report"), Job("all")}
    upstream, downstream = planned(lambda c: c["analyses"]["dropout_demo"].update(seed=1))
    assert upstream == {analysis("dropout_demo")} and downstream == report

    upstream, downstream = planned(lambda c: c["analyses"]["exploding_gradient"].update(n_products=12))
    tables = ("dropout_demo", "exploding_gradient", "exploding_gradient_matrices")  # the first still due
    assert upstream == {analysis(name) for name in tables}
    assert downstream == report | {Job("plot", "figure=numerical_stability")}


@pytest.fixture(scope="module")
def every_job(finished: Path) -> set[Job]:
    """Every job of the finished tiny workflow, as a forced dry run plans them."""
    return set(dry_run(finished, "--forceall"))


def users(module: str, jobs: set[Job], config: dict) -> set[Job]:
    """The jobs whose script really imports `mlplab.<module>` (the training script per kind, the analysis
    script per analysis)."""
    found = set()
    for job in jobs:
        script = tiny.REPO / "scripts" / f"{job.rule}.py"  # a rule's script has the rule's name
        if not script.exists():
            continue  # a target rule: no script
        extra = ()
        wildcards = dict(w.split("=") for w in job.wildcards.split(", ") if w)
        if job.rule == "train":
            extra = kind_modules(KINDS[config["experiments"][wildcards["experiment"]]["kind"]])
        elif job.rule == "analysis":
            extra = (ANALYSES[wildcards["analysis"]].module,)
        if module_name(module) in real_imports(script, extra):
            found.add(job)
    return found


@pytest.fixture(scope="module")
def edited_copy(finished: Path, tmp_path_factory) -> Path:
    """One copy for the per-module scenarios below: each edits a module, plans, and puts it back."""
    return copy_run(finished, tmp_path_factory.mktemp("edited") / "workflow")


@pytest.mark.parametrize("module", LIBRARY)
def test_editing_any_library_module_reruns_exactly_the_jobs_that_import_it(edited_copy, every_job, module):
    """Every job whose script imports the edited file (found by running the scripts' imports) reruns, and
    every other planned job reruns only because one of those does."""
    path = edited_copy / f"scripts/mlplab/{module}.py"
    original, stat = path.read_bytes(), path.stat()
    append_comment(path)
    try:
        plan = dry_run(edited_copy)
        expected = users(module, every_job, tiny.read_config(edited_copy))
        assert expected <= set(plan)
        # Snakemake names the edited file as the reason unless an upstream job reruns too, which it
        # names instead; a job that does not import the module may only rerun for the second reason.
        relative = f"scripts/mlplab/{module}.py"
        assert {job for job, fields in plan.items() if relative in fields.get("reason", "")} <= expected
        for job, fields in plan.items():
            if job not in expected:
                reason = fields.get("reason", "")
                assert reason.startswith("Input files updated by another job"), (job, reason)
    finally:
        path.write_bytes(original)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


@pytest.mark.parametrize(
    ("module", "kinds"),
    [("chapter/regression", "regression"), ("chapter/models", "classifier")],
)
def test_library_edit_reruns_exactly_its_users_with_same_bytes(work, module, kinds):
    """A comment added to a module reruns the jobs that import it; one run per kind, rerun, gives the
    same bytes as before."""
    config = tiny.read_config(work)
    if kinds == "regression":
        users = experiments(config, kinds=REGRESSION_KINDS)
    else:
        users = experiments(config, exclude=REGRESSION_KINDS)
    assert users and len(users) < len(config["experiments"])
    append_comment(work / f"scripts/mlplab/{module}.py")
    expected = train_jobs(users, config["seeds"])
    if module == "chapter/models":  # the notes' dropout demonstration uses the from-scratch dropout
        expected.add(Job("analysis", "analysis=dropout_demo"))
    plan = dry_run(work)
    assert_plan(work, plan, expected, aggregates=True)
    one_per_kind = list({config["experiments"][name]["kind"]: name for name in reversed(users)}.values())
    old = metrics_bytes(work, one_per_kind, [0])
    run_some(work, plan, expected, train_jobs(one_per_kind, [0]))
    assert metrics_bytes(work, one_per_kind, [0]) == old


def test_touch_without_content_change_reruns_nothing(work):
    """Snakemake 9 checksums small inputs, so a newer mtime with the same content is no change."""
    for module in ("chapter/regression", "chapter/models"):
        (work / f"scripts/mlplab/{module}.py").touch()
    (work / "config.yaml").touch()
    assert dry_run(work) == {}


def test_reordered_config_reruns_no_run(work):
    """Params are canonical JSON (sorted keys), so reordering the keys of an entry, or the entries of the
    catalogue, reruns no run and no table: at most the documents that list experiments in catalogue
    order (the reports)."""

    def reorder(config):
        config["experiments"]["mlp_concise"] = dict(reversed(config["experiments"]["mlp_concise"].items()))
        config["experiments"] = dict(reversed(config["experiments"].items()))

    edit_config(work, reorder)
    plan = dry_run(work)
    assert {job for job in plan if job.rule not in aggregate_rules()} == set()
    assert Job("aggregate") not in plan and not any(job.rule == "plot" for job in plan)


def test_script_edit_reruns_every_train_job_only(work):
    """Snakemake's code trigger: a changed rule script reruns that rule's jobs (dry run only)."""
    config = tiny.read_config(work)
    append_comment(work / "scripts/train.py")
    assert_plan(work, dry_run(work), train_jobs(experiments(config), config["seeds"]), aggregates=True)


def test_deleted_metrics_reruns_that_run_with_same_bytes(work):
    path = work / METRICS.format("poly_normal", 1)
    old = path.read_bytes()
    path.unlink()
    expected = {train("poly_normal", 1)}
    plan = dry_run(work)
    assert_plan(work, plan, expected, aggregates=True)
    run_some(work, plan, expected, expected)
    assert path.read_bytes() == old


def test_forced_rerun_from_scratch_is_byte_identical(work):
    """The same experiment and seed, run again from scratch (outputs removed first), gives the same bytes."""
    metrics = work / METRICS.format("mlp_concise", 0)
    old = metrics.read_bytes()
    force = (str(metrics.relative_to(work)), "--forcerun", "train")
    plan = dry_run(work, *force)
    assert set(plan) == {train("mlp_concise", 0)}
    before = snapshot(work)
    tiny.snakemake(work, *force)
    rewritten = changed(before, snapshot(work))
    assert rewritten == job_files(plan, set(plan), work=work)
    assert metrics.read_bytes() == old
    record = json.loads((metrics.parent / "run.json").read_text())
    assert record["metrics_sha256"] == sha256(metrics)
    # run.json was rewritten (its wall time, unless it repeats to the millisecond): the aggregates, and
    # only they, are due again.
    assert_plan(work, dry_run(work), set(), aggregates=True, updated=rewritten, tables=False)


def test_every_run_records_the_sha256_of_its_metrics(finished):
    config = tiny.read_config(finished)
    records = list((finished / "results/runs").glob("*/seed*/run.json"))
    assert len(records) == len(config["experiments"]) * len(config["seeds"])
    for path in records:
        record = json.loads(path.read_text())
        assert record["metrics_sha256"] == sha256(path.parent / "metrics.csv"), path


def test_killed_training_job_is_incomplete_and_rerun_gives_same_bytes(finished, tmp_path):
    """SIGKILL to Snakemake and its job half-way through training, like a node crash: the job's progress
    is in metrics.csv.partial, no metrics.csv or run.json exists to be taken as done, the dead job's lock
    on the run folder is taken over, and the rerun writes the same bytes as an uninterrupted run."""
    epochs = 60  # about 20 ms each on the tiny data: a second to kill the job between epochs

    def longer(config):
        config["experiments"]["mlp_concise"]["epochs"] = epochs

    target = METRICS.format("mlp_concise", 0)
    reference = copy_run(finished, tmp_path / "reference")
    edit_config(reference, longer)
    tiny.snakemake(reference, target)

    work = copy_run(finished, tmp_path / "killed")
    edit_config(work, longer)
    metrics = work / target
    partial = metrics.with_name("metrics.csv.partial")
    with (tmp_path / "killed.out").open("w") as out:
        proc = subprocess.Popen(
            [tiny.SNAKEMAKE, "--cores", "1", target],
            cwd=work,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
        deadline = time.monotonic() + 120
        while not (partial.exists() and partial.read_bytes().count(b"\n") >= 3):
            assert proc.poll() is None, (tmp_path / "killed.out").read_text()
            assert time.monotonic() < deadline, "training never reached its second epoch"
            time.sleep(0.002)
        with contextlib.suppress(ProcessLookupError):  # (gone already if it outran the polling)
            os.killpg(proc.pid, signal.SIGKILL)  # Snakemake and its job, all at once
        proc.wait()
    rows = partial.read_bytes().count(b"\n") - 1
    assert 2 <= rows < epochs
    time.sleep(0.2)
    assert partial.read_bytes().count(b"\n") - 1 == rows, "the training job outlived the kill"
    assert not metrics.exists() and not (metrics.parent / "run.json").exists()
    assert (metrics.parent / ".writer.lock").exists()  # the dead job's claim on the run folder

    tiny.snakemake(work, "--unlock")  # the killed Snakemake's lock, as after any crash
    # The unfinished run is planned again (both seeds: their epochs changed).
    assert_plan(work, dry_run(work), train_jobs(["mlp_concise"], [0, 1]), aggregates=True)

    tiny.snakemake(work, target)
    assert metrics.read_bytes() == (reference / target).read_bytes()
    record = json.loads((metrics.parent / "run.json").read_text())
    ref_record = json.loads((reference / target).with_name("run.json").read_text())
    assert record["metrics_sha256"] == sha256(metrics) == ref_record["metrics_sha256"]
    assert record["epochs_completed"] == epochs
    assert not partial.exists() and not (metrics.parent / ".writer.lock").exists()
