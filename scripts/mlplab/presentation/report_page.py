"""The pages a person reads: results/report.html (one self-contained page per run of the workflow) and
results/README.md.

The report holds a section per topic of `mlplab.presentation.topics.TOPICS` (figures inline as SVG, final
metrics as mean with the 95 % confidence interval of the mean and n, each entry's paired difference from
the topic's baseline, the topic's plain reading, the notes' printed demonstrations as small tables), the
book's published numbers beside ours with a mark where ours fall outside tolerance, and provenance. A
topic whose content really differs adds it in templates/topics/<topic>.html.j2, which the report's loop
includes where it exists.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from markupsafe import Markup

from mlplab.chapter.metrics import TEST_ACC, W_NORM
from mlplab.presentation import stats
from mlplab.presentation.at_chance import chance_text
from mlplab.presentation.at_chance import expected as expected_chance
from mlplab.presentation.book_checks import is_ablation, reference_checks
from mlplab.presentation.formatting import DIGITS, NO_VALUE, finite, number
from mlplab.presentation.formatting import estimate as estimate_text
from mlplab.presentation.page_environment import environment
from mlplab.presentation.summaries import (
    clipped,
    clipped_caption,
    paired_differences,
    statistics_facts,
    summary_text,
)
from mlplab.presentation.svg import inline_svg
from mlplab.presentation.tables import CHANCE, VERSION_PREFIX, at_chance, mean_weights, ordered_metrics
from mlplab.presentation.topics import (
    METRIC_LABELS,
    TOPICS,
    topic_figures,
)
from mlplab.workflow import provenance
from mlplab.workflow.sweeps import orphaned_runs


def status_text(row) -> str:
    """'ok', 'diverged in 1 of 3 seeds', 'at chance in 2 of 3 seeds (expected: ablation)', or both."""
    parts = [f"diverged in {row.n_diverged} of {row.n_seeds} seeds"] if row.n_diverged else []
    parts += [chance_text(getattr(row, "n_chance", 0), row.n_seeds, expected_chance(row))]
    return "; ".join(p for p in parts if p) or "ok"


def row_class(row) -> str:
    """How a table row is marked: a diverged seed first, then a seed at chance (expected or not)."""
    if row.n_diverged:
        return "diverged"
    if getattr(row, "n_chance", 0):
        return "expected" if expected_chance(row) else "chance"
    return ""


def metrics_table(summary: pd.DataFrame, experiments: list[str]) -> dict:
    """Final metrics of the given experiments as text (mean [95 % CI], n), with only the metrics they have."""
    rows = summary[summary["experiment"].isin(experiments)]
    metrics = [
        m
        for m in ordered_metrics(c[: -len("_mean")] for c in rows if c.endswith("_mean"))
        if m not in ("wall_time_s", "seconds_per_epoch") and rows[f"{m}_mean"].notna().any()
    ]
    body = []
    for row in rows.itertuples():
        cells = {m: summary_text(row, m) for m in metrics}
        body.append(
            {
                "experiment": row.experiment,
                "ablation": is_ablation(row),
                "kind": row.kind,
                "status": status_text(row),
                "mark": row_class(row),
                "seeds": row.n_seeds,
                "epochs": row.epochs,
                "metrics": cells,
                "seconds": number(row.wall_time_s_mean),
            }
        )
    shown_clipped = [m for m in metrics if any(clipped(row, m) for row in rows.itertuples())]
    return {
        "metrics": [(m, METRIC_LABELS.get(m, m)) for m in metrics],
        "rows": body,
        "clipped": clipped_caption(shown_clipped),
    }


def diverged_runs(runs: pd.DataFrame) -> list[dict]:
    bad = runs[runs["status"] != "ok"]
    return [
        {"experiment": r.experiment, "seed": r.seed, "epoch": r.diverged_at_epoch, "why": r.divergence}
        for r in bad.itertuples()
    ]


def chance_runs(runs: pd.DataFrame) -> list[dict]:
    """The runs that completed no better than chance, with why, and whether their entry expects it."""
    return [
        {
            "experiment": r.experiment,
            "seed": r.seed,
            "why": r[CHANCE],
            "expected": expected_chance(r),
        }
        for _, r in runs[at_chance(runs)].iterrows()
    ]


def orphaned_files(results: Path, produced: set[str], figures) -> list[str]:
    """Files under `results` that the current catalogue no longer produces: runs of removed entries or
    seeds (a sweep's own seeds of a catalogue entry it reuses count as produced), figures no longer
    drawn. `produced`: the run folders the workflow makes (`sweeps.produced_runs`). Listed, never
    deleted (`snakemake --list-untracked` finds them too)."""
    found = [
        p
        for folder in orphaned_runs(results, produced, "runs")
        for p in sorted((results.parent / folder).iterdir())
    ]
    found += [p for p in sorted((results / "figures").glob("*.*")) if p.stem not in figures]
    return [p.relative_to(results.parent).as_posix() for p in found if p.is_file()]


def benchmark_times(paths) -> pd.DataFrame:
    """Seconds, peak memory and CPU time per job from Snakemake's benchmark files; the job is the
    path under results/benchmarks/ (e.g. train/mlp_scratch/seed0)."""
    rows = []
    for path in map(Path, paths):
        table = pd.read_csv(path, sep="\t")
        job = re.sub(r"^.*?benchmarks/", "", path.as_posix()).removesuffix(".tsv")
        rows.append(
            {
                "job": job,
                "step": job.split("/")[0],
                "seconds": float(table["s"].iloc[-1]),
                "max_rss_mb": pd.to_numeric(table["max_rss"], errors="coerce").iloc[-1],
                "cpu_time_s": pd.to_numeric(table["cpu_time"], errors="coerce").iloc[-1],
            }
        )
    return pd.DataFrame(rows, columns=["job", "step", "seconds", "max_rss_mb", "cpu_time_s"])


def provenance_facts(runs: pd.DataFrame, config: dict, times: pd.DataFrame) -> dict:
    version_columns = [c for c in runs if c.startswith(VERSION_PREFIX)]
    environments = runs[version_columns].astype(str).drop_duplicates()
    versions = [
        {c.removeprefix(VERSION_PREFIX): v for c, v in row.items()} for row in environments.to_dict("records")
    ]
    commits = sorted(set(runs["git_commit"].dropna()))
    by_step = times.groupby("step", sort=False)["seconds"].agg(["count", "sum"]).reset_index()
    return {
        "config_yaml": yaml.safe_dump(config, sort_keys=False, allow_unicode=True),
        "versions": versions,
        "commits": commits,
        "dirty": bool(runs["git_dirty"].fillna(False).astype(bool).any()),
        "report_commit": provenance.git_commit(),
        "machine": provenance.machine(),
        "training_hosts": sorted(set(runs["host"].dropna().astype(str))) if "host" in runs else [],
        "devices": sorted(set(runs["device"].dropna().astype(str))),
        "gpus": sorted(set(runs["gpu"].dropna().astype(str))) if "gpu" in runs else [],
        "threads": sorted(set(runs["threads"].dropna().astype(int))),
        "total_seconds": times["seconds"].sum(),
        "by_step": by_step.to_dict("records"),
        "jobs": times.to_dict("records"),
    }


def analysis_facts(analyses: dict[str, pd.DataFrame]) -> dict:
    """Numbers the readings of the activation and numerical-stability figures quote (None, printed as a
    dash, where the analysis is missing)."""
    names = "sigmoid_grad_max tanh_grad_max sigmoid_edge_x sigmoid_edge_grad products log10_final overflow_at"
    facts = dict.fromkeys(names.split())
    curves = analyses.get("activations")
    if curves is not None:
        facts["sigmoid_grad_max"] = curves["sigmoid_grad"].max()
        facts["tanh_grad_max"] = curves["tanh_grad"].max()
    vanishing = analyses.get("vanishing_gradient")
    if vanishing is not None:
        edge = vanishing.loc[vanishing["x"].abs().idxmax()]
        facts["sigmoid_edge_x"] = abs(edge["x"])
        facts["sigmoid_edge_grad"] = edge["sigmoid_grad"]
    exploding = analyses.get("exploding_gradient")
    if exploding is not None:
        facts["products"] = int(exploding["products"].iloc[-1])
        facts["log10_final"] = exploding["log10_max_abs"].iloc[-1]
        # An overflowing product ends the table with an infinite value (mlplab.chapter.analyses).
        overflowed = exploding.loc[~np.isfinite(exploding["log10_max_abs"]), "products"]
        facts["overflow_at"] = int(overflowed.iloc[0]) if len(overflowed) else None
    return facts


def demo_matrices(table: pd.DataFrame, fmt: str) -> list[dict]:
    """Each matrix of a printed demonstration's table (columns `matrix`, `row`, `c0`, `c1`, …, see
    `mlplab.chapter.analyses.matrix_table`) as its label and rows of text, in the table's order."""
    columns = [c for c in table.columns if re.fullmatch(r"c\d+", c)]
    return [
        {
            "label": label,
            "rows": [[format(v, fmt) for v in row] for row in group.sort_values("row")[columns].to_numpy()],
        }
        for label, group in table.groupby("matrix", sort=False)
    ]


