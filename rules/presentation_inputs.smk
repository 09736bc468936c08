# Inputs and targets of the rules in rules/presentation.smk (tables, figures, report pages).

import glob

TEMPLATES = os.path.join(SCRIPTS, "mlplab", "templates")


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
