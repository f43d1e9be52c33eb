"""``mcv maps``: seed an MBTiles file from a tile server, show a tile file, import and export tiles.

Qt-free and cheap to import (the ``maps`` modules load only when a command runs), so
the commands work on a headless vehicle PC. Every failure a person can fix ends the
command with one sentence on stderr naming the file or option, and exit code 2;
Ctrl+C during a seed stops after the current tile (exit 130) and the same command
run again resumes where it stopped.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
import time
from pathlib import Path

EXIT_OK = 0
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130
DEFAULT_RATE_PER_S = 2.0
PROGRESS_INTERVAL_S = 0.25
MAX_SEED_TILES = 1_000_000  # ~15 GB of street tiles: more is a mistake in --bbox or --zoom


def add_maps_commands(commands) -> None:
    """Add ``maps`` and its sub-commands to the ``mcv`` parser's sub-parsers."""
    maps = commands.add_parser("maps", help="seed, inspect, import and export offline map tiles")
    sub = maps.add_subparsers(dest="maps_command", required=True, metavar="MAPS_COMMAND")

    seed = sub.add_parser("seed", help="fetch every tile of an area into an MBTiles file (resumable)")
    where = seed.add_mutually_exclusive_group(required=True)
    where.add_argument("--source", metavar="ID", help="a [[map.sources]] id from the config file")
    where.add_argument("--url", metavar="TEMPLATE", help="a tile URL template with {z}, {x} and {y}")
    seed.add_argument("--config", type=Path, help="config file holding --source (default: the platform's)")
    seed.add_argument("--bbox", required=True, metavar="W,S,E,N", help="area in degrees, e.g. 120.1,30.2,120.2,30.3")
    seed.add_argument("--zoom", required=True, metavar="MIN-MAX", help="zoom range, e.g. 10-17 (or one zoom)")
    seed.add_argument("--out", type=Path, required=True, metavar="FILE.mbtiles")
    seed.add_argument("--rate", type=float, default=DEFAULT_RATE_PER_S, metavar="N",
                      help=f"at most N requests a second, retries included (default {DEFAULT_RATE_PER_S:g})")
    seed.add_argument("--subdomains", default="", metavar="a,b,c", help="values for {s} in the URL template")
    seed.add_argument("--datum", choices=("WGS-84", "GCJ-02"), help="datum of the tiles (default WGS-84)")
    seed.add_argument("--attribution", default=None, help="credit line stored with the tiles")
    seed.add_argument("--user-agent", default=None, help="HTTP User-Agent to send")
    seed.add_argument("--token-file", type=Path, metavar="FILE",
                      help="file whose first line is the value for {token} (kept off the command line)")
    seed.add_argument("--attempts", type=int, default=5, metavar="N", help="tries per tile before giving it up")
    seed.add_argument("--retry-delay", type=float, default=1.0, metavar="S",
                      help="first back-off after a failed try, doubled each time (default 1)")
    seed.add_argument("--max-tiles", type=int, default=MAX_SEED_TILES, metavar="N",
                      help=f"refuse a run of more than N tiles (default {MAX_SEED_TILES})")
    seed.add_argument("--dry-run", action="store_true", help="print the estimate and fetch nothing")

    info = sub.add_parser("info", help="format, bounds, zooms, tile count and size of an MBTiles file")
    info.add_argument("file", type=Path, metavar="FILE.mbtiles")
    info.add_argument("--json", action="store_true", help="print JSON instead of text")

    imp = sub.add_parser("import", help="merge an MBTiles file or XYZ folder into an MBTiles file")
    imp.add_argument("src", type=Path, metavar="SRC", help="an MBTiles file or a {z}/{x}/{y} tile folder")
    imp.add_argument("--out", type=Path, required=True, metavar="FILE.mbtiles")
    imp.add_argument("--overwrite", action="store_true", help="replace tiles the output already holds")

    exp = sub.add_parser("export", help="write an MBTiles file's tiles to a new MBTiles file or XYZ folder")
    exp.add_argument("file", type=Path, metavar="FILE.mbtiles")
    exp.add_argument("--out", type=Path, required=True, metavar="DEST", help="a new .mbtiles file or a new folder")
    exp.add_argument("--bbox", metavar="W,S,E,N", help="only this area (MBTiles output)")
    exp.add_argument("--zoom", metavar="MIN-MAX", help="only these zooms (MBTiles output)")


