# What a person reads: aggregated tables, the chapter's figures, results/report.html, results/README.md,
# and one target per topic (`snakemake dropout` builds the dropout runs and their figure).

# Report sections in order, with their titles (also the categories of `snakemake --report`).
TOPICS = {
    "activation_functions": "Activation functions",
    "mlp": "Multilayer perceptron",
    "dropout": "Dropout",
    "polynomial": "Model selection: polynomial regression",
    "weight_decay": "Weight decay",
    "numerical_stability": "Numerical stability",
    "comparison": "Across experiments",
}
MLP_KINDS = ("mlp_scratch", "mlp_concise")
DROPOUT_KINDS = ("dropout_scratch", "dropout_concise")
WEIGHT_DECAY_KINDS = ("weight_decay_scratch", "weight_decay_concise")
REGRESSION_KINDS = ("polynomial", *WEIGHT_DECAY_KINDS)


def plain_mlps():
    """MLPs as the book builds them: the baseline dropout is compared with (no ablations)."""
    return [e for e in experiments_of_kind(*MLP_KINDS) if not EXPERIMENTS[e].get("relu_output")]


# Each figure: its report section, and what it draws. Runs are picked by kind, so a new catalogue entry
# joins its topic's figures with no code change.
FIGURES = {
    "activation_functions": {"topic": "activation_functions", "analyses": ["activations"]},
    "mlp": {"topic": "mlp", "experiments": experiments_of_kind(*MLP_KINDS)},
    "dropout": {"topic": "dropout", "experiments": experiments_of_kind(*DROPOUT_KINDS)},
    "dropout_vs_mlp": {
        "topic": "dropout",
        "experiments": experiments_of_kind(*DROPOUT_KINDS) + plain_mlps(),
    },
    "polynomial": {"topic": "polynomial", "experiments": experiments_of_kind("polynomial")},
    "polynomial_weights": {
        "topic": "polynomial",
        "experiments": experiments_of_kind("polynomial"),
    },
    "weight_decay": {
        "topic": "weight_decay",
        "experiments": experiments_of_kind(*WEIGHT_DECAY_KINDS),
    },
    "weight_decay_norm": {
        "topic": "weight_decay",
        "experiments": experiments_of_kind(*WEIGHT_DECAY_KINDS),
    },
    "numerical_stability": {
        "topic": "numerical_stability",
        "analyses": ["vanishing_gradient", "exploding_gradient"],
    },
    "comparison_accuracy": {
        "topic": "comparison",
        "experiments": experiments_of_kind(*CLASSIFIER_KINDS),
    },
    "comparison_regression": {
        "topic": "comparison",
        "experiments": experiments_of_kind(*REGRESSION_KINDS),
    },
}
# Which experiments each section's tables show.
TOPIC_EXPERIMENTS = {
    "mlp": experiments_of_kind(*MLP_KINDS),
    "dropout": experiments_of_kind(*DROPOUT_KINDS),
    "polynomial": experiments_of_kind("polynomial"),
    "weight_decay": experiments_of_kind(*WEIGHT_DECAY_KINDS),
    "comparison": list(EXPERIMENTS),
}
TABLES = {
    name: f"results/tables/{name}.csv" for name in ("epochs", "runs", "summary", "weights")
}
TEMPLATES = os.path.relpath(os.path.join(workflow.basedir, "scripts", "mlplab", "templates"))


def drawable_figures(topic=None):
    """Figures with something to draw: a catalogue without dropout entries has no dropout figure."""
    return [
        name
        for name, spec in FIGURES.items()
        if (spec.get("analyses") or spec.get("experiments"))
        and topic in (None, spec["topic"])
    ]


def figure_files(figures, extensions=("svg", "png")):
    return expand("results/figures/{figure}.{ext}", figure=figures, ext=extensions)


def figure_inputs(wildcards):
    spec = FIGURES[wildcards.figure]
    inputs = {"lib": lib("plots", "tables")}
    if spec.get("experiments"):
        inputs["runs"] = run_outputs(spec["experiments"])
    if spec.get("analyses"):
        inputs["analyses"] = expand("results/analyses/{a}.csv", a=spec["analyses"])
    return inputs


def figure_category(wildcards):
    return TOPICS[FIGURES[wildcards.figure]["topic"]]


def report_sections():
    """Per section: title, figures and experiments, as the report script needs them."""
    return {
        topic: {
            "title": title,
            "figures": drawable_figures(topic),
            "experiments": TOPIC_EXPERIMENTS.get(topic, []),
        }
        for topic, title in TOPICS.items()
    }


def data_benchmarks():
    """Benchmarks of the data jobs the catalogue uses (no Fashion-MNIST without a classifier)."""
    kinds = {hp["kind"] for hp in EXPERIMENTS.values()}
    jobs = []
    if kinds & set(CLASSIFIER_KINDS):
        jobs += [rules.fetch_fashion_mnist, rules.decode_fashion_mnist]
    if "polynomial" in kinds:
        jobs.append(rules.make_polynomial_data)
    if kinds & set(WEIGHT_DECAY_KINDS):
        jobs.append(rules.make_linear_data)
    return [job.benchmark for job in jobs]


def job_benchmarks(wildcards):
    """Every job's benchmark file, for the report's per-job and total times."""
    analyses = [rules.activations, rules.vanishing_gradient, rules.exploding_gradient]
    return (
        data_benchmarks()
        + [rule.benchmark for rule in analyses]
        + expand(rules.train.benchmark, experiment=list(EXPERIMENTS), seed=SEEDS)
        + [rules.aggregate.benchmark]
        + expand(rules.plot.benchmark, figure=drawable_figures())
    )


def report_targets():
    """Everything this file makes, for `rule all`."""
    return (
        list(TABLES.values())
        + figure_files(drawable_figures())
        + ["results/report.html", "results/README.md"]
    )


def topic_targets(topic):
    """A topic's figures (which pull in its runs), for its named target. Left out: dropout_vs_mlp,
    which would also train the plain MLPs, so `snakemake dropout` trains only the dropout entries."""
    return figure_files([f for f in drawable_figures(topic) if f != "dropout_vs_mlp"])


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
        lib=lib("report", "tables", "provenance"),
    output:
        report(
            "results/report.html",
            caption="../report/report_html.rst",
            category="Report",
        ),
    params:
        config=as_json(config),
        sections=as_json(report_sections()),
    log:
        "logs/report/report.log",
    benchmark:
        "results/benchmarks/report/report.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../scripts/report.py"


rule results_readme:
    input:
        template=os.path.join(TEMPLATES, "results_readme.md.j2"),
        lib=lib("report"),
    output:
        "results/README.md",
    params:
        experiments=as_json({name: hp["kind"] for name, hp in EXPERIMENTS.items()}),
        seeds=SEEDS,
        figures=drawable_figures(),
        topics=list(TOPICS),
    log:
        "logs/report/results_readme.log",
    benchmark:
        "results/benchmarks/report/results_readme.tsv"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
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
