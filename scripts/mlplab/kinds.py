"""The experiment kinds of the catalogue, grouped as the workflow, training and report need them.

Plain constants, importable without torch, so the Snakefile and the report share them with training.
"""

MLP_KINDS = ("mlp_scratch", "mlp_concise")
DROPOUT_KINDS = ("dropout_scratch", "dropout_concise")
CLASSIFIER_KINDS = (*MLP_KINDS, *DROPOUT_KINDS)
WEIGHT_DECAY_KINDS = ("weight_decay_scratch", "weight_decay_concise")
REGRESSION_KINDS = ("polynomial", *WEIGHT_DECAY_KINDS)
