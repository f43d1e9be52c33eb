"""``mcv srt-send``: the SRT sender child of one SRT push, MPEG-TS from its stdin to HQ through libsrt.

The gateway (``SrtPushWorker``, video/srt_push.py) starts it as ``sys.executable -m console
srt-send --settings-fd N`` with the ffmpeg child's stdout as its stdin, and writes the target
as one JSON object (``{"url": …, "passphrase": …}``) into the inherited pipe ``N``: neither
the ``srt://`` URL nor the passphrase is on a command line or in an environment. The child
calls HQ (``SrtSender``: the passphrase set with ``SRTO_PASSPHRASE``), sends whole TS packets
as they come and writes SRT's statistics as one JSON line about every ``STATS_PERIOD_S`` on
its stdout; a failure is one last line (``srt_report.failure_line``) and a non-zero exit.

It is a process of its own so that libsrt (and the gnutls it links) never shares a process
with PyAV's bundled copies, and so that a fault in a C library ends only this push, which
the gateway's worker retries. It imports neither Qt nor av. Threads: the main thread
connects and pumps; ``mcv-srt-stats`` writes the statistics. Exit status: 0 at the end of its
input or on SIGTERM (the SRT connection closed cleanly, so HQ sees the publish end),
1 when SRT failed, 2 for settings it cannot use.
"""

from __future__ import annotations

import json
import os
import signal
import threading

from video import srt_library
from video.srt_report import SETTINGS, SRT, UNAVAILABLE, SenderFailure, failure_line, stats_line
from video.srt_sender import SrtCallerSettings, SrtError, SrtSender

STATS_PERIOD_S = 0.5
READ_BYTES = 188 * 348  # up to 64 KiB of whole TS packets per read
TS_PACKET = 188
SETTINGS_MAX_BYTES = 65_536
EXIT_DONE, EXIT_FAILED, EXIT_SETTINGS = 0, 1, 2


class _Stopped(Exception):
    """SIGTERM arrived: close the connection and end."""


def run_srt_send(settings_fd: int) -> int:
    """Body of ``mcv srt-send`` (the main thread): returns the exit status."""
    try:
        settings = _read_settings(settings_fd)
    except ValueError as exc:
        return _fail(SenderFailure(str(exc), SETTINGS), EXIT_SETTINGS)
    signal.signal(signal.SIGTERM, _on_sigterm)
    sender = None
    stats: _StatsWriter | None = None
    try:
        sender = SrtSender(settings)
        sender.connect()
        stats = _StatsWriter(sender)
        _pump(sender)
        return EXIT_DONE
    except _Stopped:
        return EXIT_DONE
    except SrtError as exc:
        return _fail(SenderFailure(str(exc), SRT, exc.code, exc.reject), EXIT_FAILED)
    except srt_library.SrtUnavailable as exc:
        return _fail(SenderFailure(str(exc), UNAVAILABLE), EXIT_FAILED)
    except BrokenPipeError:
        return EXIT_DONE  # the gateway went: nobody to tell
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if stats is not None:
            stats.stop()
        if sender is not None:
            sender.close()


def _on_sigterm(signum, frame) -> None:
    raise _Stopped


def _read_settings(fd: int) -> SrtCallerSettings:
    """The target from the inherited pipe: ``ValueError`` naming what is wrong (never its secrets)."""
    chunks, size = [], 0
    try:
        while size <= SETTINGS_MAX_BYTES:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        os.close(fd)
    except OSError as exc:
        raise ValueError(f"the SRT sender got no settings from the gateway ({exc.strerror})") from None
    try:
        value = json.loads(b"".join(chunks))
    except (ValueError, RecursionError):
        value = None
    if (not isinstance(value, dict) or not isinstance(value.get("url"), str)
            or not isinstance(value.get("passphrase"), (str, type(None)))):
        raise ValueError("the SRT sender got unreadable settings from the gateway")
    return SrtCallerSettings.from_url(value["url"], value.get("passphrase"))


def _pump(sender: SrtSender) -> None:
    """stdin to SRT, whole TS packets, until stdin ends (the encoder ended) or SRT fails."""
    pending = b""
    while True:
        data = os.read(0, READ_BYTES)
        if not data:
            return
        pending += data
        whole = len(pending) - len(pending) % TS_PACKET
        if whole:
            sender.send(pending[:whole])
            pending = pending[whole:]


def _fail(failure: SenderFailure, status: int) -> int:
    try:
        os.write(1, failure_line(failure))
    except OSError:
        pass  # the gateway went
    return status


class _StatsWriter:
    """Writes SRT's statistics on stdout every ``STATS_PERIOD_S`` on ``mcv-srt-stats``, the first at once."""

    def __init__(self, sender: SrtSender) -> None:
        self._sender = sender
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mcv-srt-stats", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                os.write(1, stats_line(self._sender.stats()))
            except OSError:
                return  # the gateway went
            if self._stopping.wait(STATS_PERIOD_S):
                return

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(2 * STATS_PERIOD_S)
