"""Benchmark of the workflow's own cost on every Snakemake start, as ratios to Snakemake alone measured in the
same run (this machine's speed drifts by a third over a day; ratios do not):

1. `snakemake -n exercises` with a sweep of N points (default 4,000, one seed: N training jobs) added to
   config.yaml, against a bare Snakefile with the same number of jobs and outputs (rules with only their
   outputs and a `touch`). Target: at most 1.5×.
2. A no-op `snakemake -n` on the finished default workflow (every output there and recorded as made),
   against a bare `snakemake --version`. Target: at most 1.5×.

Each in a scratch copy of the workflow, timed as the median of several runs (`--runs`), taken in turn
with Snakemake alone's; our first run also on its own, as it fills the parse cache under .snakemake/
(`mlplab.workflow.parse_cache`). `tests/test_benchmarks.py` runs it on a small grid.

    .venv/bin/python benchmarks/dry_run_time.py [--points 4000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))
PARTS = ("Snakefile", "config.yaml", "rules", "scripts", "schemas", "captions", "envs", "profiles")
BASE = "mlp_concise"


def scratch_copy(root: Path) -> Path:
    work = root / "workflow"
    work.mkdir(parents=True)
    for part in PARTS:
        source = HERE / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, work / part)
    return work


def grid(points: int) -> dict[str, list]:
    """A grid of `points` points of mlp_concise, widths × learning rates, every value distinct, so that
    every point is a training job of its own."""
    widths = max(d for d in range(1, 21) if points % d == 0)
    rates = [round(0.001 * (i + 1), 3) for i in range(points // widths)]
    return {"num_hiddens": [16 + i for i in range(widths)], "lr": rates}


def add_sweep(work: Path, points: int) -> None:
    config = yaml.safe_load((work / "config.yaml").read_text())
    config["sweeps"]["benchmark_grid"] = {"base": BASE, "seeds": [0], "grid": grid(points)}
    (work / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def timed(args: list[str], cwd: Path, check: bool = True) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if check and proc.returncode:
        sys.exit(f"{' '.join(args)} failed in {cwd}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return seconds, proc.stdout + proc.stderr


def medians(ours: tuple[list[str], Path], bare: tuple[list[str], Path], runs: int):
    """(our first run's seconds, our median, the bare command's median, our last output): `runs` runs of
    each after a first of ours (which fills the parse cache), taken in turn, so that a machine that
    slows down or speeds up meanwhile weighs on both alike."""
    first, out = timed(*ours)
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        seconds, out = timed(*ours)
        times[0].append(seconds)
        times[1].append(timed(*bare)[0])
    return first, statistics.median(times[0]), statistics.median(times[1]), out


def job_counts(dry_run: str) -> dict[str, int]:
    """rule → jobs, from a dry run's job stats table."""
    table = dry_run.split("Job stats:", 1)[1]
    counts = {}
    for line in table.splitlines():
        match = re.fullmatch(r"(\w+)\s+(\d+)", line.strip())
        if match and match.group(1) != "total":
            counts[match.group(1)] = int(match.group(2))
    return counts


def output_count(work: Path, target: str) -> int:
    """Every output file of the DAG of `target`, from Snakemake's summary (one line per file)."""
    _, out = timed([SNAKEMAKE, "--summary", target, "--cores", "1"], work)
    return sum(1 for line in out.splitlines() if "\t" in line and not line.startswith("output_file"))


def bare_snakefile(folder: Path, jobs: int, outputs: int) -> None:
    """`jobs` jobs (one of them the target rule, which has no outputs) with `outputs` output files in
    all, spread as evenly as they go: rules with only their outputs and a `touch`."""
    folder.mkdir(parents=True)
    workers = jobs - 1
    each, extra = divmod(outputs, workers)
    rules = [("more", extra, each + 1), ("less", workers - extra, each)]
    text = "rule all:\n    input:\n"
    for name, count, per_job in rules:
        if count and per_job:
            text += f"        expand('out/{name}/{{i}}/0.txt', i=range({count})),\n"
    for name, count, per_job in rules:
        if count and per_job:
            files = ", ".join(f"'out/{name}/{{i}}/{k}.txt'" for k in range(per_job))
            text += f"\n\nrule {name}:\n    output:\n        {files},\n"
            text += "    shell:\n        'touch {output}'\n"
    (folder / "Snakefile").write_text(text)


def finish(work: Path) -> None:
    """Every output of the default workflow there (empty files) and recorded as made by its job, so that
    `snakemake -n` has nothing to do."""
    _, out = timed([SNAKEMAKE, "--summary", "--cores", "1"], work)
    for line in out.splitlines()[1:]:
        if "\t" in line:
            path = work / line.split("\t", 1)[0]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
    timed([SNAKEMAKE, "--touch", "--cores", "1"], work)
    _, plan = timed([SNAKEMAKE, "-n", "--cores", "1"], work)
    if "Nothing to be done" not in plan:
        sys.exit(f"the touched workflow is not finished:\n{plan[-3000:]}")


def machine() -> str:
    """The machine, for reading the seconds: CPU, cores, load, and a pure-Python loop's speed (the
    Snakefile's work is Python's)."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = re.findall(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = names[0] if names else cpu
    best = float("inf")
    for _ in range(3):  # the best of three: a busy moment slows one of them
        start = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i % 7
        best = min(best, time.perf_counter() - start)
    rate = 1 / best
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} cores, load average {load}; Python {platform.python_version()} runs "
        f"{rate:.1f} M loop iterations/s"
    )


def ratio_line(what: str, ours: float, bare: float, first: float) -> str:
    return f"{what}: {ours:.2f} s against {bare:.2f} s, {ours / bare:.2f}× (first run {first:.2f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=4000, help="points of the benchmark's sweep")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each command (the median)")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"Snakemake {timed([SNAKEMAKE, '--version'], HERE)[1].strip()}, medians of {args.runs} runs")
    with tempfile.TemporaryDirectory(prefix="mlplab-dry-run-") as scratch:
        root = Path(scratch)

        # 1. A large sweep's dry run beside Snakemake alone with as many jobs and outputs.
        work = scratch_copy(root / "sweep")
        add_sweep(work, args.points)
        command = [SNAKEMAKE, "-n", "exercises", "--cores", "2"]
        _, plan = timed(command, work)
        counts = job_counts(plan)
        jobs, outputs = sum(counts.values()), output_count(work, "exercises")
        bare = root / "bare"
        bare_snakefile(bare, jobs, outputs)
        first, ours, bare_time, out = medians(
            (command, work), ([SNAKEMAKE, "-n", "--cores", "2"], bare), args.runs
        )
        print(
            f"config.yaml's sweeps and a {args.points:,}-point grid: {jobs:,} jobs "
            f"({counts.get('train_sweep_point', 0):,} sweep points), {outputs:,} outputs"
        )
        print(ratio_line("  snakemake -n exercises / a bare Snakefile as large", ours, bare_time, first))
        line = next((line for line in out.splitlines() if "training jobs, about" in line), None)
        print(f"  its cost line: {line}" if line else "  (no cost line printed)")

        # 2. The start-up of a no-op dry run beside Snakemake's own.
        work = scratch_copy(root / "default")
        finish(work)
        first, ours, version, _ = medians(
            ([SNAKEMAKE, "-n", "--cores", "1"], work), ([SNAKEMAKE, "--version"], work), args.runs
        )
        what = "no-op snakemake -n on the finished workflow / snakemake --version"
        print(ratio_line(what, ours, version, first))


if __name__ == "__main__":
    main()
