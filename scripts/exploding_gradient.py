"""Rule `exploding_gradient`: growth of a product of random matrices."""

import gc

gc.disable()  # before the imports; why: mlplab/joblog.py

import json

from mlplab.analyses import exploding_products
from mlplab.joblog import job_logging

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    table = exploding_products(**json.loads(sm.params.args))
    table.to_csv(sm.output.curves, index=False)
    log.info("largest entry after %d products: 1e%.1f", len(table), table["log10_max_abs"].iloc[-1])
