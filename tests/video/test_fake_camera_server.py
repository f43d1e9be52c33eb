"""The test cameras' server: one that died while in use says so when it is stopped; one killed on purpose does not."""

from __future__ import annotations

import logging
import os
import signal

from support import wait_until

EXIT_WAIT_S = 5.0


def test_a_server_that_ended_by_itself_is_a_warning_with_its_exit_status(rtsp_server, caplog):
    server = rtsp_server()
    os.kill(server.pid, signal.SIGKILL)  # as a crash would end it
    assert wait_until(lambda: not server.running, EXIT_WAIT_S)
    with caplog.at_level(logging.WARNING, logger="video.fake_camera_server"):
        server.stop()
    [record] = caplog.records
    assert record.getMessage().startswith(f"the fake cameras on port {server.port} had ended by themselves "
                                          "(exit status -9): ")


def test_a_server_stopped_or_killed_on_purpose_is_no_warning(rtsp_server, caplog):
    stopped, killed = rtsp_server(), rtsp_server()
    with caplog.at_level(logging.WARNING, logger="video.fake_camera_server"):
        stopped.stop()
        killed.kill()
    assert caplog.records == []
    assert stopped.pid is None and killed.pid is None
