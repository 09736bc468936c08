# What a person reads: aggregated tables, the chapter's figures, results/report.html, results/README.md,
# and one target per topic (`snakemake dropout` builds the dropout runs and their figure).
# Topics, figures and the helpers these rules use are in rules/common.smk (section "Report").


localrules:
    activation_functions,
    mlp,
    dropout,
    polynomial,
    weight_decay,
    numerical_stability,


rule aggregate:
    input:
        runs=run_outputs(),
        lib=lib("tables"),
    output:
        epochs=TABLES["epochs"],
        runs=report(
            TABLES["runs"],
            caption="../report/runs.rst",
            category="Tables",
        ),
        summary=report(
            TABLES["summary"],
            caption="../report/summary.rst",
            category="Tables",
        ),
        weights=TABLES["weights"],
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
    script:
        "../scripts/aggregate.py"


rule plot:
    input:
        unpack(figure_inputs),
    output:
        svg=report(
            "results/figures/{figure}.svg",
            caption="../report/figure.rst",
            category=figure_category,
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
    script:
        "../scripts/plot_figure.py"


rule report:
    input:
        summary=TABLES["summary"],
        runs=TABLES["runs"],
        weights=TABLES["weights"],
        figures=figure_files(drawable_figures(), extensions=["svg"]),
        analyses=analysis_outputs(),
        benchmarks=job_benchmarks,
        template=os.path.join(TEMPLATES, "report.html.j2"),
        lib=lib("report", "kinds", "tables", "provenance"),
    output:
        report(
            "results/report.html",
            caption="../report/report_html.rst",
            category="Report",
        ),
    log:
        "logs/report/report.log",
    benchmark:
        "results/benchmarks/report/report.tsv"
    conda:
        "../envs/mlplab.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        config=as_json(config),
        sections=as_json(report_sections()),
    script:
        "../scripts/report.py"


rule results_readme:
    input:
        template=os.path.join(TEMPLATES, "results_readme.md.j2"),
        lib=lib("report", "kinds", "tables"),
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
        experiments=as_json([[name, hp["kind"]] for name, hp in EXPERIMENTS.items()]),
        seeds=SEEDS,
        figures=drawable_figures(),
        topics=list(TOPICS),
    script:
        "../scripts/results_readme.py"


# One target per topic: `snakemake --cores 2 dropout` trains the dropout entries and draws their figure.
rule activation_functions:
    input:
        topic_targets("activation_functions"),


rule mlp:
    input:
        topic_targets("mlp"),


rule dropout:
    input:
        topic_targets("dropout"),


rule polynomial:
    input:
        topic_targets("polynomial"),


rule weight_decay:
    input:
        topic_targets("weight_decay"),


rule numerical_stability:
    input:
        topic_targets("numerical_stability"),
