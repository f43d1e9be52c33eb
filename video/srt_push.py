"""Carries an ffmpeg child's MPEG-TS from its stdout to HQ over SRT, and reads SRT's figures.

``SrtPushWorker`` owns the thread ``mcv-video-dispatch-<id>-srt``: it calls HQ
(``SrtSender``, libsrt through ctypes, the passphrase set as a socket option and never on a
command line), then reads the child's stdout and sends whole TS packets as they come. About
every ``READING_PERIOD_S`` it reads SRT's statistics; over the last ``WINDOW_S`` they say
what goes out (``kbps``), whether the link carries it (``link_full``: the send buffer,
retransmissions and drops, see ``srt_sender.link_full``) and what the link carried
(``carried_kbps``: exact while clear; while full a guess on the low side, because HQ
acknowledges past the packets it gave up on and SRT's loss reports miss lost
retransmissions). It ends when the child's stdout ends or the
connection fails; a failure closes the pipe so the child ends too, and ``failure`` says why.
Every method may be called from any thread.
"""

from __future__ import annotations

import collections
import os
import subprocess
import threading
import time

from video.srt_sender import SrtCallerSettings, SrtSender, SrtStats, link_full

READING_PERIOD_S = 0.5
WINDOW_S = 2.0  # the figures are over this window, as ffmpeg's progress for RTMP (video/dispatch_child.py)
FULL_WINDOW_S = 1.0  # a full link is judged over the last second only: the capacity estimate wants it
# for 2 s running (video/dispatch_capacity.py), so one burst (a key frame, a hiccup) is not a full link
READ_BYTES = 188 * 348  # up to 64 KiB of whole TS packets per read
JOIN_TIMEOUT_S = 5.0


class SrtPushWorker:
    """One SRT connection to HQ fed by one ffmpeg child's stdout; starts at once."""

    def __init__(self, child: subprocess.Popen[bytes], settings: SrtCallerSettings, stream_id: str) -> None:
        self._child = child
        self._settings = settings
        self._lock = threading.Lock()  # guards _readings, _failure, _sender
        self._readings: collections.deque[SrtStats] = collections.deque()
        self._failure: Exception | None = None
        self._sender: SrtSender | None = None
        self._thread = threading.Thread(target=self._run, name=f"mcv-video-dispatch-{stream_id}-srt", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        """Body of ``mcv-video-dispatch-<id>-srt``: connect, then pipe to SRT until either end goes."""
        sender = None
        try:
            sender = SrtSender(self._settings)
            with self._lock:
                self._sender = sender
            sender.connect()
            self._read(sender.stats())
            self._pump(sender)
        except (RuntimeError, OSError) as exc:  # SrtError, or libsrt missing
            with self._lock:
                self._failure = exc
        finally:
            if sender is not None:
                sender.close()
            try:
                self._child.stdout.close()  # the child's next write fails: it ends
            except OSError:
                pass

    def _pump(self, sender: SrtSender) -> None:
        pending = b""
        source = self._child.stdout.fileno()
        while True:
            data = os.read(source, READ_BYTES)
            if not data:
                return
            pending += data
            whole = len(pending) - len(pending) % 188
            if whole:
                sender.send(pending[:whole])
                pending = pending[whole:]
            with self._lock:
                due = not self._readings or time.monotonic() - self._readings[-1].at >= READING_PERIOD_S
            if due:
                self._read(sender.stats())

    def _read(self, stats: SrtStats) -> None:
        with self._lock:
            self._readings.append(stats)
            while len(self._readings) > 2 and self._readings[1].at <= stats.at - WINDOW_S:
                self._readings.popleft()

    def _window(self, span_s: float = WINDOW_S) -> tuple[SrtStats, SrtStats] | None:
        """The oldest reading within ``span_s`` of the newest, and the newest, or None before two;
        a stalled pipe reads now."""
        with self._lock:
            if not self._readings:
                return None
            last = self._readings[-1]
            first = next((r for r in self._readings if r.at >= last.at - span_s - READING_PERIOD_S / 2), last)
            if first is last and len(self._readings) > 1:
                first = self._readings[-2]
            sender = self._sender if time.monotonic() - last.at > READING_PERIOD_S * 2 else None
        if sender is not None:  # the child writes nothing: SRT's figures go on
            last = sender.stats()
        return (first, last) if last.at > first.at else None

    def kbps(self) -> float:
        """The video going out over the window, in kb/s (unique bytes with SRT's headers, no retransmissions)."""
        window = self._window()
        if window is None:
            return 0.0
        first, last = window
        return round(max(0, last.unique_bytes - first.unique_bytes) * 8 / 1000 / (last.at - first.at), 1)

    def carried_kbps(self) -> float:
        """What the link carried over the window: all that went out while clear; while full, what went
        out less the share of the sends that were retransmissions (each one stood for a lost packet;
        lost retransmissions go uncounted, so this errs low: measured through a 1,500 kbit/s relay,
        2.2 Mbit/s sent with 120 ms latency gave about 1,340 kb/s)."""
        window = self._window()
        if window is None:
            return 0.0
        sent = self.kbps()
        if not self.link_full():
            return sent
        first, last = window
        packets = last.sent_packets - first.sent_packets
        retransmitted = last.retransmitted_packets - first.retransmitted_packets
        return round(sent * max(0.0, 1 - retransmitted / packets), 1) if packets > 0 else 0.0

    def sending(self) -> bool:
        """Whether video went out over the window."""
        window = self._window()
        return window is not None and window[1].unique_bytes > window[0].unique_bytes

    def link_full(self) -> bool:
        """Whether SRT's figures over the window say the link does not carry what is sent."""
        window = self._window(FULL_WINDOW_S)
        return window is not None and link_full(window[0], window[1], self._settings.latency_ms)

    def failure(self) -> Exception | None:
        """Why the connection failed (``SrtError``, or ``SrtUnavailable``), or None."""
        with self._lock:
            return self._failure

    def join(self) -> None:
        self._thread.join(JOIN_TIMEOUT_S)
