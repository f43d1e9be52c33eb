"""How late the Qt event loop runs a timer: the console's responsiveness, measured from inside.

``LoopLatencyProbe`` arms a precise single-shot timer every ``interval_ms`` and records how
much later than asked it fired, in milliseconds. A loop that is free fires within a
millisecond; a loop blocked by a slow slot, a long paint or a held GIL fires late by the
time it was blocked. Use it in a test or a tool::

    probe = LoopLatencyProbe()
    probe.start()
    ...                      # run the event loop
    probe.stop()
    late = probe.samples()   # lateness of each tick, ms, oldest first

It is opt-in for a running console: ``probe_from_environment`` starts one only when
``MCV_LOOP_LATENCY_FILE`` names a file, and then appends one JSON line per
``REPORT_EVERY_S`` to it: ``{"t": <time.monotonic() of the last tick>, "late_ms": [...]}``
(the monotonic clock is system-wide on Linux, so another process can line it up with its
own samples).
Without the variable nothing is created and nothing runs.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import deque
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal

log = logging.getLogger(__name__)

ENV_FILE = "MCV_LOOP_LATENCY_FILE"
INTERVAL_MS = 100
KEEP_SAMPLES = 3000  # five minutes at 10 Hz: enough for a test, bounded for a long run
REPORT_EVERY_S = 10.0


class LoopLatencyProbe(QObject):
    """Measures event-loop lateness on the thread that owns it (the GUI thread for a console).

    ``samples()`` holds the last ``keep`` figures; ``take()`` returns the ones recorded since
    the previous ``take()`` and forgets them. Both are called on the owning thread.
    """

    stopped = Signal()

    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS,
                 keep: int = KEEP_SAMPLES) -> None:
        super().__init__(parent)
        self._interval_s = interval_ms / 1000
        self._samples: deque[float] = deque(maxlen=keep)
        self._fresh: deque[float] = deque(maxlen=keep)
        self._armed_at = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)  # re-armed on each tick, so a late tick does not pile up catch-ups
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)

    def start(self) -> None:
        self._armed_at = time.monotonic()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self.stopped.emit()

    def is_running(self) -> bool:
        return self._timer.isActive()

    @property
    def last_tick_at(self) -> float:
        """``time.monotonic()`` of the latest tick (of ``start()`` before the first)."""
        return self._armed_at

    def samples(self) -> list[float]:
        return list(self._samples)

    def take(self) -> list[float]:
        fresh = list(self._fresh)
        self._fresh.clear()
        return fresh

    def _on_timer_timeout(self) -> None:
        """Called on the owning thread's event loop when the timer fires."""
        now = time.monotonic()
        late_ms = max(0.0, (now - self._armed_at - self._interval_s) * 1000)
        self._samples.append(late_ms)
        self._fresh.append(late_ms)
        self._armed_at = now
        self._timer.start()


class LoopLatencyFileWriter(QObject):
    """Appends a probe's fresh figures to a file as JSON lines; runs on the probe's thread."""

    def __init__(self, probe: LoopLatencyProbe, path: Path, every_s: float = REPORT_EVERY_S) -> None:
        super().__init__(probe)
        self._probe = probe
        self._path = path
        self._failed = False
        self._timer = QTimer(self)
        self._timer.setInterval(int(every_s * 1000))
        self._timer.timeout.connect(self.flush)
        self._timer.start()

    def flush(self) -> None:
        """Write what the probe measured since the last flush; called on the owning thread."""
        late = self._probe.take()
        if not late or self._failed:
            return
        line = json.dumps({"t": round(self._probe.last_tick_at, 3), "late_ms": [round(value, 2) for value in late]})
        try:
            with open(self._path, "a", encoding="utf-8") as f:
                f.write(line + "\n")
        except OSError as exc:
            self._failed = True  # said once; the console runs on without the figures
            log.warning("cannot write event-loop latency to %s (%s); fix: point %s at a writable file",
                        self._path, exc.strerror or exc, ENV_FILE)


def probe_from_environment(parent: QObject, environ: dict[str, str] | None = None) -> LoopLatencyProbe | None:
    """A started probe writing to ``$MCV_LOOP_LATENCY_FILE``, or None when the variable is unset."""
    target = (os.environ if environ is None else environ).get(ENV_FILE, "").strip()
    if not target:
        return None
    probe = LoopLatencyProbe(parent)
    writer = LoopLatencyFileWriter(probe, Path(target))
    probe.stopped.connect(writer.flush)
    probe.start()
    return probe
