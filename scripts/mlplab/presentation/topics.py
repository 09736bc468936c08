"""What a person reads: the report's topics, the figures with their captions, and the book's published
numbers that the report and figures hold ours against.

One declaration per topic and per figure: the workflow's figure rule and topic targets, the captions of
`snakemake --report`, the HTML report's sections, the plotting dispatch and the tests all read these.
Kept apart from `mlplab.workflow.catalogue` (what training needs), so that editing a caption reruns no training.
Torch-free.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlplab.chapter.metrics import TEST_ACC, TEST_LOSS, TRAIN_ACC, TRAIN_LOSS, VAL_ACC, VAL_LOSS, W_NORM
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


def band_caption(family: str, log_axis: bool = False) -> str:
    """What a figure's line and band are, for a figure of one family's runs."""
    caption = (
        f"Line: mean over the seeds that completed; band: {BAND_TEXT[family]}, n in the legend; no band "
        "where fewer than two seeds completed."
    )
    # A t interval is symmetric: over seeds that differ by orders of magnitude, its low end is negative.
    log_note = " On the log axis, a band whose low end is at or below 0 reaches the bottom of the panel."
    return caption + (log_note if log_axis else "")


# The smallest difference between two entries that matters, in the metric's unit: half an accuracy
# point, or 5 % of the baseline's mean for losses and ‖w‖ (whose scale differs by orders of magnitude
# between entries: a test MSE of 0.01 beside 9.4). A difference whose interval excludes 0 but is smaller
# than this is real but too small to read anything into.
ABSOLUTE_MARGIN = {TRAIN_ACC: 0.005, VAL_ACC: 0.005, TEST_ACC: 0.005}
RELATIVE_MARGIN = {TRAIN_LOSS: 0.05, VAL_LOSS: 0.05, TEST_LOSS: 0.05, W_NORM: 0.05}


def smallest_meaningful(metric: str, baseline_mean: float) -> float:
    """The smallest difference in `metric` that matters, against a baseline whose mean is `baseline_mean`."""
    if metric in ABSOLUTE_MARGIN:
        return ABSOLUTE_MARGIN[metric]
    if metric in RELATIVE_MARGIN:
        return RELATIVE_MARGIN[metric] * abs(baseline_mean)
    raise KeyError(f"no smallest meaningful difference declared for metric {metric!r}")


# ---- The book's published numbers ("Dive into Deep Learning", chapter "Multilayer Perceptrons") ----

# The assertions at the end of training an MLP on Fashion-MNIST: metric → (comparison, bound).
ACCURACY_FLOOR = {TRAIN_LOSS: ("<", 0.5), TRAIN_ACC: (">", 0.7), TEST_ACC: (">", 0.7)}
# Polynomial regression, the normal fit with 4 features: the learned weights it prints.
BOOK_POLYNOMIAL_WEIGHTS = [5.010, 1.235, -3.423, 5.503]
POLYNOMIAL_TOLERANCE = 0.25  # each learned weight within this of the true weight
# Weight decay: ‖w‖ after training, keyed by (kind, λ). The accepted range is wide because ‖w‖ at λ = 0
# depends on the random initialisation of 200 weights; λ = 3 must shrink it by more than an order.
BOOK_WEIGHT_NORM = {
    ("weight_decay_scratch", 0.0): 12.96,
    ("weight_decay_scratch", 3.0): 0.356,
    ("weight_decay_concise", 0.0): 13.73,
    ("weight_decay_concise", 3.0): 0.389,
}
WEIGHT_NORM_RANGE = {0.0: (10.0, 18.0), 3.0: (0.0, 0.6)}


# ---- Which catalogue entries a topic or figure shows ----


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Baseline:
    """What a topic's other entries are compared with, seed by seed, on its headline metric. Pairing is
    right because runs of one seed share the streams of their initial weights and minibatch order
    (`mlplab.workflow.run_execution` derives both from the seed alone), so a paired difference removes that noise."""

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


@dataclass(frozen=True)
class Demo:
    """A demonstration the chapter's notes print for a reader to check by eye, shown in its topic as the
    notes print it: each matrix of results/analyses/<analysis>.csv (columns `matrix`, the label the
    notes print, `row`, then `c0`, `c1`, …) as a small table, under a note on what to check."""

    analysis: str
    note: str  # Jinja text, rendered with the report's context
    format: str = "g"  # how an entry is written, a format spec: "g" (0, 2, 14) or ".2e" (1.23e+27)


@dataclass(frozen=True)
class Topic:
    name: str
    title: str
    reading: str  # Jinja text of the plain-language reading, rendered with the report's context
    runs: Runs | None = None  # the entries its tables show (None: no runs, only analyses)
    checks: str = ""  # caption of its table of the book's numbers beside ours, where it has one
    demos: tuple[Demo, ...] = ()  # the notes' printed demonstrations it shows as tables
    baseline: Baseline | None = None  # what its entries are compared with, seed by seed

    @property
    def analyses(self) -> tuple[str, ...]:
        """The analyses its section shows as tables (those of its figures come with the figures)."""
        return tuple(demo.analysis for demo in self.demos)


@dataclass(frozen=True)
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
    f"The book's floor after training: train and test accuracy above {ACCURACY_FLOOR['test_acc'][1]:g}, "
    f"train loss below {ACCURACY_FLOOR['train_loss'][1]:g}"
)

TOPICS: dict[str, Topic] = {
    t.name: t
    for t in (
        Topic(
            "activation_functions",
            "Activation functions",
            """ReLU passes positive inputs unchanged and zeroes negative ones; its gradient is 0 or 1, so
