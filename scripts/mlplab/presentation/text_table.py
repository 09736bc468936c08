"""A table for a terminal: columns aligned under a header and a rule, fitted to a width by wrapping the
cells of the columns that may wrap (names, words) onto more lines; numbers are never broken."""

from __future__ import annotations

import re
from collections.abc import Sequence

GAP = "  "  # between columns
# Where a cell may break: after a space, an underscore, a slash or a semicolon ("mlp_scratch_" / "relu").
BREAK_AFTER = re.compile(r"[^ _/;]*[ _/;]*")


def pieces(text: str) -> list[str]:
    """The text cut where it may break, each piece keeping the separator it ends with."""
    return [p for p in BREAK_AFTER.findall(text) if p]


def wrapped(text: str, width: int) -> list[str]:
    """The text in lines of at most `width` characters, broken only where `pieces` allows (a piece longer
    than the width stays whole)."""
    lines = [""]
    for piece in pieces(text):
        if lines[-1] and len(lines[-1] + piece.rstrip()) > width:
            lines.append("")
        lines[-1] += piece
    return [line.rstrip() for line in lines]


def narrowest(cells: Sequence[str]) -> int:
    """The narrowest a column can wrap to: its longest unbreakable piece."""
    return max((len(p.rstrip()) for cell in cells for p in pieces(cell)), default=0)


def fitted_widths(columns: list[list[str]], may_wrap: Sequence[bool], width: int) -> list[int]:
    """Each column's width: its longest cell, less, while the table is wider than `width`, a character
    at a time from the widest column that may wrap and is still above its narrowest."""
    widths = [max(map(len, column)) for column in columns]
    floors = [
        narrowest(column) if wraps else w for column, wraps, w in zip(columns, may_wrap, widths, strict=True)
    ]
    while sum(widths) + len(GAP) * (len(widths) - 1) > width:
        shrinkable = [i for i, w in enumerate(widths) if w > floors[i]]
        if not shrinkable:
            break  # as narrow as it goes: wider than asked, never a broken number
        widest = max(shrinkable, key=lambda i: widths[i] - floors[i])
        widths[widest] -= 1
    return widths


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]], may_wrap: Sequence[bool],
               width: int | None = None) -> list[str]:  # fmt: skip
    """The table's lines: header, a rule, then the rows, each cell wrapped to its column (`width` None:
    every cell on one line, however wide)."""
    columns = [list(column) for column in zip(header, *rows, strict=True)]
    if width is None:
        widths = [max(map(len, column)) for column in columns]
    else:
        widths = fitted_widths(columns, may_wrap, width)

    def lines_of(cells: Sequence[str]) -> list[str]:
        parts = [wrapped(cell, w) if len(cell) > w else [cell] for cell, w in zip(cells, widths, strict=True)]
        height = max(map(len, parts))
        return [
            GAP.join(
                (part[k] if k < len(part) else "").ljust(w) for part, w in zip(parts, widths, strict=True)
            ).rstrip()
            for k in range(height)
        ]

    rule = GAP.join("-" * w for w in widths)
    return [*lines_of(header), rule, *(line for row in rows for line in lines_of(row))]
