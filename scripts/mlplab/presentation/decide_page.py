"""What `decide` decided and what it cost, from each sweep's last plan (`decide_plan`): a summary table per
sweep (results/decide/<sweep>/summary.csv) and one page (results/decide.html) with each comparison's state,
n and interval, the point selected (classifier sweeps) and whether its edge over the baseline is decided,
and per sweep and in total the comparisons decided, the runs trained against a fixed design at the budget,
and the runs' training time."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from mlplab.presentation import sequential
from mlplab.presentation.decide_plan import BESIDE, DIVERGED, Comparison, Plan
from mlplab.presentation.formatting import NO_VALUE, number
from mlplab.presentation.page_environment import environment
from mlplab.presentation.stats import LEVEL
from mlplab.presentation.topics import METRIC_LABELS
from mlplab.workflow.catalogue import KINDS
from mlplab.workflow.looks import look_seeds
from mlplab.workflow.sweeps import Sweep

BASELINE = "baseline"  # the state column of the baseline's row: it is not compared with itself


def comparison_text(comparison: Comparison) -> str:
    if comparison.decision is None:
        return f"{DIVERGED}: fewer than two seeds completed on both sides (n = {len(comparison.seeds)})"
    return comparison.decision.text()


def summary_table(sweep: Sweep, plan: Plan) -> pd.DataFrame:
    """One row per point: the baseline's, then each comparison's state, the look it was decided at
    (1-based), n, the paired difference on the decided metric with its interval (at the α that look
    spent), the seeds an undecided one would need, and the reported metric's difference beside it."""
    metric = plan.metric
    rows = []
    for point in sweep.points:
        row: dict[str, object] = {
            "point": point.path,
            "label": point.label,
            "seeds": plan.trained.get(point.path, 0),
        }
        if point.path == plan.baseline:
            rows.append({**row, "state": BASELINE})
            continue
        comparison = plan.comparisons.get(point.path)
        if comparison is None:
            continue
        decision = comparison.decision
        row.update(state=comparison.state, look=comparison.look + 1, n=len(comparison.seeds))
        if decision is not None:
            row.update(
                {
                    f"{metric}_diff_mean": decision.mean,
                    f"{metric}_diff_ci_low": decision.low,
                    f"{metric}_diff_ci_high": decision.high,
                    f"{metric}_diff_ci_clipped": decision.clipped,
                    "alpha": decision.alpha,
                    "beyond_margin": decision.beyond_margin,
                    "seeds_needed": decision.seeds_needed,
                    "more_than": decision.more_than,
                }
            )
        if (beside := comparison.beside) is not None:
            other = beside_metric(sweep)
            row.update(
                {f"{other}_diff_mean": beside.difference, f"{other}_diff_ci_low": beside.low,
                 f"{other}_diff_ci_high": beside.high}
            )  # fmt: skip
        row["text"] = comparison_text(comparison)
        rows.append(row)
    table = pd.DataFrame(rows)
    # Counts stay integers where the baseline's row leaves them empty (pandas would write 5.0).
    counts = [c for c in ("look", "n", "seeds_needed") if c in table]
    table[counts] = table[counts].astype("Int64")
    table["selected"] = selected(sweep, plan, table)
    return table


def beside_metric(sweep: Sweep) -> str:
    return BESIDE[KINDS[sweep.kind].family]


def selected(sweep: Sweep, plan: Plan, table: pd.DataFrame) -> pd.Series:
    """A classifier sweep's choice: the point whose paired difference from the baseline is the highest (the
    baseline itself where none is above 0); none for regressions, which select nothing."""
    choice = pd.Series(False, index=table.index)
    column = f"{plan.metric}_diff_mean"
    if not sweep.selects or column not in table or plan.baseline is None:
        return choice
    differences = pd.to_numeric(table[column], errors="coerce").where(table["state"] != DIVERGED)
    best = differences.idxmax() if differences.notna().any() and differences.max() > 0 else None
    choice[best if best is not None else table.index[table["state"] == BASELINE][0]] = True
    return choice


@dataclass(frozen=True)
class Cost:
    decided: int
    comparisons: int
    runs: int  # run folders read (trained, or reused from exercises or the catalogue)
    fixed: int  # run folders a fixed design at the budget would have trained
    seconds: float  # their training time

    def text(self) -> str:
        saved = f", {1 - self.runs / self.fixed:.0%} fewer" if self.fixed else ""
        return (
            f"{self.decided} of {self.comparisons} comparisons decided; {self.runs} runs against "
            f"{self.fixed} for a fixed design at the budget{saved}; "
            f"{number(self.seconds / 60)} min of training"
        )


def fixed_design(sweep: Sweep, looks: tuple[int, ...]) -> set[str]:
    """The run folders every point would have at the budget."""
    seeds = look_seeds(sweep, looks, len(looks) - 1)
    return {folder for point in sweep.points for folder in sweep.run_folders(point, seeds)}


def cost(pairs: list[tuple[Sweep, Plan]]) -> Cost:
    """What deciding cost for these sweeps together: a run read by several sweeps (a shared baseline)
    counts once."""
    read: dict[str, float] = {}
    fixed: set[str] = set()
    for sweep, plan in pairs:
        read.update(plan.read)
        fixed |= fixed_design(sweep, plan.looks)
    comparisons = [c for _, plan in pairs for c in plan.comparisons.values()]
    decided = sum(c.state != sequential.State.UNDECIDED for c in comparisons)
    return Cost(decided, len(comparisons), len(read), len(fixed), math.fsum(read.values()))


def section(sweep: Sweep, plan: Plan, table: pd.DataFrame) -> dict:
    chosen = table[table["selected"]]
    choice = None
    if len(chosen):
        row = chosen.iloc[0]
        edge = "the baseline itself: no point is better" if row["state"] == BASELINE else row["text"]
        choice = {"label": row["label"], "edge": edge, "decided": row["state"] in sequential.DECIDED}
    return {
        "sweep": sweep,
        "metric": METRIC_LABELS.get(plan.metric, plan.metric),
        "baseline": table.loc[table["state"] == BASELINE, "label"].iloc[0] if plan.baseline else None,
        "rows": [
            {
                "label": r["label"],
                "state": r["state"],
                "seeds": int(r["seeds"]),
                "text": r.get("text", ""),
                "selected": bool(r["selected"]),
            }
            for r in table.to_dict("records")
        ],  # fmt: skip
        "choice": choice,
        "cost": cost([(sweep, plan)]).text(),
        "open": plan.open,
    }


def render_decide(sweeps: list[Sweep], plans: dict[str, Plan], tables: dict[str, pd.DataFrame]) -> str:
    looks = next(iter(plans.values())).looks if plans else ()
    spent = sequential.alpha_spent(looks) if looks else ()
    return (
        environment()
        .get_template("decide.html.j2")
        .render(
            sections=[section(s, plans[s.name], tables[s.name]) for s in sweeps],
            total=cost([(s, plans[s.name]) for s in sweeps]).text(),
            looks=[{"seeds": n, "alpha": number(a)} for n, a in zip(looks, spent, strict=True)],
            level=number(LEVEL),
            no_value=NO_VALUE,
        )
    )
