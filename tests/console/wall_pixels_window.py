"""The console's video wall alone in a frameless window, for the pixel and mouse tests on an X display.

Run as a child process with ``QT_QPA_PLATFORM=xcb`` and ``DISPLAY`` set::

    .venv/bin/python tests/console/wall_pixels_window.py LAYOUT [--catalogue] [--terminate-in-drop] URL [URL ...]

Shows a ``VideoWallPanel`` (streams ``cam1`` ... one per URL) in LAYOUT at the top left of
the screen, the stream catalogue open with ``--catalogue``. With ``--terminate-in-drop`` the
window sends itself SIGTERM from inside the first drop's handling, as a shutdown might
arrive while the operator drops a stream. Prints on stdout, one line each:

- ``TILES {"cam1": [x, y, width, height, bar], ...}`` once every shown tile has painted a
  picture: the tiles' screen rectangles and the height of their overlay bars;
- ``ORDER {"shown": [...], "focus": "camN"}`` then and whenever the wall is arranged anew,
  after ``ROWS {"cam1": [x, y, width, height], ...}`` when the catalogue is open: its rows.

Runs until SIGTERM or SIGINT, then stops the wall's workers and exits.
"""

from __future__ import annotations

import faulthandler
import json
import os
import signal
import sys
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from console.quit_signals import quit_on_signals  # noqa: E402
from console.video_wall import VideoWallPanel  # noqa: E402

WALL_SIZE = (1200, 800)
POLL_MS = 50


def main(layout: str, urls: list[str], catalogue: bool, terminate_in_drop: bool) -> int:
    app = QApplication(sys.argv[:1])
    streams = [SimpleNamespace(id=f"cam{n}", name=f"Camera {n}", kind="fixed", url=url, sub_url=None,
                               transport="tcp", latency_ms=200)
               for n, url in enumerate(urls, start=1)]
    wall = VideoWallPanel(streams)
    wall.set_layout(layout)
    wall.setWindowFlags(Qt.Window | Qt.FramelessWindowHint)
    wall.setGeometry(0, 0, *WALL_SIZE)
    wall.show()
    wall.catalogue_button.setChecked(catalogue)

    def report_rows() -> None:
        """The catalogue's rows where they are now (its list lays itself out lazily: make it do so first)."""
        if wall.catalogue is None:
            return
        view = wall.catalogue.list
        view.doItemsLayout()
        rows = {}
        for row in range(view.count()):
            rect = view.visualItemRect(view.item(row))
            corner = view.viewport().mapToGlobal(rect.topLeft())
            rows[view.item(row).data(Qt.UserRole)] = [corner.x(), corner.y(), rect.width(), rect.height()]
        print("ROWS", json.dumps(rows), flush=True)

    def report_order() -> None:
        report_rows()
        print("ORDER", json.dumps({"shown": [tile.stream_id for tile in wall.shown_tiles()], "focus": wall.focus_id}),
              flush=True)

    def terminate_self() -> None:
        """GUI thread, inside the drop: the handler runs here, at Python's next instruction."""
        os.kill(os.getpid(), signal.SIGTERM)

    def poll() -> None:
        """GUI thread: report the tiles (and rows) once each tile has painted a picture, then stop polling."""
        tiles = wall.shown_tiles()
        if not all(tile.painted_frames > 2 for tile in tiles):
            return
        places = {}
        for tile in tiles:
            corner = tile.mapToGlobal(QPoint(0, 0))
            places[tile.stream_id] = [corner.x(), corner.y(), tile.width(), tile.height(),
                                      tile.fontMetrics().height() + 8]
        print("TILES", json.dumps(places), flush=True)
        report_order()
        wall.arranged.connect(report_order)
        if terminate_in_drop:
            wall.arranged.connect(terminate_self)
        timer.stop()

    timer = QTimer(interval=POLL_MS)
    timer.timeout.connect(poll)
    timer.start()
    quit_on_signals(app)
    app.exec()
    wall.stop()
    # Widgets go while the application still exists, not in whatever order Python's exit
    # would pick: a crash at exit fails the test that started this window.
    wall.close()
    wall.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
    return 0


if __name__ == "__main__":
    faulthandler.enable()  # a crash prints its stack on stderr, which the test shows
    arguments = sys.argv[1:]
    options = {"--catalogue", "--terminate-in-drop"}
    given = options.intersection(arguments)
    arguments = [argument for argument in arguments if argument not in options]
    sys.exit(main(arguments[0], arguments[1:], "--catalogue" in given, "--terminate-in-drop" in given))
