"""The ``mcv`` command: demo, gateway, console, doctor, report, export, maps, video, hq.

Qt is imported only by the commands that open a window, so ``mcv gateway`` runs on a
headless vehicle PC. A bad config ends the command with exit code 2 and one message.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import signal
import sys
import threading
from pathlib import Path

from radios.config import RENDERERS, ConfigError, load_config
from radios.heap_tuning import tune_heap
from radios.version import version

EXIT_CONFIG = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mcv", description="Console of an emergency mobile command vehicle.")
    parser.add_argument("--version", action="version", version=f"mcv {version()}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_config(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--config", type=Path, help="config file (default: the platform's config folder)")
        return sub

    demo = with_config(commands.add_parser("demo", help="start a broker, gateway, simulated field and console"))
    demo.add_argument("--headless", action="store_true", help="no window; print a summary at the end")
    demo.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    demo.add_argument("--seats", type=int, default=1, choices=(1, 2, 3), help="open this many seats")
    demo.add_argument("--lang", choices=("en", "zh_CN"))
    for flag, what in (("--outage-at", "cut the backhaul to HQ S seconds in (default 120)"),
                       ("--outage-for", "keep it cut for S seconds (default 60)"),
                       ("--sos-at", "Rescue 2 sends an SOS S seconds in (default 150, during the outage); "
                        "a --duration of 30 s or more fits all three into the run")):
        demo.add_argument(flag, type=float, metavar="S", help=what)
    with_config(commands.add_parser("gateway", help="run the headless gateway service"))
    console = with_config(commands.add_parser("console", help="open a console seat"))
    console.add_argument("--seat", choices=("commander", "comms", "drone"))
    console.add_argument("--lang", choices=("en", "zh_CN"))
    for sub in (demo, console):
        sub.add_argument("--renderer", choices=RENDERERS, help="how video tiles are drawn (default: [video] renderer)")
    with_config(commands.add_parser("doctor", help="check this machine and the config"))
    hq = commands.add_parser("hq", help="tools for district HQ").add_subparsers(dest="hq_command", required=True)
    hq.add_parser("decode", help="print satellite (SBD) messages as JSON").add_argument(
        "files", nargs="+", metavar="FILE", help="one message per file; - reads standard input")
    _add_report_commands(commands, with_config)
    from console.maps_cli import add_maps_commands  # Qt-free, cheap: argparse only

    add_maps_commands(commands)
    from console.video_cli import add_video_commands  # cheap: argparse only

    add_video_commands(commands)
    # Internal, not listed: the SRT sender child of a push to HQ (video/srt_send_child.py).
    commands.add_parser("srt-send").add_argument("--settings-fd", type=int, required=True)
    return parser


def _add_report_commands(commands, with_config) -> None:
    """``mcv report`` and ``mcv export``: read the store beside the gateway (times: ISO 8601 or now-2h)."""
    report = with_config(commands.add_parser("report", help="write the after-action report (HTML or PDF)"))
    export = with_config(commands.add_parser("export", help="export events, tracks or units for other tools"))
    export.add_argument("what", choices=("events", "tracks", "units"))
    export.add_argument("--format", choices=("csv", "gpx", "kml", "geojson"), help="default: from --out's suffix")
    for sub in (report, export):
        sub.add_argument("--from", dest="start", required=True, metavar="T", help="e.g. 2024-05-01T14:00 or now-2h")
        sub.add_argument("--to", dest="end", default="now", metavar="T", help="default: now")
        sub.add_argument("--out", type=Path, required=True, metavar="FILE")
    report.add_argument("--lang", choices=("en", "zh_CN"))


def main(argv: list[str] | None = None) -> int:
    tune_heap()  # before any thread: every mcv process may run for days
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "srt-send":
        from video.srt_send_child import run_srt_send  # neither Qt nor av: libsrt alone in its process

        return run_srt_send(args.settings_fd)
    if args.command == "video":
        from console.video_cli import run_video

        return run_video(args)
    if args.command == "maps":
        from console.maps_cli import run_maps

        return run_maps(args)
    if args.command == "hq":
        from radios.hq_sbd import run_decode

        return run_decode(args.files)
    if args.command == "doctor":
        from console.doctor import run_doctor

        return run_doctor(args.config)
    try:
        config = load_config(args.config, must_exist=args.config is not None or args.command != "demo")
    except ConfigError as exc:
        print(f"mcv: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    if getattr(args, "renderer", None):
        config = dataclasses.replace(config, video=dataclasses.replace(config.video, renderer=args.renderer))
    if args.command == "gateway":
        return _gateway(config)
    if args.command == "report":
        from console.report import run_report

        return run_report(config, args.start, args.end, args.out, args.lang)
    if args.command == "export":
        from radios.exports import run_export

        return run_export(config, args.what, args.start, args.end, args.format, args.out)
    if args.command == "console":
        if config.broker.url is None:
            return _no_broker(config)
        from console.app import run_console

        return run_console(config, args.seat, args.lang)
    from console.demo import run_demo
    from radios.demo_scenario import ScenarioTimeline

    try:
        timeline = ScenarioTimeline.fitted(args.duration, outage_at_s=args.outage_at, outage_for_s=args.outage_for,
                                           sos_at_s=args.sos_at)
    except ValueError as exc:
        print(f"mcv demo: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    return run_demo(config, headless=args.headless, duration_s=args.duration, seats=args.seats, lang=args.lang,
                    timeline=timeline)


def _gateway(config) -> int:
    from radios.gateway import run_gateway

    if config.broker.url is None:
        return _no_broker(config)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return run_gateway(config, stop)


def _no_broker(config) -> int:
    print(f"mcv: {config.path}: [broker] url is not set. Fix: set it to the vehicle's broker, "
          "for example url = \"mqtt://127.0.0.1:1883\".", file=sys.stderr)
    return EXIT_CONFIG
