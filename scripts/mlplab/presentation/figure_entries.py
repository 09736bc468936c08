"""What a figure says about each experiment it shows: its label (departures from the book, divergence,
runs at chance, n) and its colour, from the runs table."""

from __future__ import annotations

import pandas as pd

from mlplab.presentation.at_chance import chance_text
from mlplab.presentation.at_chance import expected as expected_chance
from mlplab.presentation.figure_style import Shown, entry_colours
from mlplab.presentation.tables import at_chance


def experiments_in_order(table: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(table["experiment"]))


def diverged_note(runs: pd.DataFrame, name: str) -> str:
    """'' or 'diverged in 1 of 3 seeds', so a curve that stops early says why."""
    of_name = runs[runs["experiment"] == name]
    n_diverged = int((of_name["status"] != "ok").sum())
    return f"diverged in {n_diverged} of {len(of_name)} seeds" if n_diverged else ""


def chance_note(runs: pd.DataFrame, name: str) -> str:
    """'' or 'at chance in 2 of 3 seeds' (with '(expected: ablation)' where the entry's departures say so)."""
    of_name = runs[runs["experiment"] == name]
    expected = expected_chance(first_row(runs, name))
    return chance_text(int(at_chance(of_name).sum()), len(of_name), expected)


def first_row(runs: pd.DataFrame, name: str):
    """What an experiment is (kind, hyperparameters, departures), from its first run's row."""
    return runs[runs["experiment"] == name].iloc[0]


def colours(runs: pd.DataFrame, names: list[str]) -> dict[str, tuple]:
    """Each experiment's colour, as every figure gives it (`figure_style.entry_colours`)."""
    shown = []
    for name in names:
        row = first_row(runs, name)
        ablation = isinstance(row["departures"], str) and bool(row["departures"])
        shown.append(Shown(name, row["kind"], later=ablation))
    return entry_colours(shown)


def seeds_note(runs: pd.DataFrame, name: str) -> str:
    """'n = 3': the seeds that completed, which every mean and interval of the experiment is over."""
    n = len(completed(runs, name))
    return f"n = {n}" + (", no interval" if n == 1 else "")


def experiment_label(name: str, runs: pd.DataFrame, note: str = "") -> str:
    """The catalogue name, with deliberate departures from the book, any divergence, a figure's own note
    and n spelt out."""
    departures = first_row(runs, name)["departures"]
    notes = [n for n in (departures, diverged_note(runs, name), chance_note(runs, name), note) if n]
    return f"{name} ({'; '.join([*notes, seeds_note(runs, name)])})"


def completed(runs: pd.DataFrame, name: str) -> pd.DataFrame:
    return runs[(runs["experiment"] == name) & (runs["status"] == "ok")]
