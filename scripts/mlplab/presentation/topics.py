"""What a person reads: the report's topics, the figures with their captions, and the book's published
numbers that the report and figures hold ours against.

One declaration per topic and per figure: the workflow's figure rule and topic targets, the captions of
`snakemake --report`, the HTML report's sections, the plotting dispatch and the tests all read these.
Kept apart from `mlplab.workflow.catalogue` (what training needs), so that editing a caption reruns
no training.
Torch-free.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlplab.chapter.metrics import TEST_ACC, TEST_LOSS, TRAIN_ACC, TRAIN_LOSS, VAL_ACC, VAL_LOSS, W_NORM
from mlplab.presentation.book_numbers import ACCURACY_FLOOR
from mlplab.workflow.catalogue import KINDS, Family, parse_entry

METRIC_LABELS = {
    TRAIN_LOSS: "train loss",
    TRAIN_ACC: "train accuracy",
    VAL_LOSS: "validation loss",
    VAL_ACC: "validation accuracy",
    TEST_LOSS: "test loss",
    TEST_ACC: "test accuracy",
    W_NORM: "‖w‖",
}


# ---- How results over seeds are summarised ----

# What a band or whisker is. A regression trains on one fixed data set (its seed is the data's, not the
# run's), so its seeds vary only the initial weights and the minibatch order: the interval says nothing
# about another draw of the data.
INTERVAL = "95 % CI of the mean"
BAND_TEXT = {
    Family.CLASSIFIER: f"{INTERVAL} over seeds (Student t)",
    Family.REGRESSION: f"{INTERVAL} over training seeds, data fixed (Student t)",
}


def band_caption(family: Family, log_axis: bool = False) -> str:
    """What a figure's line and band are, for a figure of one family's runs."""
    caption = (
        f"Line: mean over the seeds that completed; band: {BAND_TEXT[family]}, n in the legend; no band "
        "where fewer than two seeds completed."
    )
    # A t interval is symmetric: over seeds that differ by orders of magnitude, its low end is negative.
    log_note = " On the log axis, a band whose low end is at or below 0 reaches the bottom of the panel."
    return caption + (log_note if log_axis else "")


# ---- Which catalogue entries a topic or figure shows ----


@dataclass(frozen=True, kw_only=True)
class Runs:
    """A selection of catalogue entries, by kind or by family (never by a name's prefix)."""

    kinds: tuple[str, ...] = ()  # entries of these kinds, grouped in this order
    family: str | None = None  # or entries of this family, in catalogue order
    every: bool = False  # or every entry, in catalogue order
    ablations: bool = True  # False: leave out entries that depart from the book on purpose
    only_with: tuple[str, ...] = ()  # select nothing unless the catalogue has entries of these kinds

    def select(self, experiments: dict[str, dict]) -> list[str]:
        """Names of the matching entries of `experiments` (name → entry), in catalogue order."""
        if self.only_with and not any(e["kind"] in self.only_with for e in experiments.values()):
            return []
        chosen = [
            name
            for name, entry in experiments.items()
            if (self.every or entry["kind"] in self.kinds or KINDS[entry["kind"]].family == self.family)
            and (self.ablations or not parse_entry(entry).departures())
        ]
        if self.kinds:
            chosen.sort(key=lambda name: self.kinds.index(experiments[name]["kind"]))
        return chosen


MLP = ("mlp_scratch", "mlp_concise")
DROPOUT = ("dropout_scratch", "dropout_concise")
WEIGHT_DECAY = ("weight_decay_scratch", "weight_decay_concise")
EVERY_RUN = Runs(every=True)


@dataclass(frozen=True, kw_only=True)
class Baseline:
    """What a topic's other entries are compared with, seed by seed, on its headline metric. Pairing is
    right because runs of one seed share the streams of their initial weights and minibatch order
    (`run_execution` derives both from the seed alone), so a paired difference removes that noise."""

    metric: str  # the headline metric: test accuracy for classifiers, test loss for regressions
    kind: str | None = None  # the baseline is the first entry of this kind that follows the book; None: any
    per_kind: bool = False  # or each kind has its own baseline: its first entry that follows the book

    def pairs(self, experiments: dict[str, dict], names: list[str]) -> list[tuple[str, str]]:
        """(baseline, other) for every entry among `names` (catalogue order) that is not a baseline."""
        faithful = [n for n in names if not parse_entry(experiments[n]).departures()]

        def first(kind: str | None) -> str | None:
            return next((n for n in faithful if kind is None or experiments[n]["kind"] == kind), None)

        if self.per_kind:
            chosen = {n: first(experiments[n]["kind"]) for n in names}
        else:
            chosen = dict.fromkeys(names, first(self.kind))
        return [(base, name) for name, base in chosen.items() if base is not None and base != name]


@dataclass(frozen=True, kw_only=True)
class Demo:
    """A demonstration the chapter's notes print for a reader to check by eye, shown in its topic as the
    notes print it: each matrix of results/analyses/<analysis>.csv (columns `matrix`, the label the
    notes print, `row`, then `c0`, `c1`, …) as a small table, under a note on what to check."""

    analysis: str
    format: str = "g"  # how an entry is written, a format spec: "g" (0, 2, 14) or ".2e" (1.23e+27)


@dataclass(frozen=True, kw_only=True)
class Topic:
    name: str
    title: str
    runs: Runs | None = None  # the entries its tables show (None: no runs, only analyses)
    checks: str = ""  # caption of its table of the book's numbers beside ours, where it has one
    demos: tuple[Demo, ...] = ()  # the notes' printed demonstrations it shows as tables
    baseline: Baseline | None = None  # what its entries are compared with, seed by seed

    @property
    def reading(self) -> str:
        """The template of its plain-language reading, rendered with the report's context."""
        return f"readings/{self.name}.html.j2"

    @property
    def analyses(self) -> tuple[str, ...]:
        """The analyses its section shows as tables (those of its figures come with the figures)."""
        return tuple(demo.analysis for demo in self.demos)


@dataclass(frozen=True, kw_only=True)
class Figure:
    name: str
    topic: str
    draw: str  # the function of mlplab.presentation.figures that draws it
    caption: str
    runs: Runs | None = None
    analyses: tuple[str, ...] = ()
    in_topic_target: bool = True  # built by `snakemake <topic>` (not if it would train another topic)
    reference: tuple[float, str] | None = None  # a published value the figure marks, with its label

    def experiments(self, catalogue: dict[str, dict]) -> list[str]:
        return self.runs.select(catalogue) if self.runs else []

    def drawable(self, catalogue: dict[str, dict]) -> bool:
        """Something to draw: a catalogue without dropout entries has no dropout figure."""
        return bool(self.analyses or self.experiments(catalogue))


FLOOR_CHECKS = (
    f"The book's floor after training: train and test accuracy above {ACCURACY_FLOOR[TEST_ACC][1]:g}, "
    f"train loss below {ACCURACY_FLOOR[TRAIN_LOSS][1]:g}"
)

# Each topic's reading is the template readings/<topic>.html.j2, and each demonstration's note
# readings/demo_<analysis>.html.j2: text a person edits, kept out of code.
TOPICS: dict[str, Topic] = {
    t.name: t
    for t in (
        Topic(name="activation_functions", title="Activation functions"),
        Topic(
            name="mlp",
            title="Multilayer perceptron",
            runs=Runs(kinds=MLP),
            checks=FLOOR_CHECKS,
            baseline=Baseline(metric=TEST_ACC, kind="mlp_scratch"),
        ),
        Topic(
            name="dropout",
            title="Dropout",
            runs=Runs(kinds=DROPOUT),
            checks=FLOOR_CHECKS,
            baseline=Baseline(metric=TEST_ACC),
            demos=(Demo(analysis="dropout_demo"),),
        ),
        Topic(
            name="polynomial",
            title="Model selection: polynomial regression",
            runs=Runs(kinds=("polynomial",)),
            checks="Learned weights of the normal fit beside the book's (losses are mean squared errors)",
            baseline=Baseline(metric=TEST_LOSS, kind="polynomial"),
        ),
        Topic(
            name="weight_decay",
            title="Weight decay",
            runs=Runs(kinds=WEIGHT_DECAY),
            checks="‖w‖ after training beside the book's",
            baseline=Baseline(metric=TEST_LOSS, per_kind=True),
        ),
        Topic(
            name="numerical_stability",
            title="Numerical stability",
            demos=(Demo(analysis="exploding_gradient_matrices", format=".2e"),),
        ),
        Topic(name="comparison", title="Across experiments", runs=EVERY_RUN),
    )
}

FIGURES: dict[str, Figure] = {
    f.name: f
    for f in (
        Figure(
            name="activation_functions",
            topic="activation_functions",
            draw="activation_functions",
            caption="ReLU, sigmoid and tanh (top) and their gradients by autograd (bottom), as in the book's "
            "section on activation functions.",
            analyses=("activations",),
        ),
        Figure(
            name="mlp",
            topic="mlp",
            draw="classifier_curves",
            caption="The MLP on Fashion-MNIST, from scratch and concise, and the ablation with ReLU on "
            "the output "
            "layer: train and test loss (cross-entropy), train and test accuracy per epoch (test loss "
            "beside the book's three curves). " + band_caption(Family.CLASSIFIER),
            runs=Runs(kinds=MLP),
        ),
        Figure(
            name="dropout",
            topic="dropout",
            draw="classifier_curves",
            caption="MLPs with dropout, from scratch and concise: train and test loss, train and test "
            "accuracy per "
            "epoch. " + band_caption(Family.CLASSIFIER),
            runs=Runs(kinds=DROPOUT),
        ),
        Figure(
            name="dropout_vs_mlp",
            topic="dropout",
            draw="dropout_vs_plain",
            caption="Dropout (solid) beside the plain MLP (dashed): test accuracy and the "
            "generalisation gap (train "
            "minus test accuracy) per epoch. Dropout is expected to narrow the gap. "
            + band_caption(Family.CLASSIFIER),
            runs=Runs(kinds=DROPOUT + MLP, ablations=False, only_with=DROPOUT),
            in_topic_target=False,
        ),
        Figure(
            name="polynomial",
            topic="polynomial",
            draw="polynomial_losses",
            caption="Polynomial regression with different numbers of features: train and test loss "
            "(mean squared "
            "error, log scale) per epoch, one panel per entry, as in the book's under- and overfitting "
            "figures. " + band_caption(Family.REGRESSION, log_axis=True),
            runs=Runs(kinds=("polynomial",)),
        ),
        Figure(
            name="polynomial_weights",
            topic="polynomial",
            draw="polynomial_weights",
            caption="Learned polynomial weights (marker: mean over completed seeds, whiskers: "
            f"{BAND_TEXT[Family.REGRESSION]}) beside the true weights that generated the data.",
            runs=Runs(kinds=("polynomial",)),
        ),
        Figure(
            name="weight_decay",
            topic="weight_decay",
            draw="weight_decay_losses",
            caption="High-dimensional linear regression with and without weight decay: train and test "
            "loss (mean "
            "squared error, log scale) per epoch, one panel per entry. "
            + band_caption(Family.REGRESSION, log_axis=True),
            runs=Runs(kinds=WEIGHT_DECAY),
        ),
        Figure(
            name="weight_decay_norm",
            topic="weight_decay",
            draw="weight_norms",
            caption="The L2 norm of the weights during training, and its final value for every run: "
            "weight decay "
            "shrinks it. " + band_caption(Family.REGRESSION, log_axis=True),
            runs=Runs(kinds=WEIGHT_DECAY),
        ),
        Figure(
            name="numerical_stability",
            topic="numerical_stability",
            draw="numerical_stability",
            caption="Vanishing gradients (the sigmoid and its gradient) and exploding gradients (log10 "
            "of the "
            "largest entry of a product of random matrices against the number of products).",
            analyses=("vanishing_gradient", "exploding_gradient"),
        ),
        Figure(
            name="comparison_accuracy",
            topic="comparison",
            draw="comparison_accuracy",
            caption="Final test accuracy of every classifier: bar = mean over completed seeds, whiskers = "
            f"{BAND_TEXT[Family.CLASSIFIER]}, dots = seeds, dotted line = the book's floor of "
            f"{ACCURACY_FLOOR[TEST_ACC][1]:g}.",
            runs=Runs(family=Family.CLASSIFIER),
            reference=(
                ACCURACY_FLOOR[TEST_ACC][1],
                f"the book's floor ({ACCURACY_FLOOR[TEST_ACC][1]:g})",
            ),
        ),
        Figure(
            name="comparison_regression",
            topic="comparison",
            draw="comparison_regression",
            caption="Final test loss (mean squared error) of every regression: bar = mean over "
            "completed seeds, "
            f"whiskers = {BAND_TEXT[Family.REGRESSION]}, dots = seeds.",
            runs=Runs(family=Family.REGRESSION),
        ),
    )
}


def topic_figures(topic: str, catalogue: dict[str, dict]) -> list[str]:
    return [f.name for f in FIGURES.values() if f.topic == topic and f.drawable(catalogue)]
