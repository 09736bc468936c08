# Config validation, helpers and target lists shared by every rule file.

import json
import os
import sys

from snakemake.utils import validate

# The kinds of experiment, shared with the library (plain constants; importing them loads no torch).
sys.path.insert(0, os.path.join(workflow.basedir, "scripts"))
from mlplab.kinds import (
    CLASSIFIER_KINDS,
    DROPOUT_KINDS,
    MLP_KINDS,
    REGRESSION_KINDS,
    WEIGHT_DECAY_KINDS,
)

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
    return run_outputs() + analysis_outputs() + report_targets()


def train_inputs(wildcards):
    """The data and library modules the entry's kind needs, and nothing else, so that e.g. new
    polynomial data reruns the polynomial fits but not the classifiers."""
    kind = EXPERIMENTS[wildcards.experiment]["kind"]
    common = ("runs", "kinds", "loop", "provenance", "seeding")
    if kind in CLASSIFIER_KINDS:
        return {**FASHION_MNIST_SPLITS, "lib": lib(*common, "idx", "models", "sgd", "training")}
    data = "polynomial" if kind == "polynomial" else "linear"
    return {data: f"data/{data}.pt", "lib": lib(*common, "regression", "sgd")}


def train_priority(wildcards):
    """Longest runs start first (epochs × hidden layers of a classifier; the regressions take seconds), so
    that a run does not end with one long job on one core while the others idle."""
    hp = EXPERIMENTS[wildcards.experiment]
    if hp["kind"] not in CLASSIFIER_KINDS:
        return 0
    hidden = hp["num_hiddens"]
    return hp["epochs"] * (len(hidden) if isinstance(hidden, list) else 1)


def train_resources(wildcards):
    kind = EXPERIMENTS[wildcards.experiment]["kind"]
    return (3000, 30) if kind in CLASSIFIER_KINDS else (1000, 10)


# ---- Report (rules/report.smk): topics, figures, and the targets that build them ----

# Report sections in order, with their titles (also the categories of `snakemake --report`).
TOPICS = {
    "activation_functions": "Activation functions",
    "mlp": "Multilayer perceptron",
    "dropout": "Dropout",
    "polynomial": "Model selection: polynomial regression",
    "weight_decay": "Weight decay",
    "numerical_stability": "Numerical stability",
    "comparison": "Across experiments",
}


def plain_mlps():
    """MLPs as the book builds them: the baseline dropout is compared with (no ablations)."""
    return [e for e in experiments_of_kind(*MLP_KINDS) if not EXPERIMENTS[e].get("relu_output")]


def dropout_beside_plain():
    """The dropout entries and their baseline; nothing (so no figure) without dropout entries."""
    dropout = experiments_of_kind(*DROPOUT_KINDS)
    return dropout + plain_mlps() if dropout else []


# Each figure: its report section, and what it draws. Runs are picked by kind, so a new catalogue entry
# joins its topic's figures with no code change.
FIGURES = {
    "activation_functions": {"topic": "activation_functions", "analyses": ["activations"]},
    "mlp": {"topic": "mlp", "experiments": experiments_of_kind(*MLP_KINDS)},
    "dropout": {"topic": "dropout", "experiments": experiments_of_kind(*DROPOUT_KINDS)},
    "dropout_vs_mlp": {"topic": "dropout", "experiments": dropout_beside_plain()},
    "polynomial": {"topic": "polynomial", "experiments": experiments_of_kind("polynomial")},
    "polynomial_weights": {
        "topic": "polynomial",
        "experiments": experiments_of_kind("polynomial"),
    },
    "weight_decay": {
        "topic": "weight_decay",
        "experiments": experiments_of_kind(*WEIGHT_DECAY_KINDS),
    },
    "weight_decay_norm": {
        "topic": "weight_decay",
        "experiments": experiments_of_kind(*WEIGHT_DECAY_KINDS),
    },
    "numerical_stability": {
        "topic": "numerical_stability",
        "analyses": ["vanishing_gradient", "exploding_gradient"],
    },
    "comparison_accuracy": {
        "topic": "comparison",
        "experiments": experiments_of_kind(*CLASSIFIER_KINDS),
    },
    "comparison_regression": {
        "topic": "comparison",
        "experiments": experiments_of_kind(*REGRESSION_KINDS),
    },
}
# Which experiments each section's tables show.
TOPIC_EXPERIMENTS = {
    "mlp": experiments_of_kind(*MLP_KINDS),
    "dropout": experiments_of_kind(*DROPOUT_KINDS),
    "polynomial": experiments_of_kind("polynomial"),
    "weight_decay": experiments_of_kind(*WEIGHT_DECAY_KINDS),
    "comparison": list(EXPERIMENTS),
}
TABLES = {name: f"results/tables/{name}.csv" for name in ("epochs", "runs", "summary", "weights")}
TEMPLATES = os.path.relpath(os.path.join(workflow.basedir, "scripts", "mlplab", "templates"))


