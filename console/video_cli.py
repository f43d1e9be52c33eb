"""``mcv video``: verify a recordings folder against its evidence manifest; save a snapshot;
probe a stream.

Cheap to import (argparse only): PyAV loads when a command runs, Qt only for
``snapshot`` (to write the PNG). ``verify`` exits 0 when every folder is intact and 1
naming the first problem; ``snapshot`` exits 0 with the PNG written and 1 naming why
not; ``probe`` exits 0 with the stream's figures and 1 with one line saying why there is
no picture; a path a person must fix exits 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
import time
from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
SNAPSHOT_TIMEOUT_S = 10.0
PROBE_SECONDS = 3.0
PROBE_FIRST_FRAME_TIMEOUT_S = 9.0
"""Longest wait for the first picture: the ingest's open timeout (5 s), a slow first key frame, a margin."""


def add_video_commands(commands) -> None:
    """Add ``video`` and its sub-commands to the ``mcv`` parser's sub-parsers."""
    video = commands.add_parser("video", help="check evidence recordings, save a snapshot of a stream, probe a stream")
    sub = video.add_subparsers(dest="video_command", required=True, metavar="VIDEO_COMMAND")
    verify = sub.add_parser("verify", help="check a recordings folder against its hash-chained manifest")
    verify.add_argument("folder", type=Path, metavar="FOLDER",
                        help="a stream's recordings folder, or the recordings folder holding several")
    snapshot = sub.add_parser("snapshot", help="save one decoded frame of a stream as PNG")
    snapshot.add_argument("--url", required=True, help="rtsp://… (or any URL or file PyAV opens)")
    snapshot.add_argument("--out", type=Path, required=True, metavar="FILE.png")
    snapshot.add_argument("--transport", choices=("tcp", "udp"), default="tcp", help="RTP transport (default tcp)")
    snapshot.add_argument("--timeout", type=float, default=SNAPSHOT_TIMEOUT_S, metavar="S",
                          help=f"give up after S seconds without a picture (default {SNAPSHOT_TIMEOUT_S:g})")
    probe = sub.add_parser("probe", help="connect to a stream and print its codec, resolution, frames/s, bitrate")
    probe.add_argument("url", metavar="URL", help="rtsp://… (or any URL or file PyAV opens)")
    probe.add_argument("--seconds", type=float, default=PROBE_SECONDS, metavar="N",
                       help=f"measure for N seconds after the first picture (default {PROBE_SECONDS:g})")
    probe.add_argument("--transport", choices=("tcp", "udp"), default="tcp", help="RTP transport (default tcp)")
    probe.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def run_video(args: argparse.Namespace) -> int:
    """Run one ``mcv video`` command and return its exit code."""
    if args.video_command == "verify":
        return verify_command(args.folder)
    if args.video_command == "probe":
        return probe_command(args.url, args.seconds, args.transport, args.json)
    return snapshot_command(args.url, args.out, args.transport, args.timeout)


def verify_command(folder: Path) -> int:
    """Verify ``folder`` (or each stream folder in it); print one line per folder."""
    from video.evidence import MANIFEST_NAME, verify

    if not folder.is_dir():
        print(f"mcv video verify: {folder} is not a folder; give the recordings folder", file=sys.stderr)
        return EXIT_USAGE
    folders = [folder] if (folder / MANIFEST_NAME).exists() else sorted(
        child for child in folder.iterdir() if child.is_dir() and (child / MANIFEST_NAME).exists())
    if not folders:
        print(f"mcv video verify: {folder} holds no {MANIFEST_NAME}, nor does any folder in it", file=sys.stderr)
        return EXIT_FAILED
    intact = True
    for checked in folders:
        report = verify(checked)
        for name in report.unlisted:
            print(f"{checked}: note: {name} is not in the manifest (not vouched for)")
        for note in report.notes:
            print(f"{checked}: note: {note}")
        if report.ok:
            print(f"{checked}: intact, {report.segments} segments, manifest head {report.head}")
        else:
            intact = False
            more = f" (and {len(report.problems) - 1} more)" if len(report.problems) > 1 else ""
            print(f"{checked}: FAILED: {report.problems[0]}{more}", file=sys.stderr)
    return EXIT_OK if intact else EXIT_FAILED


