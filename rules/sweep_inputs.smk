# Inputs, params and labels of the rules in rules/sweeps.smk (the book's exercises as sweeps, expanded
# from config.yaml by scripts/mlplab/workflow/sweeps.py into SWEEPS, rules/common.smk).

from mlplab.workflow.sweep_checks import cost_line
from mlplab.workflow.sweeps import block_rules, looks_of, point_pattern
from mlplab.workflow.run_record import sweep_run


def point_run_files(run, seeds):
    """The files of a run by its name (a catalogue entry's, or a point's: 'mlp_lr/lr~0.3') at `seeds`:
    those its training job writes (`train_outputs`)."""
    if "/" in run:
        sweep, point = run.split("/", 1)
        return expand(list(train_outputs(SWEEP_RUN).values()), sweep=sweep, point=point, seed=seeds)
    return run_outputs([run], seeds)


def block_outputs(seeds):
    """A block's outputs: each seed's run files, named by the seed (`metrics3`, `run3`, `model3`)."""
    files = {seed: train_outputs(sweep_run("{sweep}", "{point}", seed)) for seed in seeds}
    return {
        f"{key}{seed}": path for seed, outputs in files.items() for key, path in outputs.items()
    }


def block_resources(n_seeds):
    """A block's memory (one seed's: they train one after another) and time (the seeds' together)."""
    return {
        "mem_mb": lambda wildcards: train_resources(wildcards)[0],
        "runtime": lambda wildcards: train_resources(wildcards)[1] * n_seeds,
    }


def sweep_runs(wildcards):
    return sweep_run_files(wildcards.sweep)


def sweep_run_files(name):
    """The files of every run a sweep's points read, at the sweep's seeds."""
    sweep = SWEEPS[name]
    return [f for point in sweep.points for f in point_run_files(point.run, sweep.seeds)]


def sweep_params(name):
    """The sweep as plain values, rebuilt as a `Sweep` by the summary, figure and page jobs."""
    return SWEEPS[name].to_params()


def closed_form_points(name):
    """(path, entry) of each point: all that a sweep's exact fits depend on (not its seeds)."""
    return [[point.path, canonical(point.entry)] for point in SWEEPS[name].points]


def closed_form_input(wildcards):
    """The closed-form fits of a sweep whose kind has one (least squares for the polynomial)."""
    if KINDS[SWEEPS[wildcards.sweep].kind].closed_form:
        return rules.sweep_closed_form.output
    return []


def sweep_labels(shows):
    """The labels of a sweep's items in Snakemake's report: the sweep, its base, the swept values and
    what the item shows (two items of one subcategory with equal labels are silently left out)."""

    def labels(wildcards):
        sweep = SWEEPS[wildcards.sweep]
        swept = "; ".join(p.label for p in sweep.points)
        return {"sweep": sweep.name, "base": sweep.base, "swept": swept, "shows": shows}

    return labels


def sweep_outputs(sweeps=SWEEPS):
    return expand(rules.sweep_summary.output, sweep=sweeps) + expand(
        rules.plot_sweep.output, sweep=sweeps
    )


# A point's folder by its form (`<key>~<value>` per level), not as the alternation of every path: Snakemake
# writes a constraint into each output pattern and matches it on every file of the DAG.
SWEEP_CONSTRAINTS = {"sweep": "|".join(SWEEPS) or "(?!)", "point": point_pattern()}
# The seeds per comparison at each look of `decide`, and the rules that train a sweep's seeds in blocks.
LOOKS = looks_of(config)
BLOCK_RULES = block_rules(SWEEPS, LOOKS)

# A grid of thousands of points is one line of config.yaml: say what it schedules before it runs.
if workflow.is_main_process:
    for sweep in SWEEPS.values():
        if line := cost_line(sweep):
            print(line, file=sys.stderr)
