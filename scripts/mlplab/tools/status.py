"""mlplab-status [RESULTS]: where the workflow's runs stand, from the files alone.

What there is to run comes from the config (`status_plan`), each run's state from its folder
(`mlplab.workflow.run_reading.run_state`, as mlplab-compare reads them); Snakemake is never asked and
nothing is locked, so this works beside a running Snakemake, and on a cluster from a login node that sees
the shared folder. `--watch` redraws until Ctrl-C.

Exit status: 0; 2 for a missing results folder or a config that cannot be read (one line on stderr).
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import statistics
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from mlplab.presentation.formatting import number
from mlplab.tools.status_decide import decide_lines
from mlplab.tools.status_plan import ConfigError, Group, Run, load_config, plan
from mlplab.workflow.run_reading import RunState, State, of_planned, printable, run_state

PROG = "mlplab-status"
WIDTH = 110  # every line fits a terminal this wide
NAME_WIDTH = (12, 32)  # the name column's narrowest and widest
WATCH_S = 5.0
CLEAR = "\x1b[H\x1b[2J"
COLOURS = {
    State.RUNNING: "36",
    State.STALLED: "31",
    State.FAILED: "31",
    State.DONE: "32",
    State.OUT_OF_DATE: "33",
    State.DIVERGED: "35",
    State.CHANCE: "33",
    State.WAITING: "2",
}
# What the states are read from: a change of code or data makes a run stale too, which only Snakemake sees.
SEEN = "(from the run folders and config.yaml: code and data changes show in `snakemake -n`)"
# Within a group, what needs a look comes first.
FIRST = {State.RUNNING: 0, State.STALLED: 1, State.FAILED: 2, State.OUT_OF_DATE: 3}


class NoResults(ValueError):
    """The results folder is not there."""


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def cut_left(text: str, width: int) -> str:
    return text if len(text) <= width else "…" + text[len(text) - width + 1 :]


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def counts(tally: Counter) -> str:
    """'1 running, 5 done, 6 waiting', in the states' order."""
    return ", ".join(f"{tally[state]} {state}" for state in State if tally[state])


