# Config validation and the helpers every rule file shares. What kinds, analyses, topics and figures
# exist is declared once, in scripts/mlplab/workflow/catalogue.py (training) and presentation.py (reading).

import os
import sys

# This workflow folder's own library, ahead of any installed copy. The modules read here are torch-free.
sys.path.insert(0, os.path.join(workflow.basedir, "scripts"))
from mlplab.workflow.catalogue import ANALYSES, DATASETS, KINDS, SYNTHETIC, Family, canonical, parse_entry
from mlplab.workflow import snakemake_holders as holders
from mlplab.workflow.config_checks import check_config, check_config_files, check_validation_sizes
from mlplab.workflow.library_inputs import library_inputs
from mlplab.presentation.topics import FIGURES, TOPICS
from mlplab.workflow.sweeps import expand_all, produced_runs

# The config files as written, before Snakemake reads config.yaml: its YAML reader gives no file, line
# or column for a syntax error, reads 1e-3 as a string and keeps the last of two equal keys without a
# word. Files given with --configfile are read again here (Snakemake read them before the Snakefile, so
# a syntax error in one stops it first; `--verbose` then shows the line).
CONFIGFILE = "config.yaml"
check_config_files([CONFIGFILE, *workflow.overwrite_configfiles])


configfile: CONFIGFILE


# The values: the schema, each catalogue entry against its kind, NaN and infinity, and the rules across
# fields and sections (scripts/mlplab/workflow/config_checks.py), every problem reported at once.
check_config(config, os.path.join(workflow.basedir, "schemas", "config.schema.yaml"))

EXPERIMENTS = config["experiments"]
SEEDS = config["seeds"]
SWEEPS = expand_all(config)
SCRIPTS = os.path.relpath(os.path.join(workflow.basedir, "scripts"))


wildcard_constraints:
    experiment="|".join(EXPERIMENTS),
    seed=r"\d+",


def lib(script, *modules):
    """The library files `script` imports (and those of `modules`, which it reaches by name), from the
    import graph, declared as inputs: editing one reruns exactly the jobs that use it, since
    Snakemake's code trigger sees only the script itself."""
    return library_inputs(SCRIPTS, os.path.join(SCRIPTS, script), modules)


def entry_of(wildcards):
    """The entry a training job trains: a catalogue entry, or a sweep's point (rules/sweeps.smk)."""
    if "sweep" in wildcards.keys():
        return SWEEPS[wildcards.sweep].point(wildcards.point).entry
    return EXPERIMENTS[wildcards.experiment]


def run_name(wildcards):
    """'mlp_concise', or 'mlp_lr/lr~0.3' for a sweep's point: run.json's `experiment`."""
    if "sweep" in wildcards.keys():
        return f"{wildcards.sweep}/{wildcards.point}"
    return wildcards.experiment


def kind_of(wildcards):
    return KINDS[entry_of(wildcards)["kind"]]


def run_outputs(experiments=None, seeds=None):
    return expand(
        rules.train.output,
        experiment=EXPERIMENTS if experiments is None else experiments,
        seed=SEEDS if seeds is None else seeds,
    )


def analysis_outputs(analyses=ANALYSES):
    return expand(rules.analysis.output, analysis=analyses)


def analysis_args(wildcards):
    """The analysis's config block (its own, or the one it shares) with its fixed arguments."""
    analysis = ANALYSES[wildcards.analysis]
    return canonical({**config["analyses"][analysis.config], **analysis.fixed})


def datasets_used():
    return {KINDS[entry["kind"]].data for entry in EXPERIMENTS.values()}


def dataset_files(dataset):
    """The files a data set's kinds train on, by the names their training code reads them under."""
    if dataset in SYNTHETIC:
        return {dataset: expand(rules.make_synthetic_data.output[0], dataset=dataset)[0]}
    decoded = rules.decode_fashion_mnist.output
    return {split: decoded.get(split) for split in DATASETS[dataset]}


def train_inputs(wildcards):
    """The entry's data and library modules, and nothing else, so that e.g. new polynomial data reruns
    the polynomial fits but not the classifiers, and editing models.py not the regressions."""
    kind = kind_of(wildcards)
    code = [target.split(":")[0] for target in (kind.fit, kind.model) if target]
    return {**dataset_files(kind.data), "lib": lib("train.py", *code)}


def device_check(wildcards):
    """The device check (rules/device.smk), for the jobs that train on the config's device when that may
    be a GPU; unnamed, so the training script does not take it for data. With device: cpu, and for the
    regressions, which always train on the CPU, nothing: their inputs stay as they were."""
    if kind_of(wildcards).uses_device and config["device"] != "cpu":
        return rules.check_device.output
    return []


def train_device(wildcards):
    """Only kinds that train on the device get it; the rest run on the CPU wherever the config says."""
    return config["device"] if kind_of(wildcards).uses_device else "cpu"


def train_priority(wildcards):
    """Longest runs start first (epochs × hidden layers of a classifier; the regressions take seconds),
    so that a run does not end with one long job on one core while the others idle."""
    if kind_of(wildcards).family != Family.CLASSIFIER:
        return 0
    entry = parse_entry(entry_of(wildcards))
    hidden = entry.num_hiddens
    return entry.epochs * (len(hidden) if isinstance(hidden, list) else 1)


def train_resources(wildcards):
    """(mem_mb, runtime in minutes)."""
    return (3000, 30) if kind_of(wildcards).family == Family.CLASSIFIER else (1000, 10)


holders.explain_lock()
