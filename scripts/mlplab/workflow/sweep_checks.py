"""What is wrong with a sweep that its schema cannot see, and what a large one (or a day-long catalogue
entry) will cost: checked on every `snakemake -n` (`mlplab.workflow.config_checks` reports the problems,
each once per sweep; the Snakefile prints the cost lines). Torch-free.
"""

from __future__ import annotations

import dataclasses

from mlplab.chapter.hyperparameters import unused
from mlplab.workflow.catalogue import KINDS, Family
from mlplab.workflow.sweeps import Sweep, filled, format_value


def sweep_problems(name: str, spec: dict, experiments: dict[str, dict]) -> list[tuple[tuple, str]]:
    """What is wrong with one sweep that its schema cannot see, as (config path, message): both or
    neither of grid and points, a base not in the catalogue, a key its kind does not have, a swept
    validation set, a validation set on a regression or one that contradicts the base entry's own,
    zipped lists of different lengths. Each point's values are then checked as an entry of the base's
    kind (`config_checks.sweep_points`), and two points that train identically (`duplicate_points`)."""
    where = ("sweeps", name)
    if ("grid" in spec) == ("points" in spec):
        return [(where, "give either `grid` (every combination) or `points` (zipped), not both or neither")]
    base = spec["base"]
    if base not in experiments:
        known = ", ".join(experiments)
        return [((*where, "base"), f"'{base}' is not an entry of the catalogue (experiments: {known})")]
    kind = experiments[base]["kind"]
    fields = {f.name for f in dataclasses.fields(KINDS[kind].config)}
    block = "grid" if "grid" in spec else "points"
    problems: list[tuple[tuple, str]] = [
        (
            (*where, block, key),
            f"the base entry '{base}' is of kind {kind}, which has no hyperparameter "
            f"'{key}' (it has: {', '.join(sorted(fields))})",
        )
        for key in spec[block]
        if key not in fields
    ]
    if "validation" in spec[block] and "validation" in fields:
        problems.append(
            (
                (*where, block, "validation"),
                "cannot be swept: each point would select on, and be measured on, a validation set of "
                "its own while the sweep's page states one size for all; set the sweep's `validation` "
                "(one size for every point) instead",
            )
        )
    if "validation" in spec and KINDS[kind].family != Family.CLASSIFIER:
        problems.append(
            (
                (*where, "validation"),
                f"'{base}' is a regression: its held-out set is the "
                "test set, and a regression sweep selects nothing, so it takes no validation set",
            )
        )
    own = experiments[base].get("validation")
    if "validation" in spec and own and own != spec["validation"]:
        problems.append(
            (
                (*where, "validation"),
                f"{spec['validation']} conflicts with the base entry's own validation set "
                f"(experiments.{base}.validation: {own}): every point is the base entry with the swept "
                "values set, so give one size (drop the sweep's `validation`, or make the two equal)",
            )
        )
    lengths = {key: len(values) for key, values in spec[block].items()}
    if block == "points" and len(set(lengths.values())) > 1:
        problems.append(
            (
                (*where, "points"),
                f"zipped points need one value per point in every key, got "
                f"{', '.join(f'{k}: {n}' for k, n in lengths.items())}",
            )
        )
    return problems


def duplicate_points(sweep: Sweep) -> list[tuple[tuple, str]]:
    """Points of one sweep that train identically, one problem per sweep naming the first pair: the same
    folder (1 and 1.0), or values that differ only where the others leave them unused. `expand` gave such
    points one run (the first's), so they are found by it."""
    first: dict[str, int] = {}
    pairs: list[tuple[int, int]] = []
    for i, point in enumerate(sweep.points):
        if point.run in first:
            pairs.append((first[point.run], i))
        first.setdefault(point.run, i)
    if not pairs:
        return []
    (i, j), more = pairs[0], len(pairs) - 1
    a, b = sweep.points[i], sweep.points[j]
    if a.path == b.path:
        what = (
            f"points {i + 1} and {j + 1} are the same point, {a.path} (values are compared as numbers: "
            "1 and 1.0 are one value)"
        )
    else:
        differ = [key for key in sweep.keys if a.values[key] != b.values[key]]
        ignored = unused(KINDS[sweep.kind].config, filled(b.entry))
        reasons = [unused_reason(sweep.kind, key) for key in differ if key in ignored]
        what = f"points {a.path} and {b.path} train identically" + (
            f" ({'; '.join(reasons)})" if reasons else ""
        )
    also = f"; so do {more:,} more pair{'s' * (more != 1)} of its points" if more else ""
    return [(("sweeps", sweep.name, "grid" if sweep.grid else "points"), f"{what}: keep one{also}")]


