# Inputs and targets of the rules in rules/presentation.smk (tables, figures, report pages).

import glob
from pathlib import Path


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


STALE_MARK = '<div class="warning" id="stale">'


def mark_report_stale():
    """After a failed run: if results/report.html is older than the runs and tables it shows, say so at
    its top, so that the previous page does not pass for current (Snakemake builds no report after a
    failed aggregate). Its modification time is kept, so that Snakemake's view of it is unchanged.
    """
    page = Path(rules.html_report.output[0])
    if not page.exists():
        return
    shown = [*run_outputs(), *rules.aggregate.output]
    newest = max((os.path.getmtime(f) for f in shown if os.path.exists(f)), default=0)
    stat = page.stat()
    html = page.read_text()
    if newest <= stat.st_mtime or STALE_MARK in html:
        return
    banner = (
        f"{STALE_MARK}<strong>⚠ Out of date.</strong> A later run of the workflow failed before it "
        "could rebuild this page, and some of the runs or tables it shows have changed since; see "
        "the failed jobs' logs under <code>logs/</code>, then run <code>snakemake</code> again.</div>"
    )
    page.write_text(html.replace("<body>", f"<body>\n{banner}", 1))
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns))
