"""The book's published numbers ("Dive into Deep Learning", chapter "Multilayer Perceptrons") that the
report and figures hold ours against, each with the tolerance it is read with."""

from __future__ import annotations

from mlplab.chapter.metrics import TEST_ACC, TRAIN_ACC, TRAIN_LOSS

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