def snapshot_command(url: str, out: Path, transport: str, timeout_s: float) -> int:
    """Pull ``url`` until one frame is decoded and save it to ``out`` as PNG."""
    from radios.config import mask_url
    from video.ingest import RtspIngestWorker
    from video.snapshot import LatestFrame

    if not out.parent.is_dir():
        print(f"mcv video snapshot: the folder {out.parent} does not exist; create it or choose another --out",
              file=sys.stderr)
        return EXIT_USAGE
    latest = LatestFrame()
    worker = RtspIngestWorker(_CliStream(url, transport), on_frame=latest.on_frame)
    worker.start()
    try:
        got = latest.wait(timeout_s)
        reason = worker.health().last_error
    finally:
        worker.stop(timeout=10)
    image = latest.grab() if got else None
    if image is None:
        print(f"mcv video snapshot: no picture from {mask_url(url)} within {timeout_s:g} s"
              + (f": {reason}" if reason else ""), file=sys.stderr)
        return EXIT_FAILED
    from console.tile_snapshot import save_png  # Qt loads only here

    if not save_png(image, out):
        print(f"mcv video snapshot: cannot write {out}; check the folder's permissions and free space",
              file=sys.stderr)
        return EXIT_FAILED
    print(f"{out}: {image.width}x{image.height} from {mask_url(url)}")
    return EXIT_OK


def probe_command(url: str, seconds: float, transport: str, as_json: bool) -> int:
    """Pull ``url`` until the first picture, measure for ``seconds``, print the figures."""
    from radios.config import mask_url
    from video.ingest import RtspIngestWorker

    if seconds <= 0:
        print("mcv video probe: --seconds must be more than 0", file=sys.stderr)
        return EXIT_USAGE
    shown = mask_url(url)
    # The ingest logs every attempt and retry; here the one line below says it all.
    logging.getLogger("video.ingest").setLevel(logging.ERROR)
    watch = _ProbeWatch()
    worker = RtspIngestWorker(_CliStream(url, transport, stream_id="probe"), on_frame=watch.on_frame,
                              on_health=watch.on_health)
    started = time.monotonic()
    worker.start()
    try:
        first_frame_at = watch.wait_first_frame(PROBE_FIRST_FRAME_TIMEOUT_S)
        if first_frame_at is not None:
            time.sleep(seconds)
        health = worker.health()
    finally:
        worker.stop(timeout=10)
    if first_frame_at is None:
        reason = watch.error or health.last_error or f"no picture within {PROBE_FIRST_FRAME_TIMEOUT_S:g} s"
        print(f"mcv video probe: {shown}: {reason}", file=sys.stderr)
        return EXIT_FAILED
    figures = {
        "url": shown,
        "codec": health.codec,
        "width": health.width,
        "height": health.height,
        "fps": round(health.fps, 2),
        "bitrate_kbps": round(health.bitrate_kbps, 1),
        "first_frame_s": round(first_frame_at - started, 3),
    }
    if as_json:
        print(json.dumps(figures))
    else:
        print(f"{shown}: {figures['codec']} {health.resolution} {health.fps:.1f} fps "
              f"{health.bitrate_kbps:.0f} kb/s, first picture after {figures['first_frame_s']:.2f} s")
    return EXIT_OK


class _ProbeWatch:
    """Waits for a probe's first picture or its first failure (callbacks on the ingest threads)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self.first_frame_at: float | None = None
        self.error: str | None = None

    def on_frame(self, frame) -> None:
        """Called on the ingest thread."""
        with self._changed:
            if self.first_frame_at is None:
                self.first_frame_at = time.monotonic()
                self._changed.notify_all()

    def on_health(self, health) -> None:
        """Called on the ingest or watchdog thread; the first failed attempt ends the probe."""
        with self._changed:
            if health.last_error and self.error is None:
                self.error = health.last_error
                self._changed.notify_all()

    def wait_first_frame(self, timeout_s: float) -> float | None:
        """The first picture's time, or ``None`` after a failure or ``timeout_s``."""
        with self._changed:
            self._changed.wait_for(lambda: self.first_frame_at is not None or self.error is not None, timeout_s)
            return self.first_frame_at


class _CliStream:
    """The stream settings of a one-off pull from the command line."""

    def __init__(self, url: str, transport: str, stream_id: str = "snapshot") -> None:
        self.id = stream_id
        self.name = stream_id
        self.kind = "fixed"
        self.url = url
        self.sub_url = None
        self.transport = transport
        self.latency_ms = 200