class UsageError(Exception):
    """A command-line value or file a person must fix; the message says which and how."""


def run_maps(args: argparse.Namespace) -> int:
    """Run one ``mcv maps`` command; errors become one line on stderr and exit code 2."""
    from maps.tile_source import TileError

    handlers = {"seed": _seed, "info": _info, "import": _import, "export": _export}
    try:
        return handlers[args.maps_command](args)
    except (UsageError, TileError, ValueError) as exc:
        print(f"mcv maps {args.maps_command}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        print(f"mcv maps {args.maps_command}: {exc.strerror or exc} ({exc.filename or ''}); "
              "check the path and its permissions", file=sys.stderr)
        return EXIT_ERROR


def parse_zoom_range(text: str) -> tuple[int, int]:
    """``"10-17"`` or ``"12"`` as (min, max); ``UsageError`` names what is wrong."""
    from maps.tile_source import MAX_ZOOM

    low, sep, high = text.strip().partition("-")
    if not sep:
        high = low
    if not (low.isascii() and low.isdigit() and high.isascii() and high.isdigit()):
        raise UsageError(f"--zoom {text!r} must be MIN-MAX like 10-17, or one zoom like 12")
    first, last = int(low), int(high)
    if not 0 <= first <= last <= MAX_ZOOM:
        raise UsageError(f"--zoom {text!r} must satisfy 0 <= MIN <= MAX <= {MAX_ZOOM}")
    return first, last


def _parse_bbox(text: str):
    from maps.mercator import parse_bbox

    try:
        return parse_bbox(text)
    except ValueError as exc:
        raise UsageError(f"--{exc}") from None


def format_bytes(count: float) -> str:
    """A byte count for people: ``1.2 MB``."""
    for unit in ("B", "kB", "MB", "GB"):
        if abs(count) < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} GB"


def format_duration(seconds: float | None) -> str:
    """``h:mm:ss`` or ``m:ss``; ``?`` when unknown."""
    if seconds is None:
        return "?"
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_line(progress) -> str:
    """One progress line: done of total, percent, rate and time left."""
    share = 100.0 * progress.done / progress.total if progress.total else 100.0
    return (f"{progress.done}/{progress.total} tiles ({share:.0f} %) · {progress.fetched} fetched, "
            f"{progress.skipped} held, {progress.missing} missing, {progress.failed} failed · "
            f"{progress.rate_per_s:.1f} tiles/s · {format_duration(progress.eta_s)} left")


# -- seed ---------------------------------------------------------------------------

def _tile_source(args: argparse.Namespace):
    """The source ``--url`` or ``--source`` names (a ``TileSource``); ``UsageError`` if it cannot be made."""
    from maps.datum import Datum
    from maps.http_source import DEFAULT_USER_AGENT, HttpSourceConfig, HttpTileSource
    from maps.tile_source import MAX_ZOOM

    if not 0 < args.rate <= 10_000:
        raise UsageError(f"--rate {args.rate} must be a number of requests a second above 0 and at most 10000")
    subdomains = tuple(s for s in args.subdomains.split(",") if s)
    common = dict(subdomains=subdomains, token=_read_token(args.token_file), rate_per_s=args.rate, min_zoom=0, max_zoom=MAX_ZOOM, burst=max(1, min(4, int(args.rate))),
                  user_agent=args.user_agent or DEFAULT_USER_AGENT)
    if args.url:
        config = HttpSourceConfig("seed", args.url, datum=Datum(args.datum or "WGS-84"),
                                  attribution=args.attribution or "", **common)
        return HttpTileSource(config)
    from radios.config import ConfigError, load_config

    try:
        config = load_config(args.config, must_exist=True)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    found = [s for s in config.map.sources if s.id == args.source]
    if not found:
        known = ", ".join(s.id for s in config.map.sources) or "none"
        raise UsageError(f"{config.path} has no [[map.sources]] with id {args.source!r} (it has: {known})")
    entry = found[0]
    datum = Datum(args.datum or entry.datum)
    attribution = args.attribution if args.attribution is not None else entry.attribution
    if entry.kind == "http":
        return HttpTileSource(HttpSourceConfig(entry.id, entry.url, datum=datum, attribution=attribution, **common))
    if entry.kind == "xyz":
        from maps.xyz_folder import XyzFolderSource

        return XyzFolderSource(entry.path, source_id=entry.id, datum=datum, attribution=attribution)
    from maps.mbtiles import MbtilesStore

    return MbtilesStore(entry.path, source_id=entry.id, datum=datum)


