"""The workflow's console (`logger: [mlplab]` in its profiles): in a run, a job's start and its end take a
line each, the start naming what the job is (its rule's `message:`), the end how far the run has got; the
scheduler's own chatter (selecting and executing jobs, updating checkpoints) is left out. In a dry run a
job is its message, its reason and the files it writes. Errors (with their logs: `show-failed-logs`),
warnings and everything else print as Snakemake prints them, without a failed job's input list.

Snakemake finds logger plugins by this package's name (`snakemake_logger_plugin_<name>`) among the
installed modules; the library's editable install puts scripts/ on the path. This module imports
Snakemake's own formatter and colours, so it follows the installed Snakemake (pinned in the lock).
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from snakemake.logging import ColorizingTextHandler, DefaultFormatter, get_event, is_quiet_about
from snakemake_interface_logger_plugins.base import LogHandlerBase
from snakemake_interface_logger_plugins.common import LogEvent

# Lines the scheduler prints between jobs that say nothing a person acts on.
SCHEDULER_CHATTER = frozenset(
    {
        "Select jobs to execute...",
        "Updating checkpoint dependencies.",
        "DAG of jobs will be updated after completion.",
    }
)


def clock() -> str:
    return time.strftime("[%H:%M:%S]")


class ConsoleFormatter(DefaultFormatter):
    """Snakemake's formatter, with a job's start and end in a line each outside dry runs."""

    def __init__(self, quiet: Any, show_failed_logs: bool, dryrun: bool) -> None:
        super().__init__(quiet, show_failed_logs)
        self.dryrun = dryrun
        self.finished: list[int] = []  # jobs finished since the last progress line

    def format(self, record: logging.LogRecord) -> str:
        event = get_event(record)
        if self.dryrun:
            return self.planned(record) if event == LogEvent.JOB_INFO else super().format(record)
        if event is None and record.getMessage() in SCHEDULER_CHATTER or event == LogEvent.JOB_STARTED:
            return ""
        if event == LogEvent.JOB_INFO and getattr(record, "rule_msg", None):
            # Why a job runs is what a dry run is for (`snakemake -n` prints it); the run says what it is.
            return f"{clock()} Job {record.jobid}: {record.rule_msg}"  # type: ignore[attr-defined]
        if event == LogEvent.JOB_FINISHED:
            self.finished.append(record.job_id)  # type: ignore[attr-defined]
            return ""
        if event == LogEvent.PROGRESS:
            jobs = ", ".join(map(str, self.finished))
            self.finished.clear()
            done, total = record.done, record.total  # type: ignore[attr-defined]
            share = 100 * done // max(total, 1)
            return f"{clock()} Finished job {jobs}: {done} of {total} steps ({share}%) done"
        return super().format(record)

    def planned(self, record: logging.LogRecord) -> str:
        """A job in a dry run: its message and why it runs, then what it writes (not the library modules
        it reads, two dozen for a training job)."""
        msg = record.__dict__
        if not msg.get("rule_msg"):
            return super().format(record)
        lines = ["", f"Job {msg['jobid']}: {msg['rule_msg']}"]  # a blank line between jobs
        if not is_quiet_about(self.quiet, "reason"):
            lines.append(f"Reason: {msg['reason']}")
        lines += [f"    {key}: {', '.join(msg[key])}" for key in ("output", "log") if msg.get(key)]
        if msg.get("benchmark"):
            lines.append(f"    benchmark: {msg['benchmark']}")
        return "\n".join(lines)

    def format_job_error(self, msg: dict[str, Any]) -> str:
        # The job's message, output, log and the log itself; not the two dozen library modules it read.
        return super().format_job_error({**msg, "msg": msg.get("rule_msg"), "input": []})


class LogHandler(LogHandlerBase, ColorizingTextHandler):
    """Writes to the terminal as Snakemake's own handler does (colours, stderr), through ConsoleFormatter."""

    def __post_init__(self) -> None:
        settings = self.common_settings
        ColorizingTextHandler.__init__(
            self,
            nocolor=settings.nocolor,
            formatter=ConsoleFormatter(settings.quiet, settings.show_failed_logs, settings.dryrun),
        )
        if settings.stdout:
            self.setStream(sys.stdout)

    def emit(self, record: logging.LogRecord) -> None:
        # Snakemake's handler puts a blank line before each job; a job's line is enough here.
        message = self.format(record)
        if message in ("", "None"):
            return
        with self._output_lock:
            self.stream.write(self.decorate(record, message) + "\n")
            self.flush()

    @property
    def writes_to_stream(self) -> bool:
        return True

    @property
    def writes_to_file(self) -> bool:
        return False

    @property
    def has_filter(self) -> bool:
        return False  # Snakemake's filter: --quiet, --printshellcmds and --verbose keep their meaning

    @property
    def has_formatter(self) -> bool:
        return True

    @property
    def needs_rulegraph(self) -> bool:
        return False
