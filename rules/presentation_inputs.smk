# Inputs and targets of the rules in rules/presentation.smk (tables, figures, report pages).

import glob

from snakemake.iocontainers import Wildcards

from mlplab.presentation.freshness import mark_if_stale


def drawable_figures(topic=None):
    """Figures with something to draw (a catalogue without dropout entries has no dropout figure)."""
    return [
        name
        for name, figure in FIGURES.items()
        if figure.drawable(EXPERIMENTS) and topic in (None, figure.topic)
    ]


def figure_files(figures, svg_only=False):
    return expand(rules.plot.output.svg if svg_only else rules.plot.output, figure=figures)


def figure_inputs(wildcards):
    figure = FIGURES[wildcards.figure]
    inputs = {"lib": lib("plot.py")}
    if figure.runs:
        inputs["runs"] = run_outputs(figure.experiments(EXPERIMENTS))
    if figure.analyses:
        inputs["analyses"] = analysis_outputs(figure.analyses)
    return inputs


def job_benchmarks(wildcards):
    """Every job's benchmark file, for the report's per-job and total times."""
    data = []
    if "fashion_mnist" in datasets_used():
        data += [rules.fetch_fashion_mnist.benchmark, rules.decode_fashion_mnist.benchmark]
    synthetic = sorted(datasets_used() & set(SYNTHETIC))
    return (
        data
        + expand(rules.make_synthetic_data.benchmark, dataset=synthetic)
        + expand(rules.analysis.benchmark, analysis=ANALYSES)
        + expand(rules.train.benchmark, experiment=list(EXPERIMENTS), seed=SEEDS)
        + [rules.aggregate.benchmark]
        + expand(rules.plot.benchmark, figure=drawable_figures())
    )


def report_targets():
    """Everything this file's rules make, for `rule all`."""
    return [
        *rules.aggregate.output,
        *figure_files(drawable_figures()),
        *rules.html_report.output,
        *rules.results_readme.output,
    ]


def topic_targets(topic):
    """A topic's figures (which pull in its runs) and the analyses it shows as tables (the notes'
    printed demonstrations), for its named target; figures that would train another topic's entries
    (dropout beside the plain MLP) are left out."""
    figures = [f for f in drawable_figures(topic) if FIGURES[f].in_topic_target]
    analyses = [a for f in figures for a in FIGURES[f].analyses] + list(TOPICS[topic].analyses)
    return figure_files(figures) + analysis_outputs(list(dict.fromkeys(analyses)))


def rule_inputs(rule, **wildcards):
    """What a job of `rule` reads, with the given wildcards: its inputs as declared, with input functions
    called (an unpacked dict's values taken) and wildcards filled in."""
    values = Wildcards(fromdict=wildcards)
    files = []
    for item in rule.input:
        found = item(values) if callable(item) else item
        found = found.values() if isinstance(found, dict) else found
        for f in [found] if isinstance(found, str) else found:
            files += expand(str(f), **wildcards)
    return files


def mark_pages_stale():
    """After a failed run: each page (results/report.html, results/exercises.html) is marked out of date
    when any file it is built from is missing or newer than it (`mlplab.presentation.freshness`): its
    rule's inputs, and those of the rules that read the runs behind them (the tables' and the sweep
    summaries'). A failed job's outputs are deleted, so a failed aggregate, sweep summary or sweep point
    leaves a page whose inputs are missing or newer."""
    tables = rule_inputs(rules.aggregate)
    mark_if_stale(rules.html_report.output[0], rule_inputs(rules.html_report) + tables)
    summaries = [f for sweep in SWEEPS for f in rule_inputs(rules.sweep_summary, sweep=sweep)]
    mark_if_stale(rules.exercises_report.output[0], rule_inputs(rules.exercises_report) + summaries)


def where_to_look():
    """After a run that ended well: the pages it made or kept, and how to see every run's state."""
    pages = [
        rules.html_report.output[0],
        rules.exercises_report.output[0],
        rules.decide_report.output.page,
    ]
    made = [page for page in pages if os.path.exists(page)]
    if made:
        print(
            f"Open {' and '.join(made)}; `make status` says where every run stands.",
            file=sys.stderr,
        )
