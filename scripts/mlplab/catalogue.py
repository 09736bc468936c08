"""What the experiment catalogue may hold: the kinds of experiment, the data they train on, the analyses
that need no training, and each kind's typed hyperparameters.

Everything that training and the workflow need to know about a kind is declared here once; the
Snakefile builds the config schema and the rules' inputs from it, and a training job parses its
catalogue entry into the kind's config dataclass. Presentation (topics, figures, captions) lives in
`mlplab.presentation`, so that editing a caption never reruns a training job. Torch-free: the Snakefile
imports this on every `snakemake -n`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

# JSON-schema fragments for hyperparameter types (the schema is built from them, see `kind_schema`).
POSITIVE_INT = {"type": "integer", "minimum": 1}
POSITIVE_NUMBER = {"type": "number", "exclusiveMinimum": 0}
NON_NEGATIVE_NUMBER = {"type": "number", "minimum": 0}
PROBABILITY = {"type": "number", "minimum": 0, "maximum": 1}
NON_NEGATIVE_INT = {"type": "integer", "minimum": 0}
BOOLEAN = {"type": "boolean"}
INITIALISATIONS = ("normal", "xavier_uniform")


def list_of(item: dict) -> dict:
    return {"type": "array", "minItems": 1, "items": item}


def hyperparameter(schema: dict, doc: str, **default: Any) -> Any:
    """A field of a kind's config: its JSON schema and what it means. With `default=...` it is optional:
    an entry may leave it out, and an entry that does is exactly what it was before the field existed
    (its params, and so its runs, are unchanged)."""
    return field(metadata={"schema": schema, "doc": doc}, **default)


# ---- Each kind's hyperparameters, one dataclass per kind ----


@dataclass(frozen=True, kw_only=True)
class Training:
    """Minibatch SGD, shared by every kind."""

    lr: float = hyperparameter(POSITIVE_NUMBER, "learning rate")
    batch_size: int = hyperparameter(POSITIVE_INT, "examples per minibatch")
    epochs: int = hyperparameter(POSITIVE_INT, "passes over the training set")

    def departures(self) -> list[str]:
        """Deliberate departures from the book, as short notes for labels ('ablation: ...')."""
        return []

    def problems(self) -> list[tuple[str, str]]:
        """What is wrong across this config's fields, as (hyperparameter, what) pairs; the workflow checks
        them before anything runs (`mlplab.configcheck`), each field's own type and range being the
        schema's. A batch larger than the training set is no problem: one batch per epoch."""
        return []


@dataclass(frozen=True, kw_only=True)
class Classifier(Training):
    """What every Fashion-MNIST classifier may add to minibatch SGD."""

    init_std: float = hyperparameter(POSITIVE_NUMBER, "standard deviation of the N(0, σ²) initial weights")
    init: str = hyperparameter(
        {"enum": list(INITIALISATIONS)},
        "initial weights: normal, N(0, init_std²) as in the book, or xavier_uniform (Glorot: U(−a, a) with "
        "a = √(6 / (fan_in + fan_out)), init_std unused); biases start at 0 either way",
        default="normal",
    )
    validation: int = hyperparameter(
        NON_NEGATIVE_INT,
        "training examples held out as a validation set (0: none): a seeded uniform draw without "
        "replacement, the same for every entry trained with the same seed; the run trains on the rest "
        "and records validation loss and accuracy each epoch",
        default=0,
    )


@dataclass(frozen=True, kw_only=True)
class MLPConcise(Classifier):
    num_hiddens: int = hyperparameter(POSITIVE_INT, "width of the hidden layer")


@dataclass(frozen=True, kw_only=True)
class MLPScratch(MLPConcise):
    relu_output: bool = hyperparameter(BOOLEAN, "ReLU on the output layer too (the notes' ablation)")

    def departures(self) -> list[str]:
        return ["ablation: ReLU on logits"] if self.relu_output else []


@dataclass(frozen=True, kw_only=True)
class Dropout(Classifier):
    num_hiddens: list[int] = hyperparameter(list_of(POSITIVE_INT), "width of each hidden layer")
    dropout: list[float] = hyperparameter(list_of(PROBABILITY), "dropout probability after each hidden layer")

    def departures(self) -> list[str]:
        # Allowed, and it trains, but nothing reaches the output: accuracy stays at chance (one in ten).
        return ["ablation: dropout p = 1 passes no signal, chance accuracy"] if 1 in self.dropout else []

    def problems(self) -> list[tuple[str, str]]:
        p, h = len(self.dropout), len(self.num_hiddens)
        if p == h:
            return []
        counts = f"{p} {'probability' if p == 1 else 'probabilities'} for {h} hidden layer{'s' * (h != 1)}"
        return [("dropout", f"{counts} (num_hiddens: {self.num_hiddens}): give one per hidden layer")]


