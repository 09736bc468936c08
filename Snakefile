# mlp-lab: the "Multilayer Perceptrons" chapter of Dive into Deep Learning, end to end.
# Run `snakemake --cores all`; results land in results/ (see README).

from snakemake.utils import min_version

min_version("9.0")


# config.yaml is read in rules/common.smk, after a strict reading of the file as written. The rule files
# follow the data: a sweep's points reuse the training rule (`use rule train as ...`), so experiments.smk
# comes before sweeps.smk; each includes its own helpers.


report: "captions/workflow.rst"


include: "rules/common.smk"
include: "rules/data.smk"
include: "rules/device.smk"
include: "rules/experiments.smk"
include: "rules/analyses.smk"
include: "rules/presentation.smk"
include: "rules/sweeps.smk"
include: "rules/decide.smk"


rule all:
    default_target: True
    input:
        run_outputs(),
        analysis_outputs(),
        report_targets(),
    message:
        "{rule}: the catalogue, the analyses and the report"


rule catalogue:
    input:
        run_outputs(),
        analysis_outputs(),
    message:
        "{rule}: the catalogue's runs and the analyses"


onerror:
    holders.forget()
    mark_pages_stale()


onstart:
    holders.record()


onsuccess:
    holders.forget()
    where_to_look()
