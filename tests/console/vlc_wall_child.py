"""A video wall drawn by libvlc in a process of its own, on the X display it is given, driven
line by line from a test (libvlc draws only into real X windows; the test process runs Qt
offscreen). Run as::

    QT_QPA_PLATFORM=xcb DISPLAY=:N python vlc_wall_child.py URL1 URL2 SNAPSHOT_DIR

It prints ``PLAYING {geometry}`` once both tiles play and libvlc shows pictures, then
answers commands read from stdin: ``wait-focus ID``, ``snapshot``, ``layout-1``,
``wait-lost`` and ``quit``, each with one line (``FOCUS``, ``SNAPSHOT``, ``HIDDEN``,
``LOST``, ``CLEAN`` and a JSON payload). Anything unexpected ends it with ``ERROR`` and exit code 3.
"""

from __future__ import annotations

import json
import select
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QPoint, QTimer
from PySide6.QtWidgets import QApplication

from console.video_renderer import open_renderer
from console.video_wall import VideoWallPanel
from radios.config import VideoConfig
from video.health import StreamState

POLL_MS = 100
STEP_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Stream:
    """The stream settings a wall reads."""

    id: str
    url: str
    name: str
    kind: str = "fixed"
    sub_url: str | None = None
    transport: str = "tcp"
    latency_ms: int = 200


def say(word: str, payload: object = None) -> None:
    print(word if payload is None else f"{word} {json.dumps(payload)}", flush=True)


def video_threads(stream_id: str | None = None) -> list[str]:
    return [t.name for t in threading.enumerate()
            if t.name.startswith("mcv-video-") and (stream_id is None or t.name.endswith(f"-{stream_id}"))]


def main(urls: list[str], snapshot_dir: Path) -> int:
    app = QApplication(["vlc-wall-child"])
    renderer = open_renderer(VideoConfig(renderer="libvlc"))
    if renderer.name != "libvlc":
        say("ERROR", "the libvlc renderer did not open (see stderr)")
        return 3
    streams = [Stream("cam1", urls[0], "Camera one"), Stream("cam2", urls[1], "Camera two")]
    wall = VideoWallPanel(streams, make_tile=renderer.make_tile)
    wall.resize(800, 600)
    wall.move(0, 0)
    wall.show()
    first, second = wall.tiles["cam1"], wall.tiles["cam2"]
    step = {"name": "playing", "since": time.monotonic()}

    def geometry(tile=first) -> dict[str, list[int]]:
        corner = tile.mapToGlobal(QPoint(0, 0))
        picture = tile.picture_rect()
        return {"tile": [corner.x(), corner.y(), tile.width(), tile.height()],
                "picture": [corner.x() + picture.x(), corner.y() + picture.y(), picture.width(), picture.height()]}

    def command() -> str | None:
        if not select.select([sys.stdin], [], [], 0)[0]:
            return None
        return sys.stdin.readline().strip() or "quit"

    def poll() -> None:
        name = step["name"]
        if time.monotonic() - step["since"] > STEP_TIMEOUT_S:
            say("ERROR", f"step {name!r} timed out: {first.title_text()} / {second.title_text()}")
            app.exit(3)
            return
        if name == "playing":
            if all(tile.health.state is StreamState.PLAYING and tile.displayed_pictures() >= 10
                   for tile in (first, second)):
                say("PLAYING", {**geometry(), "second": geometry(second)})
                step.update(name="commands", since=float("inf"))
            return
        if name.startswith("focus:"):
            if wall.focus_id == name.partition(":")[2]:
                say("FOCUS", {"focus": wall.focus_id})
                step.update(name="commands", since=float("inf"))
            return
        if name == "hiding":
            if not video_threads("cam2"):
                say("HIDDEN", {"relay": second.relay is not None, "visible": second.isVisible(),
                               "threads": video_threads()})
                step.update(name="commands", since=float("inf"))
            return
        if name == "losing":
            if first.health.state is StreamState.SIGNAL_LOST:
                say("LOST", {"centre": first.centre_text(), "surface": first.surface.isVisible(), **geometry()})
                step.update(name="commands", since=float("inf"))
            return
        order = command()
        if order == "snapshot":
            path = first.take_snapshot(snapshot_dir)
            say("SNAPSHOT", None if path is None else str(path))
        elif order is not None and order.startswith("wait-focus "):
            step.update(name="focus:" + order.split()[1], since=time.monotonic())
        elif order == "layout-1":
            wall.set_layout("1")
            step.update(name="hiding", since=time.monotonic())
        elif order == "wait-lost":
            step.update(name="losing", since=time.monotonic())
        elif order == "quit":
            wall.stop()
            renderer.close()
            deadline = time.monotonic() + 3
            while video_threads() and time.monotonic() < deadline:
                time.sleep(0.05)
            say("CLEAN", {"threads": video_threads()})
            app.exit(0)
        elif order is not None:
            say("ERROR", f"unknown command {order!r}")
            app.exit(3)

    timer = QTimer(interval=POLL_MS)
    timer.timeout.connect(poll)
    timer.start()
    try:
        return app.exec()
    finally:
        wall.stop()
        renderer.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:3], Path(sys.argv[3])))
