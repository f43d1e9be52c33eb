"""The ffmpeg child of a dispatched stream, seen from the gateway: its input pipe and its progress.

``ChildInput`` is the child's stdin as a file for PyAV's muxer; ``end_child`` ends and reaps
the child. ``ProgressReader`` reads the child's stderr on its own thread: ffmpeg's
``-progress`` figures give the bytes really sent (hence the measured bitrate and whether
anything flows), the other lines are kept as the child's last words, for
``DispatchTarget.explain``.
"""

from __future__ import annotations

import collections
import subprocess
import threading
import time

from radios.child_process import end_process

OUTPUT_WINDOW_S = 2.0  # the measured bitrate is over this window
PROGRESS_PERIOD_S = 0.5  # ffmpeg's -stats_period (video/dispatch_target.py)
ERROR_LINES_KEPT = 12
JOIN_TIMEOUT_S = 5.0


class ChildInput:
    """The child's stdin as a file for PyAV's muxer; a closed pipe raises ``BrokenPipeError``."""

    def __init__(self, child: subprocess.Popen[bytes]) -> None:
        self._pipe = child.stdin

    def write(self, data: bytes) -> int:
        self._pipe.write(data)
        self._pipe.flush()
        return len(data)


class ProgressReader:
    """Reads the child's stderr on ``mcv-video-dispatch-<id>-stderr``: ``-progress`` figures and error lines."""

    def __init__(self, child: subprocess.Popen[bytes], stream_id: str) -> None:
        self._child = child
        self._lock = threading.Lock()
        self._sizes: collections.deque[tuple[float, int]] = collections.deque()
        self._errors: collections.deque[str] = collections.deque(maxlen=ERROR_LINES_KEPT)
        self._thread = threading.Thread(target=self._read, name=f"mcv-video-dispatch-{stream_id}-stderr",
                                        daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for raw in self._child.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            key, sep, value = line.partition("=")
            if sep and key == "total_size" and value.isdigit():
                with self._lock:
                    now = time.monotonic()
                    self._sizes.append((now, int(value)))
                    while self._sizes and self._sizes[0][0] < now - OUTPUT_WINDOW_S:
                        self._sizes.popleft()
            elif sep and key.replace("_", "").isalnum() and " " not in key:
                continue  # the other -progress figures
            elif line:
                self._errors.append(line[:1000])
        self._child.stderr.close()

    def join(self) -> None:
        self._thread.join(JOIN_TIMEOUT_S)

    def errors(self) -> list[str]:
        with self._lock:
            return list(self._errors)

    def sending(self) -> bool:
        """Whether bytes have gone out in the last window."""
        with self._lock:
            return len(self._sizes) >= 2 and self._sizes[-1][1] > self._sizes[0][1]

    def kbps(self) -> float:
        """What the child put on the wire over the last window, in kb/s (any thread).

        A child whose writes block on a full link prints no progress until they return: the
        span then runs to now (less one progress period, the usual age of the last line), so
        the figure falls with what really goes out instead of repeating the last one.
        """
        now = time.monotonic()
        with self._lock:
            if len(self._sizes) < 2 or self._sizes[-1][0] <= self._sizes[0][0]:
                return 0.0
            (first_at, first), (last_at, last) = self._sizes[0], self._sizes[-1]
        span = max(last_at - first_at, now - first_at - PROGRESS_PERIOD_S)
        return round((last - first) * 8 / 1000 / span, 1)


def end_child(child: subprocess.Popen[bytes]) -> None:
    """Close the child's input so it finishes what it has, and reap it; SIGTERM, then SIGKILL, if it lingers.

    Only the thread that writes to the pipe may call this (a close from another thread would
    wait behind a write blocked on a full pipe).
    """
    try:
        child.stdin.close()
    except (OSError, ValueError):
        pass  # the child already went
    end_process(child, 2.0, own_end_s=1.0)