def drawable_figures(topic=None):
    """Figures with something to draw: a catalogue without dropout entries has no dropout figure."""
    return [
        name
        for name, spec in FIGURES.items()
        if (spec.get("analyses") or spec.get("experiments")) and topic in (None, spec["topic"])
    ]


def figure_files(figures, extensions=("svg", "png")):
    return expand("results/figures/{figure}.{ext}", figure=figures, ext=extensions)


def figure_inputs(wildcards):
    spec = FIGURES[wildcards.figure]
    inputs = {"lib": lib("plots", "tables")}
    if spec.get("experiments"):
        inputs["runs"] = run_outputs(spec["experiments"])
    if spec.get("analyses"):
        inputs["analyses"] = expand("results/analyses/{a}.csv", a=spec["analyses"])
    return inputs


def figure_category(wildcards):
    return TOPICS[FIGURES[wildcards.figure]["topic"]]


def report_sections():
    """Per section, in order: topic, title, figures and experiments (a list, because as_json sorts
    dict keys and the order of sections is the report's)."""
    return [
        {
            "topic": topic,
            "title": title,
            "figures": drawable_figures(topic),
            "experiments": TOPIC_EXPERIMENTS.get(topic, []),
        }
        for topic, title in TOPICS.items()
    ]


def data_benchmarks():
    """Benchmarks of the data jobs the catalogue uses (no Fashion-MNIST without a classifier)."""
    kinds = {hp["kind"] for hp in EXPERIMENTS.values()}
    jobs = []
    if kinds & set(CLASSIFIER_KINDS):
        jobs += [rules.fetch_fashion_mnist, rules.decode_fashion_mnist]
    if "polynomial" in kinds:
        jobs.append(rules.make_polynomial_data)
    if kinds & set(WEIGHT_DECAY_KINDS):
        jobs.append(rules.make_linear_data)
    return [job.benchmark for job in jobs]


def job_benchmarks(wildcards):
    """Every job's benchmark file, for the report's per-job and total times."""
    analyses = [rules.activations, rules.vanishing_gradient, rules.exploding_gradient]
    return (
        data_benchmarks()
        + [rule.benchmark for rule in analyses]
        + expand(rules.train.benchmark, experiment=list(EXPERIMENTS), seed=SEEDS)
        + [rules.aggregate.benchmark]
        + expand(rules.plot.benchmark, figure=drawable_figures())
    )


def report_targets():
    """Everything rules/report.smk makes, for `rule all`."""
    return (
        list(TABLES.values())
        + figure_files(drawable_figures())
        + ["results/report.html", "results/README.md"]
    )


def topic_targets(topic):
    """A topic's figures (which pull in its runs), for its named target. Left out: dropout_vs_mlp,
    which would also train the plain MLPs, so `snakemake dropout` trains only the dropout entries.
    """
    return figure_files([f for f in drawable_figures(topic) if f != "dropout_vs_mlp"])
