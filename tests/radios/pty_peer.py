"""A serial cable for tests: a socat pty pair that can be unplugged (socat stopped) and plugged in again.

The link under test opens ``device``; the test plays the radio by writing to ``far_end``.
Both are symlinks socat makes and removes, so stopping socat makes the device vanish
the way a pulled USB adapter does.
"""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

from support import wait_until


def nmea(body: str) -> bytes:
    """A sentence with its checksum and line ending: ``nmea("GPGGA,...")`` -> ``b"$GPGGA,...*hh\\r\\n"``."""
    checksum = 0
    for char in body.encode("ascii"):
        checksum ^= char
    return f"${body}*{checksum:02X}\r\n".encode("ascii")


def gga(lat_ddmm: str = "3016.500", lon_dddmm: str = "12010.250", quality: int = 1) -> bytes:
    return nmea(f"GPGGA,101500.00,{lat_ddmm},N,{lon_dddmm},E,{quality},08,0.9,12.0,M,7.0,M,,")


class PtyPair:
    """One socat process joining ``device`` and ``far_end``; stopped by its PID."""

    def __init__(self, folder: Path) -> None:
        self.device = folder / "ttyRADIO"
        self.far_end = folder / "ttyFAR"
        self._process: subprocess.Popen | None = None
        self._far_fd: int | None = None
        self._lock = threading.Lock()  # the feeder thread writes while the test unplugs

    def plug(self) -> None:
        """Start socat and wait until both ends exist."""
        assert self._process is None
        self._process = subprocess.Popen(
            ["socat", f"pty,raw,echo=0,link={self.device}", f"pty,raw,echo=0,link={self.far_end}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_until(lambda: self.device.exists() and self.far_end.exists(), 5), "socat made no ptys"

    def unplug(self) -> None:
        """Stop socat (the device vanishes) and wait for it to be gone."""
        with self._lock:
            self._close_far_end()
            if self._process is not None:
                self._process.terminate()
                self._process.wait(5)
                self._process = None

    def send(self, data: bytes) -> bool:
        """Write to the far end as the radio would; False while unplugged or when the pty is full."""
        with self._lock:
            try:
                if self._far_fd is None:
                    self._far_fd = os.open(self.far_end, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
                os.write(self._far_fd, data)
                return True
            except OSError:
                self._close_far_end()
                return False

    def _close_far_end(self) -> None:
        if self._far_fd is not None:
            os.close(self._far_fd)
            self._far_fd = None

    def __enter__(self) -> "PtyPair":
        self.plug()
        return self

    def __exit__(self, *exc) -> None:
        self.unplug()


class Feeder:
    """A radio talking on its own thread ("test-feeder"): one line every ``interval_s`` until stopped."""

    def __init__(self, cable: PtyPair, line: bytes, interval_s: float = 0.05) -> None:
        self.cable, self.line, self.interval_s = cable, line, interval_s
        self.sent = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="test-feeder", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            if self.cable.send(self.line):
                self.sent += 1

    def __enter__(self) -> "Feeder":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