def _read_token(path: Path | None) -> str:
    """The first line of ``--token-file``, or an empty string without one."""
    if path is None:
        return ""
    try:
        token = path.read_text(encoding="utf-8").splitlines()[0].strip() if path.stat().st_size < 4096 else ""
    except (OSError, UnicodeDecodeError, IndexError):
        token = ""
    if not token:
        raise UsageError(f"--token-file {path} must be a readable text file whose first line is the token")
    return token


def _seed(args: argparse.Namespace) -> int:
    from maps.mbtiles import MbtilesStore
    from maps.seeding import RetryPolicy, estimate, seed

    if args.config is not None and args.url:
        raise UsageError("--config goes with --source; --url needs no config file")
    box = _parse_bbox(args.bbox)
    low, high = parse_zoom_range(args.zoom)
    if args.attempts < 1:
        raise UsageError(f"--attempts {args.attempts} must be at least 1")
    if not 0 <= args.retry_delay <= 3600:
        raise UsageError(f"--retry-delay {args.retry_delay} must be between 0 and 3600 seconds")
    if args.out.exists() and args.out.is_dir():
        raise UsageError(f"--out {args.out} is a folder; give an .mbtiles file name")
    from maps.mercator import count_tiles

    total = count_tiles(box, low, high)
    if total > args.max_tiles:
        raise UsageError(f"{total} tiles is more than --max-tiles {args.max_tiles}; make --bbox smaller or "
                         "lower the top of --zoom (or raise --max-tiles)")
    source = _tile_source(args)
    try:
        _check_source(source, low, high)
        if args.dry_run and not args.out.exists():
            guess = estimate(box, low, high)
            print(f"seed: {guess.tiles} tiles at zooms {low}-{high}, about {format_bytes(guess.approx_bytes)}; "
                  "dry run, nothing fetched", file=sys.stderr)
            return EXIT_OK
        with MbtilesStore(args.out, writable=True) as out:
            guess = estimate(box, low, high, out)
            print(f"seed: {guess.tiles} tiles at zooms {low}-{high}, {guess.present} already in {args.out}, "
                  f"about {format_bytes(guess.approx_bytes)} to fetch at most {args.rate:g} a second",
                  file=sys.stderr, flush=True)
            if args.dry_run:
                return EXIT_OK
            retry = RetryPolicy(max_attempts=args.attempts, base_delay_s=args.retry_delay)
            return _run_seed(source, out, box, low, high, retry, seed)
    finally:
        source.close()


def _check_source(source, low: int, high: int) -> None:
    """Refuse before anything is written: zooms the source lacks, servers that forbid bulk downloads."""
    import urllib.parse

    from maps.http_source import HttpTileSource
    from maps.seeding import NO_BULK_HOSTS

    if isinstance(source, HttpTileSource):
        host = urllib.parse.urlsplit(source.config.url_template).hostname or ""
        if any(host == h or host.endswith("." + h) for h in NO_BULK_HOSTS):
            raise UsageError(f"{host} forbids bulk downloads; seed from a tile server of your own")
    elif low < source.min_zoom or high > source.max_zoom:
        raise UsageError(f"tile source {source.id} has zooms {source.min_zoom}-{source.max_zoom}, "
                         f"not {low}-{high}; change --zoom")


