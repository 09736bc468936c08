# Config validation and the helpers every rule file shares. What kinds, analyses, topics and figures
# exist is declared once, in scripts/mlplab/workflow/catalogue.py (training) and
# scripts/mlplab/presentation/topics.py (reading). Each rule file includes its own helpers (*_inputs.smk).

import functools
import os
import sys

# This workflow folder's own library, ahead of any installed copy. The modules read here are torch-free.
sys.path.insert(0, os.path.join(workflow.basedir, "scripts"))
from mlplab.workflow.catalogue import (
    ANALYSES,
    DATASETS,
    KINDS,
    SYNTHETIC,
    Family,
    canonical,
    parse_entry,
)
from mlplab.workflow import parse_cache
from mlplab.workflow import snakemake_holders as holders
from mlplab.workflow.config_checks import check_config, check_validation_sizes
from mlplab.workflow.config_files import check_config_files
from mlplab.workflow.data_fingerprint import fingerprint_file
from mlplab.workflow.library_inputs import library_inputs
from mlplab.workflow.named_objects import module_of
from mlplab.workflow.run_record import (
    CATALOGUE_RUN,
    METRICS_CSV,
    MODEL_PT,
    RESULTS,
    RUN_JSON,
    SWEEP_RUN,
    run_file,
    run_log,
)
from mlplab.presentation.topics import FIGURES, TOPICS
from mlplab.workflow.sweeps import expand_all, produced_runs

# The config files as written, before Snakemake reads config.yaml: its YAML reader gives no file, line
# or column for a syntax error, reads 1e-3 as a string and keeps the last of two equal keys without a
# word. Files given with --configfile are read again here (Snakemake read them before the Snakefile, so
# a syntax error in one stops it first; `--verbose` then shows the line).
CONFIGFILE = "config.yaml"
# What these checks and the import graph compute is kept between starts, keyed by the files' contents
# (scripts/mlplab/workflow/parse_cache.py): a start with nothing changed reads it instead.
parse_cache.use(os.path.join(".snakemake", "mlplab"))
check_config_files([CONFIGFILE, *workflow.overwrite_configfiles])


configfile: CONFIGFILE


# The values: the schema, each catalogue entry against its kind, NaN and infinity, and the rules across
# fields and sections (scripts/mlplab/workflow/config_checks.py), every problem reported at once.
check_config(
    config,
    os.path.join(workflow.basedir, "schemas", "config.schema.yaml"),
    workflow.config_settings.overwrite_config,
)

# Lines to read before a run is left to itself (a catalogue entry of more than a day, threads that the
# cores given lower), printed once, by the main process (scripts/mlplab/workflow/start_warnings.py).
if workflow.is_main_process:
    from mlplab.workflow.start_warnings import start_warnings

    settings = workflow.resource_settings
    for line in start_warnings(config, settings.cores, settings.max_threads):
        print(line, file=sys.stderr)

EXPERIMENTS = config["experiments"]
SEEDS = config["seeds"]
SWEEPS = expand_all(config)
SCRIPTS = os.path.relpath(os.path.join(workflow.basedir, "scripts"))
TEMPLATES = os.path.join(SCRIPTS, "mlplab", "presentation", "templates")


wildcard_constraints:
    experiment="|".join(EXPERIMENTS),
    seed=r"\d+",


def lib(script, *modules):
    """The library files `script` imports (and those of `modules`, which it reaches by name), from the
    import graph, declared as inputs: editing one reruns exactly the jobs that use it, since
    Snakemake's code trigger sees only the script itself. Each answer is kept (asked per job)."""
    return list(_lib(script, modules))


@functools.cache
def _lib(script, modules):
    return tuple(library_inputs(SCRIPTS, os.path.join(SCRIPTS, script), modules))


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


holders.explain_lock()