def weight_vectors(weights: pd.DataFrame) -> dict[str, dict]:
    """Each polynomial entry's learned weights as the notes print them after training (`weight:`, every
    coefficient): a row per seed, the mean over the seeds that completed, and the true weights.
    Experiment → {"columns": ["w[0]", …], "rows": [{"label", "cells", "diverged"}]}."""
    means = mean_weights(weights)
    vectors = {}
    for name, fits in weights.groupby("experiment", sort=False):
        n = int(fits["coefficient"].max()) + 1

        def cells(values, n=n) -> list[str]:
            text = [number(v) for v in values]
            return text + ["–"] * (n - len(text))

        rows = []
        for seed, fit in fits.groupby("seed", sort=False):
            status = fit["status"].iloc[0]
            rows.append(
                {
                    "label": f"seed {seed}" + ("" if status == "ok" else f" ({status})"),
                    "cells": cells(fit.sort_values("coefficient")["learned"]),
                    "diverged": status != "ok",
                }
            )
        mean = means[means["experiment"] == name].sort_values("coefficient")["mean"]
        true = fits.drop_duplicates("coefficient").sort_values("coefficient")["true"]
        mean_label = "mean" if len(mean) else "mean (no seed completed)"
        rows += [
            {"label": mean_label, "cells": cells(mean), "diverged": False},
            {"label": "true", "cells": cells(true), "diverged": False},
        ]
        vectors[name] = {"columns": [f"w[{i}]" for i in range(n)], "rows": rows}
    return vectors


