"""Child processes that end with the process that started them, even when it is killed."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent() -> None:
    """``preexec_fn`` for ``subprocess.Popen``: the child gets SIGTERM when its parent dies.

    The demo's broker, gateway and cameras must not outlive a demo that was killed
    (SIGKILL runs no cleanup); Linux delivers the signal, elsewhere this does nothing.
    Linux sends it when the *thread* that started the child ends, not only the process:
    start a child from a thread that lives as long as the child should.
    """
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def end_process(process: subprocess.Popen, grace_s: float, own_end_s: float = 0.0) -> None:
    """SIGTERM ``process`` and reap it; SIGKILL it when it has not ended within ``grace_s``.

    With ``own_end_s``, the process first gets that long to end by itself (its input closed,
    say) before the SIGTERM. Safe on a process that has already ended (it is only reaped).
    """
    if own_end_s > 0:
        try:
            process.wait(own_end_s)
            return
        except subprocess.TimeoutExpired:
            pass
    process.terminate()
    try:
        process.wait(grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(grace_s)
