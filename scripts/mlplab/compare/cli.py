"""mlplab-compare A B: what changed between two results folders, beyond seed noise.

Reads every seed folder under two results folders (`reading`), never runs Snakemake, gives each catalogue
entry's final metrics one verdict (`verdicts`) and prints them as a table; --markdown and --html write
the same as a file (`rendering`, `rendering_html`). Provenance (package versions, device, GPU, hostname,
git commit, threads, data fingerprints) is compared per run (`provenance`).

Exit status: 0, or 1 with --fail-on-change when any verdict is changed, not tested, config or data changed,
diverged or only in one folder, a seed folder is unfinished or (without --allow-seed-difference) on one side
only, or a run is at chance on one side only; 2 for bad input (one line on stderr naming the folder or file),
checked before anything is read where it can be: an output file inside A or B (it could overwrite a run's
files), a runs/ or sweeps/ folder given for a results folder.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from mlplab.compare.reading import BadInput, load_results, misplaced
from mlplab.compare.rendering import format_markdown, format_text
from mlplab.compare.rendering_html import format_html
from mlplab.compare.verdicts import compare
from mlplab.presentation import stats
from mlplab.presentation.margins import Margin

PROG = "mlplab-compare"


def parse_margin(text: str) -> tuple[str, Margin]:
    """METRIC=VALUE, VALUE absolute (0.01) or relative to A's mean (2%)."""
    metric, sep, value = text.partition("=")
    relative = value.strip().endswith("%")
    try:
        number = float(value.strip().removesuffix("%"))
    except ValueError:
        number = math.nan
    if not sep or not metric.strip() or not math.isfinite(number) or number < 0:
        raise argparse.ArgumentTypeError(
            f"expected METRIC=VALUE with VALUE a number ≥ 0, optionally with %, got {text!r}"
        )
    metric = metric.strip()
    low, high = stats.metric_range(metric)
    if not relative and number >= high - low:
        raise argparse.ArgumentTypeError(
            f"an absolute margin of {number:g} for {metric}, which lies in [{low:g}, {high:g}], would call "
            f"any difference noise; give it in the metric's unit (e.g. {metric}=0.05 for five points) or "
            f"relative to A's mean (e.g. {metric}=5%)"
        )
    return metric, Margin(number / 100 if relative else number, relative)


def level_type(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="What changed between two results folders, beyond seed noise.",
        epilog="Verdicts: identical, within noise, changed, not tested (fewer than 2 completed seeds on a "
        "side), config changed, data changed, diverged, only in A, only in B. Exit status: 0; 1 with "
        "--fail-on-change when any verdict is changed, not tested, config or data changed, diverged or only "
        "in one folder, a seed folder is unfinished or (without --allow-seed-difference) on one side only, "
        "or a run is at chance on one side only; 2 for bad input.",
    )
    parser.add_argument("a", metavar="A", type=Path, help="results folder before (e.g. results-before)")
    parser.add_argument("b", metavar="B", type=Path, help="results folder after (e.g. results)")
    parser.add_argument("--markdown", metavar="FILE", type=Path, help="also write a GitHub-flavoured table")
    parser.add_argument("--html", metavar="FILE", type=Path, help="also write one self-contained HTML page")
    parser.add_argument(
        "--wide",
        action="store_true",
        help="print every row (the identical ones too) and every column (A's and B's intervals, the "
        "detectable difference), however wide; the default fits 100 columns",
    )
    parser.add_argument(
        "--fail-on-change",
        action="store_true",
        help="exit 1 when any verdict is changed, not tested, config or data changed, diverged, only in A "
        "or only in B, a seed folder is unfinished or on one side only, or a run is at chance on one side "
        "only",
    )
    parser.add_argument(
        "--allow-seed-difference",
        action="store_true",
        help="seed sets that differ by design (3 seeds against 5) do not fail --fail-on-change; they are "
        "still named, and unfinished runs still fail",
    )
    parser.add_argument(
        "--level", type=level_type, default=stats.LEVEL, help="significance level after Holm (default 0.05)"
    )
    parser.add_argument(
        "--margin",
        metavar="METRIC=VALUE",
        type=parse_margin,
        action="append",
        default=[],
        help="equivalence margin for a metric, absolute (test_acc=0.01) or relative to A's mean "
        "(test_loss=2%%); repeat for more metrics. Defaults: accuracies 0.005, losses and w_norm 5%%",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse has printed its message (or the help)
        return int(exit_.code or 0)
    try:
        check_paths(args.a, args.b, {"--markdown": args.markdown, "--html": args.html})
        comparison = compare(
            load_results(args.a),
            load_results(args.b),
            level=args.level,
            margins=dict(args.margin),
            allow_seed_difference=args.allow_seed_difference,
        )
        print(format_text(comparison, wide=args.wide), end="")
        for path, render in ((args.markdown, format_markdown), (args.html, format_html)):
            if path is not None:
                try:
                    path.write_text(render(comparison))
                except OSError as error:
                    raise BadInput(f"{path}: cannot write ({error.strerror})") from None
    except BadInput as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    failing = comparison.failing()
    if args.fail_on_change and failing:
        print(f"{PROG}: failing on change: {', '.join(failing)}", file=sys.stderr)
        return 1
    return 0


def check_paths(a: Path, b: Path, outputs: dict[str, Path | None]) -> None:
    """Refuse, before reading anything, an output file inside A or B and a runs/ or sweeps/ folder given
    for a results folder."""
    for option, path in outputs.items():
        for side, folder in (("A", a), ("B", b)):
            if path is not None and path.resolve().is_relative_to(folder.resolve()):
                raise BadInput(
                    f"{option} {path} lies inside {side} ({folder}), where it could overwrite a run's files; "
                    "write it outside both results folders"
                )
    for folder in (a, b):
        mistake = misplaced(folder)
        if mistake:
            raise BadInput(mistake)


if __name__ == "__main__":
    sys.exit(main())
