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
import yaml

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE / "benchmarks"))
from epoch_speed import matmul_gflops  # noqa: E402

from mlplab.workflow.catalogue import KINDS, Family  # noqa: E402
from mlplab.workflow.sweeps import block_rules, expand_all, looks_of  # noqa: E402

SNAKEMAKE = str(HERE / ".venv/bin/snakemake")
# The sweeps' shared baseline: mlp_concise with a validation set (trained by the first sweep by name).
BASELINE = "init/init~normal/init_std~0.01"
CLASSIFIERS = {name for name, kind in KINDS.items() if kind.family == Family.CLASSIFIER}
PARTS = ("Snakefile", "config.yaml", "rules", "scripts", "schemas", "captions", "envs", "profiles")


def job_seconds(benchmark: Path) -> float:
    return float(pd.read_csv(benchmark, sep="\t")["s"].iloc[-1])


def training_jobs(work: Path) -> pd.DataFrame:
    """Each training job's time (its benchmark file) beside the time its epochs took (run.json): a
    catalogue job trains one seed; a sweep point's block job (`train_block<k>.tsv`) trains its seeds one
    after another, so its start-up (job time minus epoch time) is shared by them."""
    config = yaml.safe_load((work / "config.yaml").read_text())
    blocks = {block.name: block.seeds for block in block_rules(expand_all(config), looks_of(config))}
    rows = []
    for benchmark in sorted((work / "results/benchmarks/train").rglob("*.tsv")):
        name = benchmark.relative_to(work / "results/benchmarks/train").with_suffix("")
        if name.name in blocks:  # sweeps/<sweep>/<point>/train_block<k>: the point's seeds of that block
            folders = [work / "results" / name.parent / f"seed{seed}" for seed in blocks[name.name]]
        else:  # <entry>/seed<k>
            folders = [work / "results/runs" / name]
        records = [json.loads((folder / "run.json").read_text()) for folder in folders]
        rows.append(
            {
                "run": str(name),
                "seeds": len(records),
                "job_s": job_seconds(benchmark),
                "epochs_s": sum(r["seconds_per_epoch"] * r["epochs_completed"] for r in records),
                "run_s": sum(r["wall_time_s"] for r in records),
                "kind": records[0]["config"]["kind"],
            }
        )
    return pd.DataFrame(rows)


def run(work: Path, *args: str) -> None:
    """Snakemake in `work`, its output in work/run.log (the last lines printed if it fails)."""
    with (work / "run.log").open("a") as log:
        proc = subprocess.run([SNAKEMAKE, *args], cwd=work, stdout=log, stderr=subprocess.STDOUT)
    if proc.returncode:
        sys.exit("".join((work / "run.log").read_text().splitlines(keepends=True)[-30:]))


def scratch_copy() -> Path:
    work = Path(tempfile.mkdtemp(prefix="mlplab-exercises-")) / "workflow"
    work.mkdir(parents=True)
    for part in PARTS:
        source = HERE / part
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, work / part)
    (work / "data").mkdir()
    shutil.copytree(HERE / "data/fashion-mnist", work / "data/fashion-mnist")
    # The copied data as made by this workflow, so that only the exercises run.
    run(work, "--cores", "1", "--touch", "data/fashion-mnist/train.pt", "data/fashion-mnist/test.pt")
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
        run(work, "--cores", str(args.cores), "exercises")
        print(f"exercises ({args.cores} cores): {time.perf_counter() - start:.1f} s wall")
        # The catalogue entry the sweeps of mlp_concise start from, alone, for the cost of a point.
        run(work, "--cores", "1", *(f"results/runs/mlp_concise/seed{s}/run.json" for s in (0, 1, 2)))
    every = sorted((work / "results/benchmarks").rglob("*.tsv"))
    total = sum(job_seconds(b) for b in every)
    print(f"  {len(every)} jobs, {total:.1f} s of job time in all ({total / args.cores:.1f} s per core)")
    train = training_jobs(work)
    train["startup_s"] = train["job_s"] - train["epochs_s"]
    # Classifier jobs (epochs over 50 000 examples) and regression jobs (a second or two of SGD on 100
    # examples, where start-up is most of the job) spend their time very differently. A block's start-up
    # (Python, Snakemake's preamble, torch, the data, once) is shared by its seeds: per run it is the
    # job's start-up over its seeds; a catalogue job trains one seed.
    classifier = train["kind"].isin(CLASSIFIERS)
    block = train["seeds"] > 1
    for label, jobs in (("classifier", train[classifier]), ("regression", train[~classifier])):
        for what, chosen in (("one-seed", jobs[~block[jobs.index]]), ("block", jobs[block[jobs.index]])):
            if len(chosen):
                runs = chosen["seeds"].sum()
                startup = chosen["startup_s"].sum()
                print(
                    f"  {len(chosen)} {label} {what} jobs ({runs} runs), {chosen['job_s'].sum():.1f} s; "
                    f"before the first epoch (start-up, data, initial loss) {startup:.1f} s, "
                    f"{startup / runs:.2f} s per run"
                )
    alone, blocks_ = train[~block], train[block]
    if len(alone) and len(blocks_):
        per_job = alone["startup_s"].mean()
        per_run = blocks_["startup_s"].sum() / blocks_["seeds"].sum()
        print(
            f"  start-up per run in blocks {per_run:.2f} s against {per_job:.2f} s per one-seed job: "
            f"{per_run / per_job:.2f}×"
        )
    point = train[train["run"].str.startswith(f"sweeps/{BASELINE}/")]
    alone = train[train["run"].str.match(r"mlp_concise/seed\d$")]
    if len(point) and len(alone):
        seeds = point["seeds"].sum()
        per_run, epochs = point["job_s"].sum() / seeds, point["epochs_s"].sum() / seeds
        print(
            f"  a sweep point ({BASELINE}, 50 000 training + 10 000 validation examples): {per_run:.1f} s "
            f"per run in its block, {epochs:.1f} s in epochs; mlp_concise alone (60 000 training examples): "
            f"{statistics.mean(alone['job_s']):.1f} s per job, "
            f"{statistics.mean(alone['epochs_s']):.1f} s in epochs"
        )


if __name__ == "__main__":
    main()
