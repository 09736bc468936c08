"""One writer per run folder: a live holder refuses a second job, a dead one's lock is taken over."""

import json
import os
import platform
import subprocess
import sys

import pytest

from mlplab.runlock import LOCK_NAME, RunFolderBusy, run_folder_lock


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_live_holder_refuses_a_second_writer_and_releases_when_done(tmp_path):
    with run_folder_lock(tmp_path):
        holder = json.loads((tmp_path / LOCK_NAME).read_text())
        assert holder["pid"] == os.getpid() and holder["host"] == platform.node()
        with (
            pytest.raises(RunFolderBusy, match=f"PID {os.getpid()} on {platform.node()}"),
            run_folder_lock(tmp_path),
        ):
            pass
        assert (tmp_path / LOCK_NAME).exists()  # the refused one took nothing away
    assert not (tmp_path / LOCK_NAME).exists()


def test_a_dead_holders_lock_is_taken_over(tmp_path):
    (tmp_path / LOCK_NAME).write_text(
        json.dumps({"slurm_job_id": None, "host": platform.node(), "pid": dead_pid()})
    )
    with run_folder_lock(tmp_path):
        assert json.loads((tmp_path / LOCK_NAME).read_text())["pid"] == os.getpid()


def test_a_holder_elsewhere_that_cannot_be_asked_counts_as_alive(tmp_path):
    (tmp_path / LOCK_NAME).write_text(json.dumps({"slurm_job_id": None, "host": "another-node", "pid": 1}))
    with pytest.raises(RunFolderBusy, match=f"remove {tmp_path / LOCK_NAME}"), run_folder_lock(tmp_path):
        pass