@dataclass(frozen=True, kw_only=True)
class Polynomial(Training):
    num_features: int = hyperparameter(POSITIVE_INT, "features x^i/i! for i < num_features (degree + 1)")


@dataclass(frozen=True, kw_only=True)
class WeightDecay(Training):
    wd: float = hyperparameter(NON_NEGATIVE_NUMBER, "weight decay λ (L2 penalty λ‖w‖²/2)")


# ---- Kinds ----

CLASSIFIER = "classifier"
REGRESSION = "regression"
CLASSIFIER_METRICS = ("train_loss", "train_acc", "test_loss", "test_acc")
REGRESSION_METRICS = ("train_loss", "test_loss")
VALIDATION_METRICS = ("val_loss", "val_acc")


@dataclass(frozen=True)
class Kind:
    name: str
    config: type[Training]
    family: str  # CLASSIFIER or REGRESSION
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
        split = self.metrics.index("test_loss")
        return (*self.metrics[:split], *VALIDATION_METRICS, *self.metrics[split:])


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("mlp_scratch", MLPScratch, CLASSIFIER, True, "fashion_mnist",
             "mlplab.training:train_classifier", CLASSIFIER_METRICS, "mlplab.models:MLPScratch", True),
        Kind("mlp_concise", MLPConcise, CLASSIFIER, False, "fashion_mnist",
             "mlplab.training:train_classifier", CLASSIFIER_METRICS, "mlplab.models:MLPConcise", True),
        Kind("dropout_scratch", Dropout, CLASSIFIER, True, "fashion_mnist",
             "mlplab.training:train_classifier", CLASSIFIER_METRICS, "mlplab.models:DropoutMLPScratch", True),
        Kind("dropout_concise", Dropout, CLASSIFIER, False, "fashion_mnist",
             "mlplab.training:train_classifier", CLASSIFIER_METRICS, "mlplab.models:DropoutMLPConcise", True),
        Kind("polynomial", Polynomial, REGRESSION, False, "polynomial",
             "mlplab.regression:fit_polynomial", REGRESSION_METRICS,
             closed_form="mlplab.regression:least_squares_polynomial"),
        Kind("weight_decay_scratch", WeightDecay, REGRESSION, True, "linear",
             "mlplab.regression:fit_weight_decay_scratch", (*REGRESSION_METRICS, "w_norm")),
        Kind("weight_decay_concise", WeightDecay, REGRESSION, False, "linear",
             "mlplab.regression:fit_weight_decay_concise", (*REGRESSION_METRICS, "w_norm")),
    )
}  # fmt: skip

# Every metric in the order a person reads them (columns of the tables, panels of the figures).
METRICS = tuple(dict.fromkeys(m for kind in KINDS.values() for m in kind.every_metric))

# The data sets kinds train on: Fashion-MNIST's decoded splits, or one generated file (its generator is
# `mlplab.synthetic.<name>_data`, its parameters `config["data"][<name>]`).
DATASETS = {"fashion_mnist": ("train", "test"), "polynomial": ("polynomial",), "linear": ("linear",)}
SYNTHETIC = ("polynomial", "linear")


@dataclass(frozen=True)
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
        return self.function.split(":")[0]


ANALYSES: dict[str, Analysis] = {
    a.name: a
    for a in (
        Analysis("activations", "mlplab.analyses:activations", {"functions": ["relu", "sigmoid", "tanh"]}),
        Analysis("vanishing_gradient", "mlplab.analyses:activations", {"functions": ["sigmoid"]}),
        Analysis("exploding_gradient", "mlplab.analyses:matrix_products"),
        Analysis("exploding_gradient_matrices", "mlplab.analyses:matrix_product_ends",
                 config="exploding_gradient"),
        Analysis("dropout_demo", "mlplab.demos:dropout_demo", {"shape": [2, 8]}),
    )
}  # fmt: skip

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
    repr, so this keeps a reordered config.yaml from looking changed."""
    if isinstance(value, dict):
        return {k: canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    return value