active units pass gradients back undiminished. The sigmoid squashes its input into (0, 1) and the tanh
into (−1, 1); their gradients peak at x = 0 ({{ facts.sigmoid_grad_max | num(3) }} for the sigmoid,
{{ facts.tanh_grad_max | num(3) }} for the tanh) and fade to nearly zero for large |x|. The gradients are
autograd's, checked against the analytic derivatives when the curves were computed.""",
        ),
        Topic(
            "mlp",
            "Multilayer perceptron",
            """One hidden layer of ReLU units trained with minibatch SGD on Fashion-MNIST, from scratch and
with <code>nn.Sequential</code>. Training loss should fall and both accuracies rise epoch by epoch, and
the two implementations should agree: the paired difference below against the book's from-scratch entry
should include 0, or be smaller than the half accuracy point that matters.
{% for name in section.experiments %}<code>{{ name }}</code> ends at test accuracy
{{ final(name, "test_acc") }}{{ "; " if not loop.last else "." }}{% endfor %}
{% if section.table.rows | selectattr("ablation") | list %} The ablation puts a ReLU on the output layer
as well: negative logits are clipped to zero, so the softmax can no longer push wrong classes'
probabilities down, and it is expected to train worse and miss the book's floor.{% endif %}""",
            Runs(kinds=MLP),
            FLOOR_CHECKS,
            baseline=Baseline(TEST_ACC, kind="mlp_scratch"),
        ),
        Topic(
            "dropout",
            "Dropout",
            """Dropout zeroes each hidden unit with a fixed probability during training (and rescales the
rest), and is switched off for evaluation. It is a regulariser: the gap between train and test accuracy
is expected to be smaller than the plain MLP's (dashed lines), at similar or better test accuracy. The
paired differences compare each entry with the first dropout entry.
{% for name in section.experiments %}<code>{{ name }}</code>: test accuracy
{{ final(name, "test_acc") }}, gap {{ final(name, "train_acc", minus="test_acc", digits=2) }}
{{- "; " if not loop.last else "." }}{% endfor %}""",
            Runs(kinds=DROPOUT),
            FLOOR_CHECKS,
            baseline=Baseline(TEST_ACC),
            demos=(
                Demo(
                    "dropout_demo",
                    """The notes' demonstration, run with this project's from-scratch <code>dropout</code>:
<code>X = arange(16).reshape(2, 8)</code> and <code>dropout(X, p)</code> at each probability in turn, the
masks drawn from a seeded generator. To check by eye: p = 0 leaves X unchanged; p = 0.5 zeroes about
half the entries and doubles the rest (the survivors are scaled by 1/(1 − p)); p = 1 gives zeros.""",
                ),
            ),
        ),
        Topic(
            "polynomial",
            "Model selection: polynomial regression",
            """The labels come from a polynomial with {{ polynomial.true_w | length }} weights
({{ polynomial.true_w | join(", ") }}) plus noise of standard deviation {{ polynomial.noise_std }}, so no
model can get its test MSE much below {{ (polynomial.noise_std ** 2) | num(2) }}. With exactly those
features, the fit should reach that floor and recover the weights (tables below: the book's numbers
beside ours, then every fit's learned weights as the notes print them). With too few features
the model cannot express the function and both losses stay high (underfitting); with many more features
than needed the train loss can fall below the test loss (overfitting). The paired differences compare
each fit's test loss with the first fit of the catalogue (the normal fit in the default one); every fit
trains on the same data, so their intervals are over training seeds only.
{% for name in section.experiments %}<code>{{ name }}</code>: train {{ final(name, "train_loss") }}, test
{{ final(name, "test_loss") }}{{ "; " if not loop.last else "." }}{% endfor %}""",
            Runs(kinds=("polynomial",)),
            "Learned weights of the normal fit beside the book's (losses are mean squared errors)",
            baseline=Baseline(TEST_LOSS, kind="polynomial"),
        ),
        Topic(
            "weight_decay",
            "Weight decay",
            """Linear regression with many more inputs than training examples overfits: without a penalty
(λ = 0) the train loss falls while the test loss stays high. Weight decay adds λ‖w‖²/2 to the loss and
pulls the weights towards zero: ‖w‖ shrinks by more than an order of magnitude at λ = 3 and the test
loss falls.
The paired differences compare each entry's test loss with the first entry of its implementation (λ = 0
in the default catalogue), on the same data.
The notes print the norm after training as "L2 norm of w".
{% for name in section.experiments %}<code>{{ name }}</code>: L2 norm of w: {{ final(name, "w_norm") }}
({{ per_seed(name, "w_norm") }}), test loss {{ final(name, "test_loss") }}
{{- "; " if not loop.last else "." }}{% endfor %}""",
            Runs(kinds=WEIGHT_DECAY),
            "‖w‖ after training beside the book's",
            baseline=Baseline(TEST_LOSS, per_kind=True),
        ),
        Topic(
            "numerical_stability",
            "Numerical stability",
            """Vanishing gradients: at x = ±{{ facts.sigmoid_edge_x | num(2) }} the sigmoid's gradient is only
{{ facts.sigmoid_edge_grad | num(2) }}; backpropagation multiplies one such factor per layer, so the
gradient reaching early layers of a deep sigmoid network all but disappears. Exploding gradients:
{% if facts.overflow_at %}the product of random matrices grows until it overflows float64 at product
{{ facts.overflow_at }}{% else %}after {{ facts.products | num }} products of random matrices the largest
entry is about 10<sup>{{ facts.log10_final | num(3) }}</sup>{% endif %}; without careful initialisation,
gradients grow as fast.""",
            demos=(
                Demo(
                    "exploding_gradient_matrices",
                    """The notes' demonstration behind the curve: a single matrix M with N(0, 1) entries, and
the product after multiplying it by {{ facts.products | num }} more such matrices, in scientific notation.
To check by eye: M's entries are of order 1, the product's {% if facts.overflow_at %}infinite (it
overflowed at product {{ facts.overflow_at }}){% else %}of order
10<sup>{{ facts.log10_final | num(3) }}</sup>, the curve's last point{% endif %}.""",
                    ".2e",
                ),
            ),
        ),
        Topic(
            "comparison",
            "Across experiments",
            """Every entry of the catalogue side by side. Bars are the mean final value over the seeds that
completed, whiskers its 95 % confidence interval (Student t; for the regressions over training seeds on
fixed data), dots single seeds; a diverged run is a red cross, left out of the mean. Losses of the
regressions are mean squared errors; those of the classifiers are cross-entropies. Entries are compared
seed by seed within each topic's section, where they share a metric and a baseline.""",
            EVERY_RUN,
        ),
    )
}

