"""The classifiers' sizes, torch-free: the models are built on them and the training loop evaluates in
batches of EVAL_BATCH, and the workflow bounds a model's memory with them before anything runs
(`mlplab.workflow.config_memory`, read on every `snakemake -n`)."""

NUM_INPUTS = 28 * 28  # a Fashion-MNIST image, flattened
NUM_OUTPUTS = 10  # its classes, one logit each
EVAL_BATCH = 10_000  # examples evaluated at once (without gradients): a few MB of activations at width 256
