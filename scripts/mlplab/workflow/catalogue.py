"""What the experiment catalogue may hold: the kinds of experiment, the data they train on, the analyses
that need no training, and each kind's typed hyperparameters.

Everything that training and the workflow need to know about a kind is declared here once; the
Snakefile builds the config schema and the rules' inputs from it, and a training job parses its
catalogue entry into the kind's config dataclass. Presentation (topics, figures, captions) lives in
`mlplab.presentation.topics`, so that editing a caption never reruns a training job. Torch-free: the Snakefile
imports this on every `snakemake -n`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from enum import StrEnum

from mlplab.chapter.hyperparameters import Dropout, MLPConcise, MLPScratch, Polynomial, Training, WeightDecay
from mlplab.chapter.metrics import (
    CLASSIFIER_METRICS,
    REGRESSION_METRICS,
    TEST_ACC,
    TEST_LOSS,
    VAL_ACC,
    VALIDATION_METRICS,
    W_NORM,
)
from mlplab.chapter.sizes import NUM_OUTPUTS
from mlplab.workflow.named_objects import module_of

# ---- The vocabulary: families and metrics, each spelled once ----


class Family(StrEnum):
    """What a kind learns: a classifier (Fashion-MNIST, cross-entropy, accuracy) or a regression (squared
    error). A StrEnum, so that it reads and writes as its plain value in CSV files and params."""

    CLASSIFIER = "classifier"
    REGRESSION = "regression"


# The metrics' names are the chapter's (its training code records them): `mlplab.chapter.metrics`.
SELECT_ON = VAL_ACC  # what a classifier sweep selects its point on: validation, never test, accuracy
# The metric each family is judged by: test accuracy for classifiers, test loss for regressions.
HEADLINE = {Family.CLASSIFIER: TEST_ACC, Family.REGRESSION: TEST_LOSS}


# ---- Chance level: one rule for every table, page and comparison ----

CLASSES = NUM_OUTPUTS  # Fashion-MNIST's, one logit each
CHANCE_ACCURACY = 1 / CLASSES
# A final test accuracy within this of chance learned nothing worth the name: measured on real data,
# learning rates from 1 to 9 end at 0.07-0.11, and the worst sound entries above 0.7.
CHANCE_WITHIN = 0.05


def chance_level(family: Family, final: dict | None) -> str | None:
    """Why a classifier's final metrics are no better than chance, or None (regressions, runs with no
    final epoch, accuracies above the margin)."""
    accuracy = (final or {}).get(TEST_ACC)
    if family != Family.CLASSIFIER or accuracy is None or not math.isfinite(accuracy):
        return None
    if accuracy > CHANCE_ACCURACY + CHANCE_WITHIN:
        return None
    return f"test accuracy {accuracy:.3f} is within {CHANCE_WITHIN:g} of chance (1/{CLASSES})"


# ---- Kinds ----


@dataclass(frozen=True, kw_only=True)
class Kind:
    name: str
    config: type[Training]
    family: Family
    from_scratch: bool  # parameters and update step written out as in the book, or torch.nn / torch.optim
    data: str  # a key of DATASETS
    fit: str  # "module:function" that trains it: fit(config, data, *, seed, device, on_epoch, [net])
    metrics: tuple[str, ...]  # the columns of its metrics.csv after `epoch`
    model: str | None = None  # "module:class" built from the config and handed to `fit` as `net`
    uses_device: bool = False  # trains on config `device` (else always on the CPU)
    # "module:function" of an exact fit without SGD, drawn beside a sweep's SGD runs:
    # closed_form(config, data) -> {"train_loss": ..., "test_loss": ...}
    closed_form: str | None = None

    def metrics_of(self, config: Training) -> tuple[str, ...]:
        """The metrics a run of `config` records: a classifier with a validation set adds the validation
        loss and accuracy after its training metrics."""
        return self.every_metric if getattr(config, "validation", 0) else self.metrics

    @property
    def every_metric(self) -> tuple[str, ...]:
        """Every metric a run of this kind may record, in reading order."""
        if "validation" not in {f.name for f in dataclasses.fields(self.config)}:
            return self.metrics
        split = self.metrics.index(TEST_LOSS)
        return (*self.metrics[:split], *VALIDATION_METRICS, *self.metrics[split:])


CHAPTER = "mlplab.chapter"


def classifier(name: str, config: type[Training], *, from_scratch: bool, model: str) -> Kind:
    """A Fashion-MNIST classifier: trained by the one classifier loop, on the config's device."""
    return Kind(
        name=name,
        config=config,
        family=Family.CLASSIFIER,
        from_scratch=from_scratch,
        data="fashion_mnist",
        fit=f"{CHAPTER}.training:train_classifier",
        metrics=CLASSIFIER_METRICS,
        model=f"{CHAPTER}.models:{model}",
        uses_device=True,
    )


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        classifier("mlp_scratch", MLPScratch, from_scratch=True, model="MLPScratch"),
        classifier("mlp_concise", MLPConcise, from_scratch=False, model="MLPConcise"),
        classifier("dropout_scratch", Dropout, from_scratch=True, model="DropoutMLPScratch"),
        classifier("dropout_concise", Dropout, from_scratch=False, model="DropoutMLPConcise"),
        Kind(
            name="polynomial",
            config=Polynomial,
            family=Family.REGRESSION,
            from_scratch=False,
            data="polynomial",
            fit=f"{CHAPTER}.regression:fit_polynomial",
            metrics=REGRESSION_METRICS,
            closed_form=f"{CHAPTER}.regression:least_squares_polynomial",
        ),
        *(
            Kind(
                name=f"weight_decay_{way}",
                config=WeightDecay,
                family=Family.REGRESSION,
                from_scratch=way == "scratch",
                data="linear",
                fit=f"{CHAPTER}.regression:fit_weight_decay_{way}",
                metrics=(*REGRESSION_METRICS, W_NORM),
            )
            for way in ("scratch", "concise")
        ),
    )
}