def seed_finals(runs: pd.DataFrame) -> dict[str, list[dict]]:
    """Each experiment's runs in seed order with their final metrics, for readings that quote them per
    seed as the notes print them per training (e.g. {'wd_scratch_lambda0': [{'seed': 0, 'status':
    'ok', 'w_norm': 12.9, …}, …]})."""
    by_experiment = runs.groupby("experiment", sort=False)
    return {name: group.sort_values("seed").to_dict("records") for name, group in by_experiment}


def experiment_facts(summary: pd.DataFrame) -> dict[str, dict]:
    """Final means by experiment, for the readings (e.g. {'mlp_scratch': {'test_acc': 0.84, ...}})."""
    means = [c for c in summary.columns if c.endswith("_mean")]
    return {
        row["experiment"]: {c.removesuffix("_mean"): row[c] for c in means} | {"kind": row["kind"]}
        for _, row in summary.iterrows()
    }


def render_report(
    *,
    summary: pd.DataFrame,
    runs: pd.DataFrame,
    weights: pd.DataFrame,
    figures: dict[str, Path],
    analyses: dict[str, pd.DataFrame],
    benchmarks,
    config: dict,
    results: Path | None = None,
    produced: set[str] | None = None,
) -> str:
    """The report of the workflow run `config` describes; `figures` maps figure names to SVG files;
    `results` is the folder the results lie in and `produced` the run folders the workflow makes (for
    files the catalogue no longer produces)."""
    checks = reference_checks(summary, weights, config, runs)
    times = benchmark_times(benchmarks)
    context = {
        "figures": {name: inline_svg(Path(path).read_text()) for name, path in figures.items()},
        "checks": checks,
        # The checks quote accuracies and ‖w‖: where one's interval was clipped, the caption says how.
        "clipped_note": clipped_caption([TEST_ACC, W_NORM]),
        "outside": [c for c in checks if c.within is False and not c.expected_miss],
        "diverged": diverged_runs(runs),
        "chance": chance_runs(runs),
        "orphaned": orphaned_files(Path(results), produced or set(), figures) if results else [],
        "facts": analysis_facts(analyses),
        "experiments": experiment_facts(summary),
        "seed_finals": seed_finals(runs),
        "statistics": statistics_facts(),
        "weight_vectors": weight_vectors(weights),
        "n_runs": len(runs),
        "seeds": config["seeds"],
        "polynomial": config["data"]["polynomial"],
        "provenance": provenance_facts(runs, config, times),
    }
    env = environment()
    # The SVGs are our own files, written by plots.py: trusted markup, not text to escape.
    env.filters["svg"] = lambda name: Markup(context["figures"][name])
    context["sections"] = {
        topic.name: section(env, topic, config["experiments"], summary, runs, figures, analyses, context)
        for topic in TOPICS.values()
    }
    return env.get_template("report.html.j2").render(**context)