def unused_reason(kind: str, key: str) -> str:
    """'init_std is unused with init: xavier_uniform', from the field's declaration."""
    field = next(f for f in dataclasses.fields(KINDS[kind].config) if f.name == key)
    when = " and ".join(
        f"{name}: {' or '.join(format_value(v) for v in allowed)}"
        for name, allowed in field.metadata["unused_when"].items()
    )
    return f"{key} is unused with {when}"


# ---- What a large sweep costs ----

# For the line a large sweep prints when the workflow starts: an estimate, from the exercises benchmark
# (benchmarks/README.md: one thread per job on a 2-core AVX2 machine). A training job starts in about
# 2.5 s (Python, Snakemake's preamble, `import torch`, the data); an epoch of a 256-wide MLP on 50 000
# Fashion-MNIST examples takes about 0.75 s, one of the chapter's regressions a few milliseconds.
JOB_START_S = 2.5
EPOCH_S = {Family.CLASSIFIER: 0.75, Family.REGRESSION: 0.003}
LARGE_SWEEP = 300  # training jobs: above this, the sweep says what it will cost before it runs
DAY_S = 24 * 3600  # job time: above this, a catalogue entry says what it will cost before it runs


def training_jobs(sweep: Sweep) -> int:
    """The training jobs a sweep adds: its own points (not those it reads from an entry or another
    sweep) at each of its seeds."""
    return sum(point.own for point in sweep.points) * len(sweep.seeds)


def job_seconds(jobs: int, epochs: int, family: Family) -> float:
    """An estimate of the job time of `jobs` training jobs of `family` that train `epochs` in all."""
    return jobs * JOB_START_S + epochs * EPOCH_S[family]


def estimate(family: Family) -> str:
    """How `job_seconds` estimates, for the line that quotes it."""
    return (
        f"an estimate: {JOB_START_S:g} s to start a job and {EPOCH_S[family]:g} s per {family} epoch on "
        "one core; divide by the cores or jobs that run at once"
    )


def cost_line(sweep: Sweep) -> str | None:
    """One line for a sweep of more than LARGE_SWEEP training jobs: how many, and an estimate of their
    job time (`job_seconds`), so that a grid of thousands of points is not started by accident. None
    for smaller sweeps."""
    jobs = training_jobs(sweep)
    if jobs <= LARGE_SWEEP:
        return None
    epochs = sum(point.entry["epochs"] for point in sweep.points if point.own) * len(sweep.seeds)
    own = sum(point.own for point in sweep.points)
    seeds = len(sweep.seeds)
    return (
        f"sweep {sweep.name}: {own:,} points × {seeds} seed{'s' * (seeds != 1)} = {jobs:,} training jobs, "
        f"about {hours(job_seconds(jobs, epochs, sweep.family))} of job time ({estimate(sweep.family)})"
    )


def entry_cost_line(name: str, entry: dict, seeds: int) -> str | None:
    """One line for a catalogue entry whose `seeds` runs would take more than a day of job time in all
    (`epochs: 1000000000` passes every check, and its jobs would run for years); None for the rest."""
    family = KINDS[entry["kind"]].family
    seconds = job_seconds(seeds, entry["epochs"] * seeds, family)
    if seconds <= DAY_S:
        return None
    return (
        f"experiment {name}: {seeds} seed{'s' * (seeds != 1)} × {entry['epochs']:,} epochs, about "
        f"{hours(seconds)} of job time ({estimate(family)})"
    )


def hours(seconds: float) -> str:
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h" if seconds < 100 * 3600 else f"{seconds / 86400:,.0f} days"
