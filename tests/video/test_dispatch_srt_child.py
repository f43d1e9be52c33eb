"""An SRT push whose sender child crashes mid-push: the gateway's worker says why, starts both
children again and the stream resumes at HQ, while the gateway's process (this one) goes on.
Real peers: the GStreamer test camera, Debian's ffmpeg listening for SRT as HQ."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

import pytest
from support import wait_until

sys.path.insert(0, str(Path(__file__).parent))  # the peers sit beside this file
from dispatch_peers import RestartingReceiver  # noqa: E402
from rtsp_peer import FakeStreamConfig  # noqa: E402

from radios.config import DispatchConfig  # noqa: E402
from video.dispatch_policy import COPY, DispatchPlan  # noqa: E402
from video.dispatch_target import DispatchTarget  # noqa: E402
from video.dispatch_worker import FAILED, SENDING, DispatchStatus, DispatchWorker  # noqa: E402

SEND_TIMEOUT_S = 30.0
RESUME_TIMEOUT_S = 40.0  # HQ's listener notices the dead caller by its idle timeout (5 s), restarts; backoff


@pytest.fixture
def hq(tmp_path):
    receiver = RestartingReceiver(tmp_path, "srt")
    yield receiver
    receiver.stop()


@pytest.mark.parametrize("how", [signal.SIGSEGV, signal.SIGKILL])
def test_a_sender_child_killed_mid_push_is_a_failed_attempt_and_the_push_resumes(camera, hq, how):
    statuses: list[DispatchStatus] = []
    target = DispatchTarget.for_stream(DispatchConfig(url=hq.receiver.url), "test-1", "cam1")
    worker = DispatchWorker(FakeStreamConfig(url=camera.url()), target, on_status=statuses.append,
                            plan=DispatchPlan("cam1", COPY, 3000))
    worker.start()
    try:
        assert wait_until(lambda: worker.status().state == SENDING and worker.status().out_kbps > 0,
                          SEND_TIMEOUT_S), worker.status()
        sender, encoder = worker._pusher, worker._child
        assert sender is not None and encoder is not None
        os.kill(sender.pid, how)
        said = f"ended with {how.name}"
        assert wait_until(lambda: any(s.state == FAILED and said in s.detail for s in statuses), 15), statuses
        assert wait_until(lambda: encoder.poll() is not None, 10)  # the ffmpeg child went with it
        runs = hq.runs
        assert wait_until(lambda: worker.status().state == SENDING and worker._pusher is not None
                          and worker._pusher.pid != sender.pid and hq.runs > runs, RESUME_TIMEOUT_S), statuses[-3:]
        size = hq.receiver.size()
        assert wait_until(lambda: hq.receiver.size() > size + 50_000, 15)  # the stream goes on at HQ
        assert worker._thread.is_alive() and threading.main_thread().is_alive()
    finally:
        assert worker.stop(10)
    assert worker._pusher is None and worker._child is None  # both children reaped