def packed(items: Iterable[str], width: int) -> list[str]:
    """Items joined by two spaces into lines of at most `width`, never splitting an item that fits."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + 2 + len(item) <= width:
            lines[-1] += "  " + item
        else:
            lines.extend(textwrap.wrap(item, width) or [""])
    return lines


def metric_text(value: str) -> str:
    try:
        return number(float(value))
    except ValueError:
        return value


def clock(seconds: float) -> str:
    """'0:42', '12:05', '1:02:03'."""
    minutes, secs = divmod(round(max(seconds, 0.0)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def time_of_day(epoch_s: float) -> str:
    return time.strftime("%H:%M", time.localtime(epoch_s))


def details(state: RunState, now: float) -> tuple[str, list[str]]:
    """A run's detail (the text after its state) and, for a running job, its last epoch's metrics."""
    metrics = [f"{name} {metric_text(value)}" for name, value in state.metrics.items()]
    if state.state == State.RUNNING:
        progress = [of_planned(state.epochs or 0, state.planned), f"{clock(state.elapsed_s or 0)} elapsed"]
        progress.append(f"~{clock(state.left_s)} left" if state.left_s is not None else "no estimate yet")
        return ", ".join(progress) + (f"; {state.why}" if state.why else ""), metrics
    if state.state == State.STALLED and state.since is not None:
        quiet = f"nothing written for {clock(now - state.since)}"
        text = f"since {time_of_day(state.since)}: {of_planned(state.epochs or 0, state.planned)}, {quiet}"
        return text + (f"; {state.why}" if state.why else ""), metrics
    if state.state == State.DONE:
        took = f" in {clock(state.elapsed_s)}" if state.elapsed_s is not None else ""
        return f"{plural(state.epochs or 0, 'epoch')}{took}", []
    if state.state == State.OUT_OF_DATE:
        return f"({state.why}): reruns on the next snakemake", []
    if state.log is not None:
        return f"{state.why} (log: {os.path.relpath(state.log)})", []
    return state.why, []


class Table:
    """The lines of one frame, in columns: name, seed, state, then a detail wrapped to the width."""

    def __init__(self, names: list[str], seeds: list[int], colour: bool):
        """`names`, `seeds`: those of the rows shown, to size the columns."""
        self.name_width = min(max(NAME_WIDTH[0], *map(len, names)), NAME_WIDTH[1])
        self.seed_width = max((len(f"seed {seed}") for seed in seeds), default=6)
        self.state_width = max(map(len, State))
        self.colour = colour
        self.lines: list[str] = []

    @property
    def detail_at(self) -> int:
        return 2 + self.name_width + 2 + self.seed_width + 2 + self.state_width + 2

    def painted(self, state: State) -> str:
        cell = f"{state:<{self.state_width}}"
        return f"\x1b[{COLOURS[state]}m{cell}\x1b[0m" if self.colour else cell

    def continued(self, texts: list[str], at: int) -> None:
        self.lines.extend(" " * at + text for text in texts)

    def run(self, name: str, run: Run, state: RunState, now: float) -> None:
        text, metrics = details(state, now)
        width = WIDTH - self.detail_at
        wrapped = textwrap.wrap(text, width, break_on_hyphens=False) or [""]
        shown = cut(printable(name), self.name_width)
        head = f"  {shown:<{self.name_width}}  {f'seed {run.seed}':<{self.seed_width}}  "
        self.lines.append((head + self.painted(state.state) + "  " + wrapped[0]).rstrip())
        self.continued(wrapped[1:] + packed(metrics, width), self.detail_at)

    def summary(self, name: str, text: str) -> None:
        at = 2 + self.name_width + 2
        wrapped = textwrap.wrap(text, WIDTH - at) or [""]
        self.lines.append(f"  {cut(printable(name), self.name_width):<{self.name_width}}  {wrapped[0]}")
        self.continued(wrapped[1:], at)


def title(results: Path, config: Path, stamp: str) -> str:
    """'mlplab-status: results (config config.yaml) at 2025-05-01 14:02:31', long paths cut at the left."""
    room = WIDTH - len(f"{PROG}:  (config ) at {stamp}")
    shown, config_shown = str(results), str(config)
    if len(shown) + len(config_shown) > room:
        shown = cut_left(shown, max(room - len(config_shown), room // 2))
        config_shown = cut_left(config_shown, room - len(shown))
    return f"{PROG}: {shown} (config {config_shown}) at {stamp}"


def ordered(runs: list[tuple[Run, RunState]]) -> list[tuple[Run, RunState]]:
    return sorted(runs, key=lambda pair: FIRST.get(pair[1].state, len(FIRST)))


def sweep_line(group: Group, tally: Counter) -> str:
    """'18 runs (6 points × 3 seeds; lr~0.1 read from init's runs): 12 done, 6 waiting'."""
    borrowed = "; ".join(f"{point} read from {owner}'s runs" for point, owner in group.borrowed.items())
    if not group.runs:
        return f"no runs of its own ({borrowed or 'each of its points reuses another run'})"
    shape = f"{plural(group.points, 'point')} × {plural(group.seeds, 'seed')}"
    return f"{plural(len(group.runs), 'run')} ({'; '.join(filter(None, [shape, borrowed]))}): {counts(tally)}"


# Each section of the frame: the runs of one target, with the command that makes them.
SECTIONS = {
    False: ("catalogue", "the default target, snakemake --cores all"),
    True: ("exercises", "snakemake --cores all exercises"),
}


def render(results: Path, config_path: Path, colour: bool = False, now: float | None = None) -> str:
    """One frame: the title; the default target's catalogue entries and their runs; the exercises' sweeps
    (each a line, with their running and failed points), "not started" while none of their runs exists;
    where decide stands; the default target's totals. Raises NoResults or ConfigError."""
    if not results.is_dir():
        raise NoResults(
            f"{results}: no such folder (nothing has run yet, or this is not the workflow folder); "
            f"give the results folder: {PROG} RESULTS"
        )
    config = load_config(config_path)
    groups = plan(config, results, config_path)
    now = time.time() if now is None else now
    listed = []  # each group, its runs' states, and the rows it shows
    for group in groups:
        states = ordered(group_states(group, now))
        # A sweep shows the points that need a look; a catalogue entry, every run.
        listed.append((group, states, [(r, s) for r, s in states if not group.sweep or s.state in FIRST]))
    names = [g.name for g in groups] + [f"  {r.point}" for g, _, rows in listed if g.sweep for r, _ in rows]
    table = Table(names, [r.seed for _, _, rows in listed for r, _ in rows], colour)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
    table.lines.append(title(results, config_path, stamp))
    totals: dict[bool, Counter] = {False: Counter(), True: Counter()}
    for sweep in (False, True):
        section = [item for item in listed if item[0].sweep == sweep]
        for _, states, _ in section:
            totals[sweep].update(state.state for _, state in states)
        if not section:
            continue
        name, command = SECTIONS[sweep]
        started = set(totals[sweep]) != {State.WAITING}
        table.lines += ["", f"{name} ({command})" + ("" if started else ": not started")]
        for group, states, rows in section:
            if sweep:
                table.summary(group.name, sweep_line(group, Counter(state.state for _, state in states)))
            for n, (run, state) in enumerate(rows):
                table.run(f"  {run.point}" if sweep else "" if n else group.name, run, state, now)
    decided = decide_lines(config, results)
    if decided:
        table.lines += ["", "decide (snakemake --cores all decide)"]
        for sweep_name, text in decided:
            table.summary(sweep_name, text)
    catalogue = totals[False]
    table.lines += ["", f"total  {plural(sum(catalogue.values()), 'run')} of the default target: "
                    f"{counts(catalogue) or 'none'}", SEEN]  # fmt: skip
    return "\n".join(table.lines) + "\n"