def _run_seed(source, out, box, low: int, high: int, retry, seed) -> int:
    """Seed on this (the main) thread; SIGINT and SIGTERM set the stop flag instead of raising."""
    stop = threading.Event()
    width = [0]

    def show(progress) -> None:
        """Seeding thread (this one): rewrite the progress line in place."""
        line = progress_line(progress)
        sys.stderr.write("\r" + line.ljust(width[0]))
        sys.stderr.flush()
        width[0] = len(line)

    def on_signal(*_: object) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    # Each given-up tile is counted in the progress line and the summary; a log line per tile would break it.
    logging.getLogger("maps.seeding").setLevel(logging.ERROR)
    started = time.monotonic()
    try:
        result = seed(source, out, box, low, high, retry=retry, progress=show, stop=stop,
                      progress_interval_s=PROGRESS_INTERVAL_S)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sys.stderr.write("\n")
    took = time.monotonic() - started
    summary = (f"seed: {result.fetched} fetched ({format_bytes(result.bytes)}), {result.skipped} already held, "
               f"{result.missing} missing on the server, {result.failed} failed, in {format_duration(took)}")
    print(summary, file=sys.stderr)
    if result.error:
        hint = "" if "run again" in result.error else "; run the same command again to resume"
        print(f"seed: stopped: {result.error}{hint}", file=sys.stderr)
        return EXIT_ERROR
    if stop.is_set():
        print(f"seed: interrupted; {out.path} keeps what was fetched, run the same command again to resume",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    if result.failed:
        print(f"seed: {result.failed} tiles failed; run the same command again to fetch them", file=sys.stderr)
        return EXIT_ERROR
    return EXIT_OK


# -- info, import, export -----------------------------------------------------------

def _info(args: argparse.Namespace) -> int:
    from maps.mbtiles import MbtilesStore

    if args.file.is_dir():
        raise UsageError(f"{args.file} is a folder; `mcv maps info` reads an .mbtiles file")
    with MbtilesStore(args.file) as store:
        info = store.info()
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return EXIT_OK
    zooms = f"{info['min_zoom']}-{info['max_zoom']}" if info["zooms"] else "none"
    bounds = ", ".join(f"{v:g}" for v in info["bounds"]) if info["bounds"] else "not given"
    for label, value in (("file", info["path"]), ("name", info["name"]), ("format", info["format"] or "unknown"),
                         ("datum", info["datum"]), ("bounds", bounds), ("zooms", zooms),
                         ("tiles", str(info["tile_count"])), ("tile data", format_bytes(info["tile_bytes"])),
                         ("file size", format_bytes(info["file_bytes"])), ("attribution", info["attribution"] or "none")):
        print(f"{label:12} {value}")
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from maps.mbtiles import MbtilesStore
    from maps.seeding import import_mbtiles
    from maps.xyz_transfer import import_xyz_folder

    if not args.src.exists():
        raise UsageError(f"{args.src} does not exist; give an .mbtiles file or a tile folder")
    if args.src.resolve() == args.out.resolve():
        raise UsageError("the source and --out are the same file")
    if args.out.is_dir():
        raise UsageError(f"--out {args.out} is a folder; give an .mbtiles file name")
    if args.src.is_file():
        MbtilesStore(args.src).close()  # a wrong or damaged source fails here, before --out is created
    with MbtilesStore(args.out, writable=True) as out:
        if args.src.is_dir():
            result = import_xyz_folder(args.src, out, overwrite=args.overwrite)
        else:
            result = import_mbtiles(args.src, out, overwrite=args.overwrite)
    print(f"import: {result.copied} tiles copied into {args.out}, {result.skipped} already there, "
          f"{result.rejected} unusable skipped", file=sys.stderr)
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from maps.mbtiles import MbtilesStore
    from maps.seeding import export_mbtiles
    from maps.tile_source import MAX_ZOOM
    from maps.xyz_transfer import export_xyz_folder

    to_mbtiles = args.out.suffix.lower() == ".mbtiles"
    if not to_mbtiles and (args.bbox or args.zoom):
        raise UsageError("--bbox and --zoom apply to an .mbtiles export; a folder export writes every tile")
    box = _parse_bbox(args.bbox) if args.bbox else None
    low, high = parse_zoom_range(args.zoom) if args.zoom else (0, MAX_ZOOM)
    with MbtilesStore(args.file) as src:
        if to_mbtiles:
            result = export_mbtiles(src, args.out, box, low, high)
        else:
            result = export_xyz_folder(src, args.out)
    print(f"export: {result.copied} tiles written to {args.out}, {result.rejected} unusable skipped",
          file=sys.stderr)
    return EXIT_OK
