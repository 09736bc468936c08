"""Benchmark of the workflow's own cost on every Snakemake start, as ratios to Snakemake alone measured in the
same run (this machine's speed drifts by a third over a day; ratios do not):

1. `snakemake -n exercises` with a sweep of N points (default 4,000, one seed: N training jobs) added to
   config.yaml, against Snakemake alone on the same DAG: a bare Snakefile with the same jobs, each with
   as many input and output files, made by the same upstream jobs (rules with only their inputs, outputs
   and a `touch`; checked to plan what ours plans). Target: at most 1.5×. Printed beside it: the ratio to
   as many jobs and outputs without any inputs, which no workflow whose jobs read files can approach
   (the same DAG's bare rules alone take twice as long as that at 4,000 points).
2. A no-op `snakemake -n` on the finished default workflow (every output there and recorded as made),
   against a bare `snakemake --version`. Target: at most 1.5×.

Each in a scratch copy of the workflow, timed as the median of several runs (`--runs`), taken in turn
with Snakemake alone's; our first run also on its own, as it fills the parse cache under .snakemake/
(`mlplab.workflow.parse_cache`). `tests/test_benchmarks.py` runs it on a small grid.

    .venv/bin/python benchmarks/dry_run_time.py [--points 4000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
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


def medians(ours: tuple[list[str], Path], *others: tuple[list[str], Path], runs: int):
    """(our first run's seconds, our median, each other command's median, our last output): `runs` runs
    of each after a first of ours (which fills the parse cache), taken in turn, so that a machine that
    slows down or speeds up meanwhile weighs on all alike."""
    first, out = timed(*ours)
    times: list[list[float]] = [[] for _ in range(1 + len(others))]
    for _ in range(runs):
        seconds, out = timed(*ours)
        times[0].append(seconds)
        for kept, other in zip(times[1:], others, strict=True):
            kept.append(timed(*other)[0])
    return first, *(statistics.median(kept) for kept in times), out


def job_counts(dry_run: str) -> dict[str, int]:
    """rule → jobs, from a dry run's job stats table."""
    table = dry_run.split("Job stats:", 1)[1]
    counts = {}
    for line in table.splitlines():
        match = re.fullmatch(r"(\w+)\s+(\d+)", line.strip())
        if match and match.group(1) != "total":
            counts[match.group(1)] = int(match.group(2))
    return counts


def bare_snakefile(folder: Path, jobs: int, outputs: int) -> None:
    """`jobs` jobs (one of them the target rule, which has no outputs) with `outputs` output files in
    all, spread as evenly as they go: rules with only their outputs and a `touch`, and no inputs."""
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


def planned_jobs(dry_run: str) -> list[tuple[str, list[str], list[str]]]:
    """(rule, input files, output files) of every job a `snakemake -n` output plans."""
    jobs: list[tuple[str, list[str], list[str]]] = []
    for block in re.split(r"\n(?=(?:local)?rule \w+:\n)", dry_run):
        match = re.match(r"(?:local)?rule (\w+):\n", block)
        if match:
            fields = dict(re.findall(r"^    (input|output): (.*)$", block, re.MULTILINE))
            files = {key: fields[key].split(", ") if key in fields else [] for key in ("input", "output")}
            jobs.append((match.group(1), files["input"], files["output"]))
    return jobs


def without_messages(work: Path) -> None:
    """The rules' `message:` directives removed."""
    for path in [work / "Snakefile", *(work / "rules").glob("*.smk")]:
        path.write_text(re.sub(r"\n[ \t]+message:\n[ \t]+[^\n]+", "", path.read_text()))


def shape(jobs: list[tuple[str, list[str], list[str]]]) -> tuple[int, int, int]:
    """(jobs, input files, output files) of a plan."""
    return len(jobs), sum(len(job[1]) for job in jobs), sum(len(job[2]) for job in jobs)


