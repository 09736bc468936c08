# Sweeps: the book's exercises as declared grids (config.yaml `sweeps:`, expanded by
# scripts/mlplab/workflow/sweeps.py). Each point trains with the train rule's script, inputs and staleness; a
# summary, a figure and a section of results/exercises.html per sweep. `snakemake --cores all exercises`.


include: "sweep_inputs.smk"


# A sweep's own points train their seeds in blocks, one job per point and block, seed after seed in one
# process (each seed its own run folder, log, metrics.csv and model.pt, as the catalogue's train rule
# writes them): the configured seeds in one block (what `exercises` trains), then a block per look of
# `decide` (scripts/mlplab/workflow/sweeps.py, `block_rules`).
for block in BLOCK_RULES:

    rule:
        name:
            block.name
        input:
            unpack(train_inputs),
            [] if ON_CPU else device_check,
        output:
            **block_outputs(block.seeds),
        log:
            [run_log(sweep_run("{sweep}", "{point}", seed)) for seed in block.seeds],
        benchmark:
            f"results/benchmarks/train/sweeps/{{sweep}}/{{point}}/{block.name}.tsv"
        wildcard_constraints:
            sweep="|".join(block.sweeps),
            point=SWEEP_CONSTRAINTS["point"],
        priority: train_priority
        conda:
            "../envs/mlplab.yaml"
        threads: config["threads_per_job"]
        resources:
            **block_resources(len(block.seeds)),
            gpu=0 if ON_CPU else train_gpus,
        params:
            **train_params(name="{sweep}/{point}"),
        message:
            "{rule} [{wildcards}]: seeds " + ", ".join(map(str, block.seeds))
        script:
            "../scripts/train.py"


rule sweep_closed_form:
    input:
        unpack(lambda wildcards: dataset_inputs(KINDS[SWEEPS[wildcards.sweep].kind].data)),
        lib=lambda wildcards: lib(
            "sweep_closed_form.py",
            module_of(KINDS[SWEEPS[wildcards.sweep].kind].closed_form),
        ),
    output:
        "results/sweeps/{sweep}/closed_form.csv",
    log:
        "logs/sweeps/{sweep}/closed_form.log",
    benchmark:
        "results/benchmarks/sweeps/{sweep}/closed_form.tsv"
    wildcard_constraints:
        sweep=SWEEP_CONSTRAINTS["sweep"],
    conda:
        "../envs/mlplab.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        kind=lambda wildcards: SWEEPS[wildcards.sweep].kind,
        points=lambda wildcards: closed_form_points(wildcards.sweep),
    message:
        "{rule} [{wildcards}]"
    script:
        "../scripts/sweep_closed_form.py"


rule sweep_summary:
    input:
        runs=sweep_runs,
        closed_form=closed_form_input,
        lib=lib("sweep_summary.py"),
    output:
        report(
            "results/sweeps/{sweep}/summary.csv",
            caption="../captions/sweep_summary.rst",
            category="Exercises",
            subcategory="{sweep}",
            labels=sweep_labels("summary table"),
        ),
    log:
        "logs/sweeps/{sweep}/summary.log",
    benchmark:
        "results/benchmarks/sweeps/{sweep}/summary.tsv"
    wildcard_constraints:
        sweep=SWEEP_CONSTRAINTS["sweep"],
    conda:
        "../envs/mlplab.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        sweep=lambda wildcards: sweep_params(wildcards.sweep),
    message:
        "{rule} [{wildcards}]"
    script:
        "../scripts/sweep_summary.py"


rule plot_sweep:
    input:
        summary=rules.sweep_summary.output[0],
        lib=lib("plot_sweep.py"),
    output:
        svg=report(
            "results/sweeps/{sweep}/figure.svg",
            caption="../captions/sweep_figure.rst",
            category="Exercises",
            subcategory="{sweep}",
            labels=sweep_labels("figure"),
        ),
        png="results/sweeps/{sweep}/figure.png",
    log:
        "logs/sweeps/{sweep}/plot.log",
    benchmark:
        "results/benchmarks/sweeps/{sweep}/plot.tsv"
    wildcard_constraints:
        sweep=SWEEP_CONSTRAINTS["sweep"],
    conda:
        "../envs/mlplab.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        sweep=lambda wildcards: sweep_params(wildcards.sweep),
    message:
        "{rule} [{wildcards}]"
    script:
        "../scripts/plot_sweep.py"


rule exercises_report:
    input:
        summaries=expand(rules.sweep_summary.output, sweep=SWEEPS),
        figures=expand(rules.plot_sweep.output.svg, sweep=SWEEPS),
        templates=[
            os.path.join(TEMPLATES, name) for name in ("exercises.html.j2", "page_style.html.j2")
        ],
        lib=lib("exercises_report.py"),
    output:
        report(
            "results/exercises.html",
            caption="../captions/exercises_html.rst",
            category="Exercises",
        ),
    log:
        "logs/sweeps/exercises_report.log",
    benchmark:
        "results/benchmarks/sweeps/exercises_report.tsv"
    conda:
        "../envs/mlplab.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        sweeps=[sweep_params(name) for name in SWEEPS],
        # The sweeps' run folders: any other folder under results/sweeps is listed as not from the config.
        runs=sorted(r for r in produced_runs(config, SWEEPS) if r.startswith("sweeps/")),
    message:
        "{rule}: results/exercises.html"
    script:
        "../scripts/exercises_report.py"


# `snakemake --cores all exercises`: every sweep's runs, summary and figure, and results/exercises.html.
rule exercises:
    input:
        sweep_outputs(),
        rules.exercises_report.output,
        # Every run the sweeps read, so that a deleted one is trained again (its point's block).
        [f for name in SWEEPS for f in sweep_run_files(name)],
    localrule: True
    message:
        "{rule}: every sweep's runs, summary and figure"