def group_states(group: Group, now: float) -> list[tuple[Run, RunState]]:
    """Each run's state; a run that has written no row yet is judged stalled by the pace of its finished
    seeds, where there are some."""
    states = [(run, run_state(run.folder, run.epochs, now, entry=run.entry)) for run in group.runs]
    paces = [s.run.record.seconds_per_epoch for _, s in states if s.run and s.run.record.seconds_per_epoch]
    if not paces:
        return states
    pace = statistics.median(paces)
    return [
        (
            run,
            run_state(run.folder, run.epochs, now, entry=run.entry, epoch_s=pace)
            if state.epochs == 0
            else state,
        )
        for run, state in states
    ]


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not value > 0 or not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Where the workflow's runs stand, read from the run folders alone (works beside a "
        "running Snakemake and on a cluster's shared folder).",
        epilog=f"States: {', '.join(State)}. Exit status: 0; 2 for a missing results folder or a config "
        "that cannot be read.",
    )
    parser.add_argument(
        "results", metavar="RESULTS", nargs="?", type=Path, default=Path("results"),
        help="the workflow's results folder (default: results)",
    )  # fmt: skip
    parser.add_argument(
        "--config", metavar="FILE", type=Path,
        help="the workflow's config (default: config.yaml in the folder that holds RESULTS)",
    )  # fmt: skip
    parser.add_argument(
        "--watch", metavar="SECONDS", nargs="?", type=positive_seconds, const=WATCH_S,
        help=f"redraw every SECONDS (default {WATCH_S:g}) until Ctrl-C",
    )  # fmt: skip
    return parser


def frame_or_why(results: Path, config: Path, colour: bool, every: float) -> str:
    """A frame, or why none can be drawn now (the config mid-edit): a watch keeps going and retries."""
    try:
        return render(results, config, colour)
    except (NoResults, ConfigError) as e:
        return f"{PROG}: {e} (retrying every {every:g} s)\n"


def default_config(results: Path) -> Path:
    """config.yaml in the workflow folder, the one that holds RESULTS (also for RESULTS given as `.`)."""
    return Path(os.path.relpath(results.absolute().parent / "config.yaml"))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    config = args.config or default_config(args.results)
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    try:
        frame = render(args.results, config, colour)
    except (NoResults, ConfigError) as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 2
    if args.watch is None:
        sys.stdout.write(frame)
        return 0
    # Each frame replaces the last on a terminal; written to a file or a pipe, frames follow one another.
    clear = CLEAR if sys.stdout.isatty() else "\n"
    stop = ctrl_c_flag()
    while True:
        sys.stdout.write(clear + frame)
        sys.stdout.flush()
        deadline = time.monotonic() + args.watch
        while not stop and time.monotonic() < deadline:
            time.sleep(min(0.1, args.watch))
        if stop:
            sys.stdout.write("\n")
            return 0
        frame = frame_or_why(args.results, config, colour, args.watch)


def ctrl_c_flag() -> list[bool]:
    """A flag that Ctrl-C sets, read while the watch waits. A KeyboardInterrupt raised wherever the signal
    lands could be swallowed (inside a finalizer it is only printed) and the watch go on; a second Ctrl-C
    interrupts at once."""
    stop: list[bool] = []

    def interrupted(signum, frame):
        stop.append(True)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGINT, interrupted)
    return stop


if __name__ == "__main__":
    sys.exit(main())
