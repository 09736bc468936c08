"""One writer per run folder: a second job waits for a live holder and keeps its result, takes over a
dead holder's lock, and refuses a holder it cannot check."""

import json
import os
import platform
import subprocess
import sys
import threading

import pytest

from mlplab.workflow.run_lock import RunFolderBusy, run_folder_lock
from mlplab.workflow.run_record import LOCK


def holder(pid: int, host: str = platform.node()) -> str:
    return json.dumps({"slurm_job_id": None, "host": host, "pid": pid})


def test_the_lock_names_its_holder_and_is_released(tmp_path):
    with run_folder_lock(tmp_path) as must_train:
        assert must_train
        record = json.loads((tmp_path / LOCK).read_text())
        assert record["pid"] == os.getpid() and record["host"] == platform.node()
    assert not (tmp_path / LOCK).exists()


@pytest.mark.parametrize(
    "finished", [True, False], ids=["holder completed the run", "holder left it unfinished"]
)
def test_a_live_holder_is_waited_for_then_its_result_stands(tmp_path, capsys, finished):
    writer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(1.5)"])
    threading.Thread(target=writer.wait).start()  # reaped when it ends, as an unrelated process would be
    (tmp_path / LOCK).write_text(holder(writer.pid))
    with run_folder_lock(tmp_path, finished=lambda: finished, poll_s=0.1) as must_train:
        assert writer.poll() is not None  # only once the holder had gone
        assert must_train is not finished
    err = capsys.readouterr().err
    assert f"another job is writing this run (PID {writer.pid} on {platform.node()})" in err
    assert ("not training it again" in err) is finished
    assert not (tmp_path / LOCK).exists()


def test_a_dead_holders_lock_is_taken_over(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (tmp_path / LOCK).write_text(holder(dead.pid))
    with run_folder_lock(tmp_path, finished=lambda: True) as must_train:
        assert must_train  # not waited for: a dead holder finished nothing
        assert json.loads((tmp_path / LOCK).read_text())["pid"] == os.getpid()


def test_a_holder_that_cannot_be_checked_is_refused(tmp_path):
    (tmp_path / LOCK).write_text(holder(1, host="another-node"))
    with pytest.raises(RunFolderBusy, match=f"remove {tmp_path / LOCK}"), run_folder_lock(tmp_path):
        pass
