"""Each kind's hyperparameters, typed: one frozen dataclass per kind, each field with its JSON schema and
what it means. A training job parses its catalogue entry into one of these (`mlplab.workflow.catalogue.
parse_entry`), and the models and training functions take it as their whole contract. Torch-free: the
Snakefile builds the config schema from these fields on every `snakemake -n`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
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


def hyperparameter(
    schema: dict, doc: str, *, unused_when: dict[str, tuple] | None = None, **default: Any
) -> Any:
    """A field of a kind's config: its JSON schema and what it means. With `default=...` it is optional:
    an entry may leave it out, and an entry that does is exactly what it was before the field existed
    (its params, and so its runs, are unchanged). `unused_when={"init": ("xavier_uniform",)}`: the
    training code does not read the field when each named field takes one of those values, so two
    entries that differ only in it train identically (a sweep refuses such points as one setting); its
    doc says so."""
    if unused_when:
        when = " and ".join(
            f"{name}: {' or '.join(map(str, values))}" for name, values in unused_when.items()
        )
        doc += f" (unused with {when})"
    return field(metadata={"schema": schema, "doc": doc, "unused_when": unused_when or {}}, **default)


def unused(config: type[Training], values: Mapping[str, Any]) -> set[str]:
    """The fields of `config` that training does not read, given an entry's `values` (defaults filled)."""
    return {
        f.name
        for f in fields(config)
        if f.metadata["unused_when"]
        and all(values.get(name) in allowed for name, allowed in f.metadata["unused_when"].items())
    }


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

    @property
    def expects_chance(self) -> bool:
        """Whether this setting can learn nothing by design (an ablation), so that chance accuracy is its
        expected result rather than a fault."""
        return False

    def problems(self) -> list[tuple[str, str]]:
        """What is wrong across this config's fields, as (hyperparameter, what) pairs; the workflow checks
        them before anything runs (`mlplab.workflow.config_checks`), each field's own type and range being the
        schema's. A batch larger than the training set is no problem: one batch per epoch."""
        return []


@dataclass(frozen=True, kw_only=True)
class Classifier(Training):
    """What every Fashion-MNIST classifier may add to minibatch SGD."""

    init_std: float = hyperparameter(
        POSITIVE_NUMBER,
        "standard deviation of the N(0, σ²) initial weights",
        unused_when={"init": ("xavier_uniform",)},  # Xavier's bound comes from the layer's shape
    )
    init: str = hyperparameter(
        {"enum": list(INITIALISATIONS)},
        "initial weights: normal, N(0, init_std²) as in the book, or xavier_uniform (Glorot: U(−a, a) with "
        "a = √(6 / (fan_in + fan_out))); biases start at 0 either way",
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
        return ["ablation: dropout p = 1 passes no signal, chance accuracy"] if self.expects_chance else []

    @property
    def expects_chance(self) -> bool:
        return 1 in self.dropout

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
