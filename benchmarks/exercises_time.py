"""Benchmark of the exercises (every sweep of config.yaml): wall time of `snakemake --cores N exercises`
in a scratch copy of the workflow with the data already decoded, the job time summed from the jobs'
`benchmark:` files, and the share of the training jobs' time spent before their first epoch (start-up:
Python, Snakemake's preamble, importing torch, loading the data). Then the cost of a sweep point beside
the same catalogue entry run alone: the sweep baseline of mlp_concise against mlp_concise itself.

    .venv/bin/python benchmarks/exercises_time.py [--cores 2] [--folder DIR]

`--folder DIR` summarises a workflow folder where the exercises already ran instead of running them.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE / "benchmarks"))
from epoch_speed import matmul_gflops  # noqa: E402

SNAKEMAKE = str(HERE / ".venv/bin/snakemake")
PARTS = ("Snakefile", "config.yaml", "rules", "scripts", "schemas", "captions", "envs", "profiles")


def job_seconds(benchmark: Path) -> float:
    return float(pd.read_csv(benchmark, sep="\t")["s"].iloc[-1])


def training_jobs(work: Path) -> pd.DataFrame:
    """Each training job's time (its benchmark file) beside the time its epochs took (run.json)."""
    rows = []
    for benchmark in sorted((work / "results/benchmarks/train").rglob("*.tsv")):
        name = benchmark.relative_to(work / "results/benchmarks/train").with_suffix("")
        # sweeps/<sweep>/<point>/seed<k> lies in results/sweeps/..., <entry>/seed<k> in results/runs/...
        folder = work / "results" / (name if name.parts[0] == "sweeps" else "runs" / name)
        record = json.loads((folder / "run.json").read_text())
        epochs = record["seconds_per_epoch"] * record["epochs_completed"]
        rows.append(
            {
                "run": str(name),
                "job_s": job_seconds(benchmark),
                "epochs_s": epochs,
                "run_s": record["wall_time_s"],
            }
        )
    return pd.DataFrame(rows)


def scratch_copy() -> Path:
    work = Path(tempfile.mkdtemp(prefix="mlplab-exercises-")) / "workflow"
    work.mkdir(parents=True)
    for part in PARTS:
        source = HERE / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, work / part)
    (work / "data").mkdir()
    shutil.copytree(HERE / "data/fashion-mnist", work / "data/fashion-mnist")
    # The copied data as made by this workflow, so that only the exercises run.
    subprocess.run(
        [SNAKEMAKE, "--cores", "1", "--touch", "data/fashion-mnist/train.pt", "data/fashion-mnist/test.pt"],
        cwd=work,
        check=True,
        capture_output=True,
    )
    return work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--folder", type=Path, help="summarise a folder where the exercises already ran")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"one core's fp32 matrix multiply now: {matmul_gflops():.0f} GFLOP/s")
    work = args.folder
    if work is None:
        if not (HERE / "data/fashion-mnist/train.pt").exists():
            sys.exit("decode Fashion-MNIST first: snakemake --cores all data/fashion-mnist/train.pt")
        work = scratch_copy()
        start = time.perf_counter()
        subprocess.run(
            [SNAKEMAKE, "--cores", str(args.cores), "exercises", "-q", "progress"], cwd=work, check=True
        )
        print(f"exercises ({args.cores} cores): {time.perf_counter() - start:.1f} s wall")
        # The catalogue entry the sweeps of mlp_concise start from, alone, for the cost of a point.
        targets = [f"results/runs/mlp_concise/seed{s}/run.json" for s in (0, 1, 2)]
        subprocess.run([SNAKEMAKE, "--cores", "1", *targets, "-q", "progress"], cwd=work, check=True)
    every = sorted((work / "results/benchmarks").rglob("*.tsv"))
    total = sum(job_seconds(b) for b in every)
    print(f"  {len(every)} jobs, {total:.1f} s of job time in all ({total / args.cores:.1f} s per core)")
    train = training_jobs(work)
    startup = train["job_s"].sum() - train["epochs_s"].sum()
    print(
        f"  {len(train)} training jobs, {train['job_s'].sum():.1f} s; before the first epoch "
        f"(start-up, data, initial loss) {startup:.1f} s, {startup / train['job_s'].sum():.0%} of their time"
    )
    point = train[train["run"].str.startswith("sweeps/mlp_width/num_hiddens~256/")]
    alone = train[train["run"].str.match(r"mlp_concise/seed\d$")]
    if len(point) and len(alone):
        print(
            f"  a sweep point (mlp_width/num_hiddens~256, 50 000 training + 10 000 validation examples): "
            f"{statistics.mean(point['job_s']):.1f} s per job; mlp_concise alone (60 000 training "
            f"examples): {statistics.mean(alone['job_s']):.1f} s per job"
        )


if __name__ == "__main__":
    main()