def same_dag_snakefile(folder: Path, jobs: list[tuple[str, list[str], list[str]]]) -> None:
    """Snakemake alone on the same DAG: a bare rule per rule (and number of outputs), each job with as
    many input and output files as ours, the inputs made by the same upstream jobs or, for those no
    job makes (the library's modules), empty files; rules with only their inputs (looked up by the
    job's index), outputs and a `touch`. The target job, which has no outputs, is `rule all`."""
    folder.mkdir(parents=True)
    groups: dict[str, list[tuple[list[str], list[str]]]] = {}
    bare_path: dict[str, str] = {}
    target: list[str] = []
    for rule, inputs, outputs in jobs:
        if not outputs:
            target = inputs
            continue
        name = f"{rule}_{len(outputs)}"
        group = groups.setdefault(name, [])
        bare_path.update({out: f"out/{name}/{len(group)}/{k}.txt" for k, out in enumerate(outputs)})
        group.append((inputs, outputs))
    sources = {path for _, inputs, _ in jobs for path in inputs} - set(bare_path)
    for path in sources:
        bare_path[path] = f"src/{path.lstrip('/')}"
        (folder / bare_path[path]).parent.mkdir(parents=True, exist_ok=True)
        (folder / bare_path[path]).touch()
    inputs = {name: [[bare_path[p] for p in job[0]] for job in group] for name, group in groups.items()}
    (folder / "inputs.json").write_text(json.dumps(inputs))
    text = "import json\n\nINPUTS = json.load(open('inputs.json'))\n\n\nrule all:\n    input:\n"
    text += "".join(f"        {bare_path[p]!r},\n" for p in target)
    for name, group in groups.items():
        files = ", ".join(f"'out/{name}/{{i}}/{k}.txt'" for k in range(len(group[0][1])))
        text += f"\n\nrule {name}:\n    input:\n        lambda w: INPUTS[{name!r}][int(w.i)],\n"
        text += f"    output:\n        {files},\n    shell:\n        'touch {{output}}'\n"
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

        # 1. A large sweep's dry run beside Snakemake alone on the same DAG, and beside as many jobs
        # and outputs with no inputs at all.
        work = scratch_copy(root / "sweep")
        add_sweep(work, args.points)
        command = [SNAKEMAKE, "-n", "exercises", "--cores", "2"]
        # Each rule's message replaces its input and output lists in a dry run: the plan's files are read
        # from a copy whose rules have none (a dry run not timed).
        plain = scratch_copy(root / "plain")
        add_sweep(plain, args.points)
        without_messages(plain)
        _, plan = timed(command, plain)
        counts, planned = job_counts(plan), planned_jobs(plan)
        assert len(planned) == sum(counts.values()), "the plan's jobs disagree with its job stats"
        jobs, inputs, outputs = shape(planned)
        same_dag_snakefile(root / "same_dag", planned)
        bare_snakefile(root / "bare", jobs, outputs)
        bare_command = [SNAKEMAKE, "-n", "--cores", "2"]
        mirrored = planned_jobs(timed(bare_command, root / "same_dag")[1])
        if shape(mirrored) != shape(planned):
            sys.exit(f"the same-DAG Snakefile plans {shape(mirrored)}, ours {shape(planned)}")
        first, ours, same_dag, bare, out = medians(
            (command, work), (bare_command, root / "same_dag"), (bare_command, root / "bare"), runs=args.runs
        )
        print(
            f"config.yaml's sweeps and a {args.points:,}-point grid: {jobs:,} jobs "
            f"({sum(n for rule, n in counts.items() if rule.startswith('train_block0')):,} sweep points, a "
            f"block of seeds each), {inputs:,} inputs, "
            f"{outputs:,} outputs"
        )
        print(ratio_line("  snakemake -n exercises / Snakemake alone on the same DAG", ours, same_dag, first))
        print(ratio_line("  ... / as many jobs and outputs without inputs", ours, bare, first))
        print(
            f"  (the same DAG's bare rules / as many jobs and outputs without inputs: {same_dag / bare:.2f}×)"
        )
        line = next((line for line in out.splitlines() if "training jobs, about" in line), None)
        print(f"  its cost line: {line}" if line else "  (no cost line printed)")

        # 2. The start-up of a no-op dry run beside Snakemake's own.
        work = scratch_copy(root / "default")
        finish(work)
        first, ours, version, _ = medians(
            ([SNAKEMAKE, "-n", "--cores", "1"], work), ([SNAKEMAKE, "--version"], work), runs=args.runs
        )
        what = "no-op snakemake -n on the finished workflow / snakemake --version"
        print(ratio_line(what, ours, version, first))


if __name__ == "__main__":
    main()
