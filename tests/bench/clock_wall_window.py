"""The console's video wall alone in a frameless window at a known place, for the video benchmark.

Run as a child process on an X display (``QT_QPA_PLATFORM=xcb``)::

    .venv/bin/python tests/bench/clock_wall_window.py URL N LAYOUT WIDTHxHEIGHT+X+Y [--renderer frames|libvlc]

Shows a ``VideoWallPanel`` with N streams (ids ``cam1`` ... ``camN``, all pulling URL) in
LAYOUT (``1``, ``2x2``, ``3x3``). Prints, one line each, on stdout:

- ``TILES [[x, y, w, h], ...]``: where the shown tiles show their pictures, on screen (again if that changes);
- ``SHOWN <epoch s>``: when the wall was shown, which starts its workers (Qt is up, the process has started);
- ``FIRST_PAINT <epoch s>``: when a tile first showed a picture (the wall's own figure).

Runs until SIGTERM or SIGINT, then stops the wall's workers and exits.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from console.quit_signals import quit_on_signals  # noqa: E402
from console.video_wall import VideoWallPanel  # noqa: E402

POLL_MS = 5


def stream(number: int, url: str) -> SimpleNamespace:
    return SimpleNamespace(id=f"cam{number}", name=f"Clock {number}", kind="fixed", url=url, sub_url=None,
                           transport="tcp", latency_ms=200, unit=None)


def open_tiles(renderer: str):
    """The console's renderer ``renderer`` (``console.video_renderer``); exits saying why if it fell back."""
    from console.video_renderer import open_renderer
    from radios.config import VideoConfig

    opened = open_renderer(VideoConfig(renderer=renderer))
    if opened.name != renderer:
        opened.close()
        raise SystemExit(f"the {renderer} renderer cannot draw here (the console fell back to {opened.name})")
    return opened


def pictures_shown(tile) -> int:
    """Pictures the tile has shown: painted by Qt (frames) or displayed by libvlc."""
    displayed = getattr(tile, "displayed_pictures", None)
    return displayed() if callable(displayed) else tile.painted_frames


def picture_area(tile) -> list[int]:
    """Screen rectangle the tile shows its picture in (letterboxed inside it): the libvlc surface, or the whole tile."""
    area = tile.picture_rect() if hasattr(tile, "picture_rect") else tile.rect()
    corner = tile.mapToGlobal(area.topLeft())
    return [corner.x(), corner.y(), area.width(), area.height()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("count", type=int)
    parser.add_argument("layout", choices=("1", "2x2", "3x3"))
    parser.add_argument("geometry", help="WIDTHxHEIGHT+X+Y")
    parser.add_argument("--renderer", default="frames", choices=("frames", "libvlc"))
    args = parser.parse_args()
    width, height, left, top = map(int, re.fullmatch(r"(\d+)x(\d+)\+(\d+)\+(\d+)", args.geometry).groups())

    app = QApplication(sys.argv[:1])
    renderer = open_tiles(args.renderer)
    wall = VideoWallPanel([stream(n, args.url) for n in range(1, args.count + 1)], None, renderer.make_tile)
    wall.set_layout(args.layout)
    wall.setWindowFlags(Qt.Window | Qt.FramelessWindowHint)
    wall.setGeometry(left, top, width, height)
    wall.show()  # shows the tiles, whose showEvent starts the ingest workers
    print("SHOWN", time.time(), flush=True)

    reported = {"tiles": None, "paint": False}

    def poll() -> None:
        """GUI thread, every few ms: report where the pictures are (again when that changes) and the first one shown."""
        tiles = wall.shown_tiles()
        if all(tile.isVisible() and tile.width() > 0 for tile in tiles):
            areas = [picture_area(tile) for tile in tiles]
            if areas != reported["tiles"]:
                print("TILES", json.dumps(areas), flush=True)
                reported["tiles"] = areas
        if not reported["paint"] and any(pictures_shown(tile) for tile in tiles):
            print("FIRST_PAINT", time.time(), flush=True)
            reported["paint"] = True

    timer = QTimer(interval=POLL_MS)
    timer.timeout.connect(poll)
    timer.start()
    quit_on_signals(app)
    app.exec()
    wall.stop()
    renderer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
