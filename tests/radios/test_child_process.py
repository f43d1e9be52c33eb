"""end_process with real child processes: one that ends by itself, one that ignores SIGTERM, one already gone."""

from __future__ import annotations

import subprocess
import sys
import time

from radios.child_process import end_process

IGNORES_SIGTERM = ("import signal, sys, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                   "print('ready', flush=True); time.sleep(60)")


def test_a_child_that_ends_by_itself_within_its_time_is_not_signalled():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.3)"])
    end_process(child, 5.0, own_end_s=10.0)
    assert child.returncode == 0  # it ended on its own: no SIGTERM


def test_a_child_that_does_not_end_by_itself_gets_sigterm_after_its_own_time():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    began = time.monotonic()
    end_process(child, 5.0, own_end_s=0.5)
    assert child.returncode == -15 and time.monotonic() - began >= 0.5


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace():
    child = subprocess.Popen([sys.executable, "-c", IGNORES_SIGTERM], stdout=subprocess.PIPE)
    assert child.stdout.readline() == b"ready\n"  # its handler is in place
    end_process(child, 0.5)
    child.stdout.close()
    assert child.returncode == -9


def test_a_child_already_gone_is_only_reaped():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    end_process(child, 0.5, own_end_s=0.5)
    assert child.returncode == 0