# Every metric in the order a person reads them (columns of the tables, panels of the figures).
METRICS = tuple(dict.fromkeys(m for kind in KINDS.values() for m in kind.every_metric))

# The data sets kinds train on: Fashion-MNIST's decoded splits, or one generated file (its generator is
# `mlplab.chapter.synthetic.<name>_data`, its parameters `config["data"][<name>]`).
DATASETS = {"fashion_mnist": ("train", "test"), "polynomial": ("polynomial",), "linear": ("linear",)}
SYNTHETIC = ("polynomial", "linear")


@dataclass(frozen=True, kw_only=True)
class Analysis:
    """A computation that needs no training: `function` ("module:function", reached by name) called with
    `**config["analyses"][config], **fixed` returns the table written to results/analyses/<name>.csv and
    a line for the job's log.

    Each analysis job depends on the module it names and that module's imports only, so editing
    models.py reruns the dropout demonstration but not the activation curves. `config` names the block
    of config["analyses"] it reads, its own name unless given: two tables of one seeded draw (the
    exploding-gradient curve and its matrices) read one block, so they cannot disagree."""

    name: str
    function: str
    fixed: dict = field(default_factory=dict)
    config: str = ""

    def __post_init__(self):
        if not self.config:
            object.__setattr__(self, "config", self.name)

    @property
    def module(self) -> str:
        return module_of(self.function)


ANALYSES: dict[str, Analysis] = {
    a.name: a
    for a in (
        Analysis(
            name="activations",
            function=f"{CHAPTER}.analyses:activations",
            fixed={"functions": ["relu", "sigmoid", "tanh"]},
        ),
        Analysis(
            name="vanishing_gradient",
            function=f"{CHAPTER}.analyses:activations",
            fixed={"functions": ["sigmoid"]},
        ),
        Analysis(name="exploding_gradient", function=f"{CHAPTER}.analyses:matrix_products"),
        Analysis(
            name="exploding_gradient_matrices",
            function=f"{CHAPTER}.analyses:matrix_product_ends",
            config="exploding_gradient",
        ),
        Analysis(name="dropout_demo", function=f"{CHAPTER}.demos:dropout_demo", fixed={"shape": [2, 8]}),
    )
}

# The blocks of config["analyses"], in catalogue order: the schema requires exactly these.
ANALYSIS_CONFIGS = list(dict.fromkeys(a.config for a in ANALYSES.values()))


# ---- From a catalogue entry to its typed config ----


def hyperparameters(kind: str) -> list[dataclasses.Field]:
    return list(dataclasses.fields(KINDS[kind].config))


def parse_entry(entry: dict) -> Training:
    """A catalogue entry (`kind` plus hyperparameters, already checked by the schema) as its kind's
    config; lists stay lists so that the config compares equal to the entry it came from."""
    kind = KINDS[entry["kind"]]
    return kind.config(**{k: v for k, v in entry.items() if k != "kind"})


def optional(f: dataclasses.Field) -> bool:
    return f.default is not dataclasses.MISSING


def kind_schema(kind: str) -> dict:
    """The JSON schema of an entry of `kind`: exactly its hyperparameters, each with its type; those
    with a default may be left out."""
    fields = hyperparameters(kind)
    return {
        "additionalProperties": False,
        "required": ["kind", *(f.name for f in fields if not optional(f))],
        "properties": {
            "kind": {"const": kind},
            **{f.name: {**f.metadata["schema"], "description": f.metadata["doc"]} for f in fields},
        },
    }


def experiment_schema() -> dict:
    """An entry of any kind: `kind` picks the branch that names exactly that kind's hyperparameters."""
    return {
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"enum": list(KINDS)}},
        "allOf": [
            {"if": {"properties": {"kind": {"const": name}}}, "then": kind_schema(name)} for name in KINDS
        ],
    }


def canonical(value):
    """A config value with every dict's keys sorted, recursively. Snakemake compares params by their
    repr, so this keeps a reordered config.yaml from looking changed; an enum is written as its value."""
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, dict):
        return {k: canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    return value
