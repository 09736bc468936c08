# Inputs, params and labels of the rules in rules/sweeps.smk (the book's exercises as sweeps, expanded
# from config.yaml by scripts/mlplab/workflow/sweeps.py into SWEEPS, rules/common.smk).

from mlplab.workflow.sweep_checks import cost_line
from mlplab.workflow.sweeps import point_pattern


def point_run_files(run, seeds):
    """The run.json and metrics.csv files of a run by its name: a catalogue entry's, or a point's
    ('mlp_lr/lr~0.3')."""
    if "/" in run:
        sweep, point = run.split("/", 1)
        return expand(rules.train_sweep_point.output, sweep=sweep, point=point, seed=seeds)
    return run_outputs([run], seeds)


def sweep_runs(wildcards):
    sweep = SWEEPS[wildcards.sweep]
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

# A grid of thousands of points is one line of config.yaml: say what it schedules before it runs.
if workflow.is_main_process:
    for sweep in SWEEPS.values():
        if line := cost_line(sweep):
            print(line, file=sys.stderr)
