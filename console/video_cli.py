"""``mcv video``: verify a recordings folder against its evidence manifest; save a snapshot.

Cheap to import (argparse only): PyAV loads when a command runs, Qt only for
``snapshot`` (to write the PNG). ``verify`` exits 0 when every folder is intact and 1
naming the first problem; ``snapshot`` exits 0 with the PNG written and 1 naming why
not; a path a person must fix exits 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
SNAPSHOT_TIMEOUT_S = 10.0


def add_video_commands(commands) -> None:
    """Add ``video`` and its sub-commands to the ``mcv`` parser's sub-parsers."""
    video = commands.add_parser("video", help="check evidence recordings, save a snapshot of a stream")
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


def run_video(args: argparse.Namespace) -> int:
    """Run one ``mcv video`` command and return its exit code."""
    if args.video_command == "verify":
        return verify_command(args.folder)
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


class _CliStream:
    """The stream settings of a one-off pull from the command line."""

    def __init__(self, url: str, transport: str) -> None:
        self.id = "snapshot"
        self.name = "snapshot"
        self.kind = "fixed"
        self.url = url
        self.sub_url = None
        self.transport = transport
        self.latency_ms = 200
