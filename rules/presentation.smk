# What a person reads: aggregated tables, the chapter's figures, results/report.html, results/README.md,
# and one target per topic (`snakemake dropout` builds the dropout runs and their figures). Topics and
# figures are declared in scripts/mlplab/presentation/topics.py; the helpers these rules use are in
# rules/presentation_inputs.smk.


include: "presentation_inputs.smk"


rule aggregate:
    input:
        runs=run_outputs(),
        lib=lib("aggregate.py"),
    output:
        epochs="results/tables/epochs.csv",
        runs=report(
            "results/tables/runs.csv",
            caption="../captions/runs.rst",
            category="Tables",
        ),
        summary=report(
            "results/tables/summary.csv",
            caption="../captions/summary.rst",
            category="Tables",
        ),
        weights="results/tables/weights.csv",
    log:
        "logs/report/aggregate.log",
    benchmark:
        "results/benchmarks/report/aggregate.tsv"
    conda:
        "../envs/mlplab.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    message:
        "{rule}: results/tables/"
    script:
        "../scripts/aggregate.py"


rule plot:
    input:
        unpack(figure_inputs),
    output:
        svg=report(
            "results/figures/{figure}.svg",
            caption="../captions/figure.rst",
            category=lambda wildcards: TOPICS[FIGURES[wildcards.figure].topic].title,
        ),
        png="results/figures/{figure}.png",
    log:
        "logs/report/plot/{figure}.log",
    benchmark:
        "results/benchmarks/report/plot/{figure}.tsv"
    wildcard_constraints:
        figure="|".join(FIGURES),
    conda:
        "../envs/mlplab.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        caption=lambda wildcards: FIGURES[wildcards.figure].caption,
    message:
        "{rule} [{wildcards}]"
    script:
        "../scripts/plot.py"


rule html_report:
    input:
        **dict(rules.aggregate.output.items()),
        figures=figure_files(drawable_figures(), svg_only=True),
        analyses=analysis_outputs(),
        benchmarks=job_benchmarks,
        templates=sorted(glob.glob(os.path.join(TEMPLATES, "**", "*.j2"), recursive=True)),
        lib=lib("html_report.py"),
    output:
        report(
            "results/report.html",
            caption="../captions/report_html.rst",
            category="Report",
        ),
    log:
        "logs/report/html_report.log",
    benchmark:
        "results/benchmarks/report/html_report.tsv"
    conda:
        "../envs/mlplab.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        config=config,  # as written: the report lists entries in catalogue order
        # The run folders the workflow makes: any other folder under results/runs is listed as orphaned.
        runs=sorted(produced_runs(config, SWEEPS)),
    message:
        "{rule}: results/report.html"
    script:
        "../scripts/html_report.py"


rule results_readme:
    input:
        template=os.path.join(TEMPLATES, "results_readme.md.j2"),
        lib=lib("results_readme.py"),
    output:
        "results/README.md",
    log:
        "logs/report/results_readme.log",
    benchmark:
        "results/benchmarks/report/results_readme.tsv"
    conda:
        "../envs/mlplab.yaml"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    params:
        experiments=[[name, entry["kind"]] for name, entry in EXPERIMENTS.items()],
        seeds=SEEDS,
        figures=drawable_figures(),
        topics=list(TOPICS),
    message:
        "{rule}: results/README.md"
    script:
        "../scripts/results_readme.py"


# One target per topic: `snakemake --cores 2 dropout` trains the dropout entries and draws their figures.
for topic in TOPICS:

    rule:
        name:
            topic
        input:
            topic_targets(topic),
        localrule: True
        message:
            "{rule}: its runs and figures"