def section(
    env, topic, catalogue: dict, summary: pd.DataFrame, runs: pd.DataFrame, figures, analyses, context: dict
) -> dict:
    """One topic's part of the report: title, figures, its entries' table, their paired differences from
    the topic's baseline, its reading and the notes' printed demonstrations it shows (those whose analysis
    is among `analyses`)."""
    experiments = topic.runs.select(catalogue) if topic.runs else []
    part = {
        "title": topic.title,
        "figures": [f for f in topic_figures(topic.name, catalogue) if f in figures],
        "experiments": experiments,
        "table": metrics_table(summary, experiments) if topic.runs else None,
        "checks": topic.checks,
        "paired": None,
    }
    if topic.baseline:
        part["paired"] = paired_differences(topic.baseline, catalogue, experiments, runs)

    def final(name: str, metric: str, minus: str | None = None, digits: int = DIGITS) -> str:
        """The final `metric` (less `minus`, seed by seed) over the completed seeds, as `estimate_text`;
        the interval of a metric (not of a difference) clipped to what it can be, and said so."""
        values = [
            run[metric] - (run[minus] if minus else 0)
            for run in context["seed_finals"].get(name, [])
            if run["status"] == "ok"
        ]
        values = [v for v in values if finite(v)]
        if not values:
            return NO_VALUE
        e = stats.mean_ci(values) if minus else stats.mean_ci(values).within(metric)
        text = estimate_text(e.mean, e.low, e.high, e.n, digits)
        return f"{text} ({stats.clipped_note([metric])})" if e.clipped else text

    def per_seed(name: str, metric: str, digits: int = DIGITS) -> str:
        """'seed 0: 13.0, seed 1: 12.9', a diverged seed marked."""
        return ", ".join(
            f"seed {run['seed']}: {number(run.get(metric), digits)}"
            + ("" if run["status"] == "ok" else f" ({run['status']})")
            for run in context["seed_finals"].get(name, [])
        )

    # Readings and notes are our own templates; what they quote is escaped as they render.
    def render(template: str) -> Markup:
        text = env.get_template(template).render(**context, section=part, final=final, per_seed=per_seed)
        return Markup(text.strip())

    demos = [
        {
            "analysis": demo.analysis,
            "note": render(f"readings/demo_{demo.analysis}.html.j2"),
            "matrices": demo_matrices(analyses[demo.analysis], demo.format),
        }
        for demo in topic.demos
        if demo.analysis in analyses
    ]
    return {**part, "reading": render(topic.reading), "demos": demos}


def render_results_readme(*, experiments: list[tuple[str, str]], seeds, figures, topics) -> str:
    """`experiments`: (name, kind) pairs in catalogue order."""
    template = environment(autoescape=False).get_template("results_readme.md.j2")
    return template.render(experiments=experiments, seeds=seeds, figures=figures, topics=topics)
