"""The workflow run by Snakemake on tiny generated data: data targets, failures, the whole catalogue."""

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import torch
from dry_runs import finished_jobs, started_jobs

import mlplab
import tiny

DATA_TARGETS = [
    "data/fashion-mnist/train.pt",
    "data/fashion-mnist/test.pt",
    "data/polynomial.pt",
    "data/linear.pt",
]
RAW = Path("data/fashion-mnist/raw")
pytestmark = pytest.mark.snakemake


def test_data_targets_from_a_local_source(tiny_workdir):
    tiny.snakemake(tiny_workdir, *DATA_TARGETS)
    train = torch.load(tiny_workdir / "data/fashion-mnist/train.pt", weights_only=True)
    test = torch.load(tiny_workdir / "data/fashion-mnist/test.pt", weights_only=True)
    assert train["images"].shape == (1000, 28, 28) and train["images"].dtype == torch.uint8
    assert test["labels"].bincount().tolist() == [20] * 10
    poly = torch.load(tiny_workdir / "data/polynomial.pt", weights_only=True)
    assert poly["features"].shape == (40, 20)
    log = (tiny_workdir / "logs/data/fetch_fashion_mnist.log").read_text()
    assert "verified copy from" in log
    assert (tiny_workdir / "results/benchmarks/data/fetch_fashion_mnist.tsv").exists()
    assert "Nothing to be done" in tiny.snakemake(tiny_workdir, "-n", *DATA_TARGETS).stdout


def test_jobs_import_the_library_of_their_own_workflow_folder(tiny_workdir):
    """The test process imports the installed library (the repository's); a job in a copy of the workflow
    must import the copy's, though Snakemake puts the script's folder after site-packages."""
    assert Path(mlplab.__file__).parent != tiny_workdir / "scripts/mlplab"
    tiny.snakemake(tiny_workdir, "results/analyses/exploding_gradient.csv")
    log = (tiny_workdir / "logs/analyses/exploding_gradient.log").read_text()
    assert f"mlp-lab library: {tiny_workdir / 'scripts/mlplab'}\n" in log


def test_bad_source_fails_with_every_reason_and_leaves_nothing(tiny_workdir):
    config = tiny.read_config(tiny_workdir)
    source = Path(config["data"]["fashion_mnist"]["sources"][0])
    images = source / "train-images-idx3-ubyte.gz"
    images.write_bytes(images.read_bytes()[:-50])  # truncated: not valid gzip any more
    config["data"]["fashion_mnist"]["sources"] = [str(source.parent / "nowhere"), str(source)]
    tiny.write_config(tiny_workdir, config)
    proc = tiny.snakemake(tiny_workdir, "data/fashion-mnist/train.pt", check=False)
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "no source yielded a valid train-images-idx3-ubyte.gz" in out
    assert f"{source.parent / 'nowhere'}: missing:" in out
    assert f"{source}: not a valid gzip file" in out
    # The three files that did verify were fetched by the same job, so they are gone too.
    assert not (tiny_workdir / RAW).exists() or list((tiny_workdir / RAW).iterdir()) == []
    assert not (tiny_workdir / "data/fashion-mnist/train.pt").exists()


def test_corrupt_idx_that_passes_checksum_fails_decode(tiny_workdir):
    """A deliberately different data set (own checksums) still gets IDX checks on decode."""
    config = tiny.read_config(tiny_workdir)
    source = Path(config["data"]["fashion_mnist"]["sources"][0])
    labels = source / "t10k-labels-idx1-ubyte.gz"
    entry = tiny.write_idx_gz(labels, (torch.arange(200) % 11).numpy())  # label 10 is out of range
    config["data"]["fashion_mnist"]["checksums"][labels.name] = entry
    tiny.write_config(tiny_workdir, config)
    proc = tiny.snakemake(tiny_workdir, "data/fashion-mnist/test.pt", check=False)
    assert proc.returncode != 0
    assert "label 10 outside 0–9" in proc.stdout + proc.stderr
    assert not (tiny_workdir / "data/fashion-mnist/test.pt").exists()
    assert not (tiny_workdir / "data/fashion-mnist/train.pt").exists()


def test_whole_catalogue_runs(tiny_run):
    config = tiny.read_config(tiny_run)
    for name, hp in config["experiments"].items():
        for seed in config["seeds"]:
            run_dir = tiny_run / f"results/runs/{name}/seed{seed}"
            record = json.loads((run_dir / "run.json").read_text())
            metrics = pd.read_csv(run_dir / "metrics.csv")
            assert record["seed"] == seed and record["config"] == hp
            if name in tiny.DIVERGING:
                assert record["status"] == "diverged" and len(metrics) < hp["epochs"]
                continue
            assert record["status"] == "ok", name
            assert metrics["epoch"].tolist() == list(range(1, hp["epochs"] + 1))
            assert metrics.notna().all().all()
            assert (tiny_run / f"logs/train/{name}/seed{seed}.log").exists()
            assert (tiny_run / f"results/benchmarks/train/{name}/seed{seed}.tsv").exists()
    for analysis in ("activations", "vanishing_gradient", "exploding_gradient"):
        assert len(pd.read_csv(tiny_run / f"results/analyses/{analysis}.csv")) > 0


def test_seeds_differ_and_record_provenance(tiny_run):
    a = tiny_run / "results/runs/mlp_concise/seed0"
    b = tiny_run / "results/runs/mlp_concise/seed1"
    assert (a / "metrics.csv").read_bytes() != (b / "metrics.csv").read_bytes()
    record = json.loads((a / "run.json").read_text())
    assert {"python", "torch", "torchvision", "snakemake"} <= set(record["versions"])
    assert record["threads"] == 1 and record["device"] == "cpu" and record["wall_time_s"] > 0


def test_finished_workflow_has_nothing_to_do(tiny_run):
    assert "Nothing to be done" in tiny.snakemake(tiny_run, "-n").stdout


def test_the_console_says_each_job_in_a_line_and_where_to_look_at_the_end(tiny_run):
    """What `make run` prints: each job once, by its rule's message (no module lists, no shell command),
    each run's result in one line, and at the end the page to open and how to follow the runs."""
    console = (tiny_run.parent / "console.txt").read_text()
    lines = console.splitlines()
    jobs = [(rule, wildcards) for _, rule, wildcards in started_jobs(console)]
    config = tiny.read_config(tiny_run)
    runs = len(config["experiments"]) * len(config["seeds"])
    assert sum(rule == "train" for rule, _ in jobs) == runs
    assert (
        "scripts/mlplab/" not in console and "Shell command" not in console and "    input: " not in console
    )
    # A few lines per job: its line, a training job's result, its end with the steps done; the header once.
    assert len(lines) <= 5 * len(jobs), len(lines) / len(jobs)
    assert sorted(finished_jobs(console)) == sorted(job for job, _, _ in started_jobs(console))
    results = re.findall(
        r"^(\w+) seed (\d): (\d+ epochs, test (?:acc|loss) \S+|diverged at epoch \d+)", console, re.M
    )
    assert len(results) == runs
    assert "Open results/report.html; `make status` says where every run stands." in lines[-4:]
