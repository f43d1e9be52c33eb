"""An SRT push's sender child, seen from the gateway: started beside the ffmpeg child, read, stopped.

``SrtPushWorker`` starts ``mcv srt-send`` (video/srt_send_child.py) with the ffmpeg child's
stdout as its stdin, an OS pipe from one child to the other that no byte of video crosses
in the gateway, and hands it the target (URL and passphrase) through an inherited pipe,
never its command line or environment. The thread ``mcv-video-dispatch-<id>-srt`` reads the
child's stdout: SRT's statistics about every ``READING_PERIOD_S`` (``srt_report``), and its
failure. Over the last ``WINDOW_S`` they say what goes out (``kbps``), whether the link
carries it (``link_full``: the send buffer, retransmissions and drops, see
``srt_sender.link_full``) and what the link carried (``carried_kbps``: exact while clear;
while full a guess on the low side, because HQ acknowledges past the packets it gave up on
and SRT's loss reports miss lost retransmissions). The first ``STARTUP_S`` after video
begins to flow count for none of them (the push reads as not sending yet): they carry at once
what queued while the child started and called HQ. libsrt never runs in the gateway: a
crash of the child ends this push only, and ``failure`` says why in one sentence. The child
dies with the gateway (``die_with_parent``). Every method may be called from any thread.
"""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import threading

from radios.child_process import die_with_parent, end_process
from video.dispatch_target import DispatchTarget
from video.srt_report import SenderFailure, parse_line
from video.srt_sender import SrtStats, link_full

READING_PERIOD_S = 0.5  # the child's STATS_PERIOD_S
WINDOW_S = 2.0  # the figures are over this window, as ffmpeg's progress for RTMP (video/dispatch_child.py)
FULL_WINDOW_S = 1.0  # a full link is judged over the last second only: the capacity estimate wants it
# for 2 s running (video/dispatch_capacity.py), so one burst (a key frame, a hiccup) is not a full link
STARTUP_S = 2.0
"""Left out of the figures from the first video sent: what queued while the child started goes out
at once then (measured here under a load average of 28: up to 3.8 Mbit/s for about a second from
a 1,200 kb/s push; the next second was back to its rate)."""
LAST_WORDS_KEPT = 6
FINISH_TIMEOUT_S = 2.0  # after its input ended, the child closes the connection and exits within this
JOIN_TIMEOUT_S = 5.0


def sender_command() -> list[str]:
    """How the sender child is started: the form the frozen bundle accepts too (installer/bundle_entry.py)."""
    return [sys.executable, "-m", "console", "srt-send"]


class SrtPushWorker:
    """The sender child of one SRT push and the thread reading it; starts at once."""

    def __init__(self, encoder: subprocess.Popen[bytes], target: DispatchTarget, stream_id: str,
                 command: list[str] | None = None) -> None:
        self._target = target
        self._latency_ms = target.srt_settings().latency_ms  # the URL was checked before (``available``)
        self._lock = threading.Lock()  # guards _readings, _failure, _last_words
        self._readings: collections.deque[SrtStats] = collections.deque()
        self._flowing_since: float | None = None  # when the first video went out (the child's clock)
        self._failure: SenderFailure | None = None
        self._last_words: collections.deque[str] = collections.deque(maxlen=LAST_WORDS_KEPT)
        settings_read, settings_write = os.pipe()
        try:
            self._child = subprocess.Popen(
                [*(command or sender_command()), "--settings-fd", str(settings_read)],
                stdin=encoder.stdout, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                pass_fds=(settings_read,), preexec_fn=die_with_parent)
        except BaseException:
            os.close(settings_write)
            raise
        finally:
            os.close(settings_read)
            encoder.stdout.close()  # the sender child reads it now; the gateway never does
        self.pid = self._child.pid
        self._hand_over(settings_write)
        self._thread = threading.Thread(target=self._read, name=f"mcv-video-dispatch-{stream_id}-srt", daemon=True)
        self._thread.start()

    def _hand_over(self, fd: int) -> None:
        """Write the target into the child's settings pipe (a few hundred bytes: the pipe holds them)."""
        data = json.dumps({"url": self._target.url, "passphrase": self._target.passphrase}).encode()
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        except OSError:
            pass  # the child already ended: its exit says why
        finally:
            os.close(fd)

    def _read(self) -> None:
        """Body of ``mcv-video-dispatch-<id>-srt``: the child's lines until it ends."""
        for raw in self._child.stdout:
            line = parse_line(raw.rstrip(b"\n"))
            with self._lock:
                if isinstance(line, SrtStats):
                    if self._flowing_since is None and line.unique_bytes > 0:
                        self._flowing_since = line.at
                    if self._flowing_since is None or line.at < self._flowing_since + STARTUP_S:
                        continue
                    self._readings.append(line)
                    while len(self._readings) > 2 and self._readings[1].at <= line.at - WINDOW_S:
                        self._readings.popleft()
                elif isinstance(line, SenderFailure):
                    self._failure = self._failure or line
                elif raw.strip():
                    self._last_words.append(raw.decode("utf-8", "replace").strip()[:300])
        self._child.stdout.close()

    def _window(self, span_s: float = WINDOW_S) -> tuple[SrtStats, SrtStats] | None:
        """The oldest reading within ``span_s`` of the newest, and the newest; None before two."""
        with self._lock:
            if len(self._readings) < 2:
                return None
            last = self._readings[-1]
            first = next((r for r in self._readings if r.at >= last.at - span_s - READING_PERIOD_S / 2), last)
            if first is last:
                first = self._readings[-2]
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
        """Whether SRT's figures over the last second say the link does not carry what is sent."""
        window = self._window(FULL_WINDOW_S)
        return window is not None and link_full(window[0], window[1], self._latency_ms)

    def ended(self) -> bool:
        """Whether the child has exited (any thread)."""
        return self._child.poll() is not None

    def stop(self) -> None:
        """Ask the child to end now, by its PID (any thread): it closes the connection and exits."""
        if self._child.poll() is None:
            self._child.terminate()

    def finish(self) -> None:
        """The push thread, after the ffmpeg child ended: let the child end (its input ended), or end it;
        reap it and join the reading thread."""
        end_process(self._child, FINISH_TIMEOUT_S, own_end_s=FINISH_TIMEOUT_S)
        self._thread.join(JOIN_TIMEOUT_S)

    def failure(self) -> str | None:
        """Why the push failed on the SRT side, in one sentence with secrets masked; None when it did not.

        Call after ``finish``. A refusal or a lost connection is said from libsrt's reasons; a child
        that crashed or was killed is said with its signal.
        """
        with self._lock:
            failure, last_words = self._failure, list(self._last_words)
        if failure is not None:
            return self._target.explain_srt(failure)
        code = self._child.returncode
        if code is None or code == 0:
            return None
        place = self._target.place
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            return (f"the SRT sender to HQ's media server at {place} ended with {name}; "
                    "it is started again (see the gateway's log if this repeats)")
        said = self._target.scrub(last_words[-1]) if last_words else f"exit status {code}"
        return f"the SRT sender to HQ's media server at {place} stopped ({said}); it is started again"

    def readings(self) -> list[SrtStats]:
        """The readings in the window, oldest first (for tests and the benchmark)."""
        with self._lock:
            return list(self._readings)
