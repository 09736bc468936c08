"""Rule `train`: one catalogue entry, one seed → metrics.csv (row by row) and run.json."""

import gc

gc.disable()  # before the imports; why: mlplab/joblog.py

import json

import torch

from mlplab.joblog import job_logging
from mlplab.loop import each_epoch
from mlplab.runs import MetricsFile, resolve_device, timed_run, write_run

with job_logging(snakemake.log[0]) as log:  # noqa: F821 (injected by Snakemake)
    sm = snakemake  # noqa: F821
    hp = json.loads(sm.params.experiment)
    seed = int(sm.wildcards.seed)
    torch.set_num_threads(sm.threads)
    device = resolve_device(sm.params.device)
    log.info("%s seed %d on %s, %d thread(s): %s", sm.wildcards.experiment, seed, device, sm.threads, hp)
    metrics = MetricsFile(sm.output.metrics)
    with each_epoch(metrics.write_row):
        result, wall = timed_run(hp, seed, dict(sm.input.items()), device)
    metrics.close(result.columns)
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
