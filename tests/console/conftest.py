"""Fixtures shared by the video-wall tests: the RTSP test server and shown walls."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent

sys.path.insert(0, str(Path(__file__).parents[1] / "video"))  # the RTSP peers live with the video tests

from rtsp_peer import RtspTestServer, free_port  # noqa: E402

from console.video_wall import VideoWallPanel  # noqa: E402


@pytest.fixture(autouse=True)
def _styled_and_tidied(qapp) -> Iterator[None]:
    """Every console test runs under the product's style, set before any widget exists as
    ``mcv`` sets it; what a test closed is deleted before the next test starts.

    A first style change reaching dozens of widgets left half torn down by earlier tests
    (pyqtgraph plots, their menus) crashed Qt inside ``QApplication.setStyle``.
    """
    if qapp.style().name().lower() != "fusion":
        qapp.setStyle("Fusion")
    yield
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)


@pytest.fixture
def rtsp_server() -> Iterator[Callable[..., RtspTestServer]]:
    """Factory: a GStreamer RTSP server on a free port; every one stopped after the test."""
    servers: list[RtspTestServer] = []

    def start(mounts: tuple[str, ...] = ("cam1",), auth: str | None = None,
              audio_mounts: tuple[str, ...] = ()) -> RtspTestServer:
        server = RtspTestServer(free_port(), mounts, auth, audio_mounts)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def wall_size() -> tuple[int, int]:
    """The size a test's wall is shown at; a test module may override it."""
    return 800, 600


@pytest.fixture
def wall(qtbot, wall_size) -> Iterator[Callable[..., VideoWallPanel]]:
    """Factory: a shown wall for some streams; its workers are stopped after the test."""
    walls: list[VideoWallPanel] = []

    def make(streams) -> VideoWallPanel:
        panel = VideoWallPanel(tuple(streams))
        walls.append(panel)
        qtbot.addWidget(panel)
        panel.resize(*wall_size)
        panel.show()
        return panel

    yield make
    for panel in walls:
        panel.stop()
    assert not ingest_threads(), "the wall left ingest threads running"


def ingest_threads() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name.startswith("mcv-video-ingest-")]
