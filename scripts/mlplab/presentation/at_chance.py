"""How the tables and pages show runs that completed no better than chance. The rule itself is declared
once (`catalogue.chance_level`, read through `run_reading.chance`); what is decided here is how a count of
them reads and when it is expected.

A run at chance keeps its status (it trained and finished), so without a mark of its own it would pass for
a poor but real result. Some entries are at chance by design: the dropout p = 1 ablation passes no signal.
Their hyperparameters say so in `departures()`, and such a result is marked as expected, not as a fault.
"""

from __future__ import annotations

import math

from mlplab.workflow.catalogue import parse_entry

# What a departure from the book says when it leaves nothing to learn ("… chance accuracy").
CHANCE_WORD = "chance"


def expects_chance(departures) -> bool:
    """Whether an entry's departures from the book (its `departures()`, a list, or the tables' `departures`
    column, joined by "; "; NaN when there are none) make chance accuracy the expected result."""
    if isinstance(departures, float) and math.isnan(departures) or departures is None:
        return False
    notes = departures.split("; ") if isinstance(departures, str) else departures
    return any(CHANCE_WORD in note for note in notes)


def entry_expects_chance(entry: dict) -> bool:
    """`expects_chance` of a catalogue entry (or a sweep point's entry), from its typed hyperparameters."""
    return expects_chance(parse_entry(entry).departures())


def chance_text(n_chance: int, n_seeds: int, expected: bool) -> str:
    """'at chance in 2 of 3 seeds', with '(expected: ablation)' where the entry's departures say so; ''
    for none."""
    if not n_chance:
        return ""
    return f"at chance in {n_chance} of {n_seeds} seeds" + (" (expected: ablation)" if expected else "")
