"""Rule `train`: one catalogue entry, one seed → metrics.csv and run.json."""

import json

import torch

from mlplab.joblog import job_logging
from mlplab.runs import resolve_device, timed_run, write_run

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    hp = json.loads(sm.params.experiment)
    seed = int(sm.wildcards.seed)
    torch.set_num_threads(sm.threads)
    device = resolve_device(sm.params.device)
    log.info(
        "experiment %s seed %d on %s with %d thread(s): %s",
        sm.wildcards.experiment,
        seed,
        device,
        sm.threads,
        hp,
    )
    result, wall = timed_run(hp, seed, dict(sm.input.items()), device)
    for row in result.rows:
        log.info("%s", row)
    if result.status == "diverged":
        # Recorded, not raised: one diverging run must not abort the rest of the workflow.
        log.warning("diverged at epoch %d: a metric became NaN or infinite", result.diverged_at_epoch)
    write_run(
        result,
        name=sm.wildcards.experiment,
        hp=hp,
        seed=seed,
        threads=sm.threads,
        device=device,
        wall_time_s=wall,
        metrics_path=sm.output.metrics,
        run_json_path=sm.output.run,
    )
