"""Ctrl+C and SIGTERM end the Qt application between two events, never inside one.

Python runs a signal's handler at its next instruction, wherever that is: often inside
Qt's handling of an event, such as a stream dropped on a video tile. Quitting there
closes every window while Qt is still busy with that event; a drop then answers from a
window that no longer has an X window, and the process dies with SIGSEGV instead of
saving its state. So the handler only posts the quit, and the event loop runs it once
the event in hand is done.
"""

from __future__ import annotations

import signal

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

SIGNAL_POLL_MS = 200
"""How often control returns to Python while Qt waits, so a signal is noticed at all."""


def quit_on_signals(app: QApplication) -> QTimer:
    """Make SIGINT and SIGTERM quit ``app`` cleanly; returns the poll timer, for the caller to stop.

    The handlers run on the GUI thread (Python runs them on the main thread).
    """
    def post_quit(*_) -> None:
        QTimer.singleShot(0, app, app.quit)

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, post_quit)
    timer = QTimer(app, interval=SIGNAL_POLL_MS)
    timer.timeout.connect(lambda: None)
    timer.start()
    return timer
