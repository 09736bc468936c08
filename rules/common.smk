# Config validation, helpers and target lists shared by every rule file.

import json
import os

from snakemake.utils import validate

validate(config, "../schemas/config.schema.yaml")

EXPERIMENTS = config["experiments"]
SEEDS = config["seeds"]
FASHION_MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}
FASHION_MNIST_RAW = "data/fashion-mnist/raw"
FASHION_MNIST_SPLITS = {
    "train": "data/fashion-mnist/train.pt",
    "test": "data/fashion-mnist/test.pt",
}
CLASSIFIER_KINDS = {"mlp_scratch", "mlp_concise", "dropout_scratch", "dropout_concise"}
ANALYSES = ["activations", "vanishing_gradient", "exploding_gradient"]


wildcard_constraints:
    experiment="|".join(EXPERIMENTS),
    seed=r"\d+",


def as_json(value):
    """A config value as canonical text: Snakemake compares params by their text, so this keeps
    dicts and floats from looking changed when they are not."""
    return json.dumps(value, sort_keys=True)


def lib(*modules):
    """The library modules a rule's script imports, declared as inputs so that editing one reruns
    exactly the jobs that use it (Snakemake's code trigger sees only the script itself)."""
    base = os.path.relpath(os.path.join(workflow.basedir, "scripts", "mlplab"))
    return [os.path.join(base, f"{m}.py") for m in ("joblog", *modules)]


def run_outputs(experiments=None, seeds=None):
    return expand(
        "results/runs/{experiment}/seed{seed}/{file}",
        experiment=EXPERIMENTS if experiments is None else experiments,
        seed=SEEDS if seeds is None else seeds,
        file=["metrics.csv", "run.json"],
    )


def experiments_of_kind(*kinds):
    return [name for name, hp in EXPERIMENTS.items() if hp["kind"] in kinds]


def analysis_outputs():
    return expand("results/analyses/{analysis}.csv", analysis=ANALYSES)


def all_targets():
    return run_outputs() + analysis_outputs()


def train_inputs(wildcards):
    """The data and library modules the entry's kind needs, and nothing else, so that e.g. new
    polynomial data reruns the polynomial fits but not the classifiers."""
    kind = EXPERIMENTS[wildcards.experiment]["kind"]
    common = ("runs", "loop", "provenance", "seeding")
    if kind in CLASSIFIER_KINDS:
        return {**FASHION_MNIST_SPLITS, "lib": lib(*common, "idx", "models", "sgd", "training")}
    data = "polynomial" if kind == "polynomial" else "linear"
    return {data: f"data/{data}.pt", "lib": lib(*common, "regression", "sgd")}


def train_resources(wildcards):
    kind = EXPERIMENTS[wildcards.experiment]["kind"]
    return (3000, 30) if kind in CLASSIFIER_KINDS else (1000, 10)
