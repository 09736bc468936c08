"""How the tables and pages show runs that completed no better than chance. The rule itself is declared
once (`catalogue.chance_level`, read through `run_reading.Run.chance`); what is decided here is how a count
of them reads and when it is expected.

A run at chance keeps its status (it trained and finished), so without a mark of its own it would pass for
a poor but real result. Some entries are at chance by design: the dropout p = 1 ablation passes no signal.
Their hyperparameters say so (`expects_chance`), and such a result is marked as expected, not as a fault.
"""

from __future__ import annotations

from mlplab.workflow.catalogue import parse_entry

EXPECTED = "expects_chance"  # the tables' column: the entry's `expects_chance`


def expected(row) -> bool:
    """Whether a table row's entry is at chance by design (its hyperparameters' `expects_chance`, the
    tables' column of that name; a table written before the column existed expects nothing)."""
    value = row.get(EXPECTED, False) if hasattr(row, "get") else getattr(row, EXPECTED, False)
    return bool(value) and value == value  # NaN (an empty cell read back) is not True


def entry_expects_chance(entry: dict) -> bool:
    """`expects_chance` of a catalogue entry (or a sweep point's entry), from its typed hyperparameters."""
    return parse_entry(entry).expects_chance


def chance_text(n_chance: int, n_seeds: int, expected: bool) -> str:
    """'at chance in 2 of 3 seeds', with '(expected: ablation)' where the entry's departures say so; ''
    for none."""
    if not n_chance:
        return ""
    return f"at chance in {n_chance} of {n_seeds} seeds" + (" (expected: ablation)" if expected else "")
