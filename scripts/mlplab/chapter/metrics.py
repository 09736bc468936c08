"""The metrics' names, each spelled once: what the chapter's training code records per epoch (the columns
of metrics.csv after `epoch`) and every table, figure, page and comparison reads. Losses are
cross-entropies for classifiers and mean squared errors for regressions; accuracies are fractions."""

TRAIN_LOSS, TRAIN_ACC = "train_loss", "train_acc"
VAL_LOSS, VAL_ACC = "val_loss", "val_acc"
TEST_LOSS, TEST_ACC = "test_loss", "test_acc"
W_NORM = "w_norm"  # ‖w‖ of the weight-decay fits

ACCURACIES = (TRAIN_ACC, VAL_ACC, TEST_ACC)
CLASSIFIER_METRICS = (TRAIN_LOSS, TRAIN_ACC, TEST_LOSS, TEST_ACC)
REGRESSION_METRICS = (TRAIN_LOSS, TEST_LOSS)
VALIDATION_METRICS = (VAL_LOSS, VAL_ACC)