FIGURES: dict[str, Figure] = {
    f.name: f
    for f in (
        Figure(
            "activation_functions",
            "activation_functions",
            "activation_functions",
            "ReLU, sigmoid and tanh (top) and their gradients by autograd (bottom), as in the book's "
            "section on activation functions.",
            analyses=("activations",),
        ),
        Figure(
            "mlp",
            "mlp",
            "classifier_curves",
            "The MLP on Fashion-MNIST, from scratch and concise, and the ablation with ReLU on the output "
            "layer: train loss (cross-entropy), train accuracy and test accuracy per epoch. "
            + band_caption(Family.CLASSIFIER),
            Runs(kinds=MLP),
        ),
        Figure(
            "dropout",
            "dropout",
            "classifier_curves",
            "MLPs with dropout, from scratch and concise: train loss, train accuracy and test accuracy per "
            "epoch. " + band_caption(Family.CLASSIFIER),
            Runs(kinds=DROPOUT),
        ),
        Figure(
            "dropout_vs_mlp",
            "dropout",
            "dropout_vs_plain",
            "Dropout (solid) beside the plain MLP (dashed): test accuracy and the generalisation gap (train "
            "minus test accuracy) per epoch. Dropout is expected to narrow the gap. "
            + band_caption(Family.CLASSIFIER),
            Runs(kinds=DROPOUT + MLP, ablations=False, only_with=DROPOUT),
            in_topic_target=False,
        ),
        Figure(
            "polynomial",
            "polynomial",
            "polynomial_losses",
            "Polynomial regression with different numbers of features: train and test loss (mean squared "
            "error, log scale) per epoch, one panel per entry, as in the book's under- and overfitting "
            "figures. " + band_caption(Family.REGRESSION, log_axis=True),
            Runs(kinds=("polynomial",)),
        ),
        Figure(
            "polynomial_weights",
            "polynomial",
            "polynomial_weights",
            "Learned polynomial weights (marker: mean over completed seeds, whiskers: "
            f"{BAND_TEXT[Family.REGRESSION]}) beside the true weights that generated the data.",
            Runs(kinds=("polynomial",)),
        ),
        Figure(
            "weight_decay",
            "weight_decay",
            "weight_decay_losses",
            "High-dimensional linear regression with and without weight decay: train and test loss (mean "
            "squared error, log scale) per epoch, one panel per entry. "
            + band_caption(Family.REGRESSION, log_axis=True),
            Runs(kinds=WEIGHT_DECAY),
        ),
        Figure(
            "weight_decay_norm",
            "weight_decay",
            "weight_norms",
            "The L2 norm of the weights during training, and its final value for every run: weight decay "
            "shrinks it. " + band_caption(Family.REGRESSION, log_axis=True),
            Runs(kinds=WEIGHT_DECAY),
        ),
        Figure(
            "numerical_stability",
            "numerical_stability",
            "numerical_stability",
            "Vanishing gradients (the sigmoid and its gradient) and exploding gradients (log10 of the "
            "largest entry of a product of random matrices against the number of products).",
            analyses=("vanishing_gradient", "exploding_gradient"),
        ),
        Figure(
            "comparison_accuracy",
            "comparison",
            "comparison_accuracy",
            "Final test accuracy of every classifier: bar = mean over completed seeds, whiskers = "
            f"{BAND_TEXT[Family.CLASSIFIER]}, dots = seeds, dotted line = the book's floor of "
            f"{ACCURACY_FLOOR['test_acc'][1]:g}.",
            Runs(family=Family.CLASSIFIER),
            reference=(
                ACCURACY_FLOOR[TEST_ACC][1],
                f"the book's floor ({ACCURACY_FLOOR['test_acc'][1]:g})",
            ),
        ),
        Figure(
            "comparison_regression",
            "comparison",
            "comparison_regression",
            "Final test loss (mean squared error) of every regression: bar = mean over completed seeds, "
            f"whiskers = {BAND_TEXT[Family.REGRESSION]}, dots = seeds.",
            Runs(family=Family.REGRESSION),
        ),
    )
}


def topic_figures(topic: str, catalogue: dict[str, dict]) -> list[str]:
    return [f.name for f in FIGURES.values() if f.topic == topic and f.drawable(catalogue)]
