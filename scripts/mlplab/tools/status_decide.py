"""Where `decide` stands, for mlplab-status: each sweep's latest plan (`decide_plan`), read from
results/decide/<sweep>/look<k>.json: the look it reached, the comparisons still open and the seeds the next
look trains for them. Nothing while no plan is made."""

from __future__ import annotations

from pathlib import Path

from mlplab.presentation.decide_plan import Plan, read_plan
from mlplab.workflow.looks import plan_file
from mlplab.workflow.run_record import RESULTS, seed_of
from mlplab.workflow.sweeps import expand_all, looks_of


def latest_plan(results: Path, sweep: str, looks: tuple[int, ...]) -> Plan | None:
    """The sweep's plan of the latest look made (a plan that cannot be read counts as not made)."""
    for look in reversed(range(len(looks))):
        path = results / Path(plan_file(sweep, look)).relative_to(RESULTS)
        if path.exists():
            try:
                return read_plan(path)
            except (OSError, ValueError, KeyError, TypeError):
                return None
    return None


def plan_line(plan: Plan) -> str:
    """'look 2 of 5: 3 of 7 comparisons open; the next look trains seeds 5–7 of 3 points and the
    baseline' or, at the budget, 'decided 6 of 7 comparisons at the budget (look 5 of 5)'."""
    where = f"look {plan.look + 1} of {len(plan.looks)}"
    total, still_open = len(plan.comparisons), len(plan.open)
    if not total:
        return f"{where}: nothing to compare (no baseline point)"
    if not plan.next_reads:
        return f"{where}: {total - still_open} of {total} comparisons decided" + (
            f", {still_open} undecided at the budget" if still_open else ""
        )
    seeds = sorted(
        {s for folders in plan.next_reads.values() for f in folders if (s := seed_of(f)) is not None}
    )
    span = f"{seeds[0]}–{seeds[-1]}" if len(seeds) > 1 else str(seeds[0])
    return (
        f"{where}: {still_open} of {total} comparisons open; the next look trains seeds {span} for them "
        "(their points' and the baseline's)"
    )


def decide_lines(config: dict, results: Path) -> list[tuple[str, str]]:
    """(sweep, where its decisions stand) for each sweep with a plan; empty while decide has not run."""
    looks = looks_of(config)
    found = [(name, latest_plan(results, name, looks)) for name in expand_all(config)]
    return [(name, plan_line(plan)) for name, plan in found if plan is not None]
