# `snakemake --cores all decide`: the sweeps' comparisons (each point against its sweep's baseline, paired
# by seed) get seeds a look at a time (config.yaml `decide: looks:`) until each is decided. After each
# look the checkpoint `decide_plan` decides what it can (scripts/mlplab/presentation/decide_plan.py) and
# names the runs the next look reads, which Snakemake then trains in the sweeps' seed blocks (or the
# catalogue's train rule); every look's plan is made, even with nothing open, so the DAG keeps its shape.
# results/decide.html and results/decide/<sweep>/summary.csv say what was decided and what it cost.


include: "decide_inputs.smk"


checkpoint decide_plan:
    input:
        unpack(plan_inputs),
        lib=lib("decide_plan.py"),
    output:
        plan_file("{sweep}", "{look}"),
    log:
        "logs/decide/{sweep}/look{look}.log",
    wildcard_constraints:
        sweep=SWEEP_CONSTRAINTS["sweep"],
        look="|".join(str(look) for look in range(len(LOOKS))),
    # A few reads and a JSON file: never worth a cluster job of its own.
    localrule: True
    conda:
        "../envs/mlplab.yaml"
    params:
        sweep=lambda wildcards: sweep_params(wildcards.sweep),
        looks=LOOKS,
    message:
        "{rule} [{wildcards}]"
    script:
        "../scripts/decide_plan.py"


rule decide_report:
    input:
        plans=[plan_file(name, len(LOOKS) - 1) for name in SWEEPS],
        templates=[
            os.path.join(TEMPLATES, name) for name in ("decide.html.j2", "page_style.html.j2")
        ],
        lib=lib("decide_report.py"),
    output:
        summaries=[f"{PLANS}/{name}/summary.csv" for name in SWEEPS],
        page=report(
            "results/decide.html",
            caption="../captions/decide_html.rst",
            category="Decide",
        ),
    log:
        "logs/decide/decide_report.log",
    benchmark:
        "results/benchmarks/decide/decide_report.tsv"
    conda:
        "../envs/mlplab.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        sweeps=[sweep_params(name) for name in SWEEPS],
    message:
        "{rule}: results/decide.html"
    script:
        "../scripts/decide_report.py"


rule decide:
    input:
        rules.decide_report.output,
        decided_runs,
    localrule: True
    message:
        "{rule}: every comparison decided or at its budget"
