"""Seeding: fill an MBTiles file with every tile of a box and zoom range, resumably.

The engine behind ``mcv maps seed``, ``import`` and ``export``. ``estimate`` counts
before anything is fetched; ``seed`` skips tiles the output already holds (so a run
that stopped resumes where it stopped), retries a failed tile as ``RetryPolicy``
decides, and stops when the network is gone rather than grinding through every tile.
The rate limit is the source's own (``HttpTileSource.fetch`` waits on its token
bucket before every request, retries included), so seeding can never exceed it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from maps.http_source import FetchResult, FetchStatus, HttpTileSource
from maps.mbtiles import DATUM_KEY, MbtilesStore, metadata_numbers
from maps.mercator import BBox, count_tiles, iter_tiles, tile_bounds
from maps.tile_source import MAX_ZOOM, TileError, TileKey, TileSource, tile_format

log = logging.getLogger(__name__)

TYPICAL_TILE_BYTES = 15_000  # a street-map PNG tile averages 10-20 KB
# Servers whose usage policy forbids bulk downloading; seed from a server of your own.
NO_BULK_HOSTS = ("tile.openstreetmap.org", "tile.osm.org")


@dataclass(frozen=True)
class SeedEstimate:
    """What a seed run will do: tiles in the area, already held, and bytes still to fetch."""

    tiles: int
    present: int
    approx_bytes: int


def estimate(
    box: BBox, min_zoom: int, max_zoom: int, out: MbtilesStore | None = None, *, bytes_per_tile: int | None = None
) -> SeedEstimate:
    """Count the tiles to seed without listing them; sizes follow ``out``'s mean tile if it has one."""
    total = count_tiles(box, min_zoom, max_zoom)
    present = out.count(box, min_zoom, max_zoom) if out is not None else 0
    if bytes_per_tile is None:
        held = out.count() if out is not None else 0
        bytes_per_tile = out.tile_bytes // held if out is not None and held else TYPICAL_TILE_BYTES
    return SeedEstimate(total, present, (total - present) * bytes_per_tile)


@dataclass(frozen=True)
class RetryPolicy:
    """Pure decision on retrying one tile: how long to back off, or give up.

    A run also stops after ``give_up_after_tiles`` tiles in a row failed every
    attempt: the network is gone, and a later run resumes.
    """

    max_attempts: int = 5
    base_delay_s: float = 1.0
    factor: float = 2.0
    max_delay_s: float = 60.0
    give_up_after_tiles: int = 3

    def decide(self, failures: int, retry_after_s: float | None = None) -> float | None:
        """Seconds to wait after the ``failures``-th failed attempt, or None to give the tile up.

        The delay doubles from ``base_delay_s`` up to ``max_delay_s``; a server's
        ``Retry-After`` is honoured when longer.
        """
        if failures >= self.max_attempts:
            return None
        delay = min(self.max_delay_s, self.base_delay_s * self.factor ** (failures - 1))
        return max(delay, retry_after_s) if retry_after_s is not None else delay


@dataclass(frozen=True)
class SeedProgress:
    """Where a run stands; ``rate_per_s`` counts tiles asked of the source, not skipped ones."""

    done: int
    total: int
    fetched: int
    skipped: int
    missing: int
    failed: int
    rate_per_s: float
    eta_s: float | None


@dataclass(frozen=True)
class SeedResult:
    """How a run ended; ``error`` says why it stopped early, empty when it did not."""

    total: int
    fetched: int
    skipped: int
    missing: int
    failed: int
    bytes: int
    stopped: bool
    error: str = ""


def _fetch(source: TileSource, key: TileKey) -> FetchResult:
    if isinstance(source, HttpTileSource):
        return source.fetch(*key)  # the network itself, not the source's cache
    try:
        data = source.get(*key)
    except TileError as exc:
        return FetchResult(FetchStatus.FATAL, error=str(exc))
    except OSError as exc:
        return FetchResult(FetchStatus.RETRY, error=f"tile source {source.id}: {exc}")
    return FetchResult(FetchStatus.OK, data) if data is not None else FetchResult(FetchStatus.MISSING)


def _seed_tile(
    source: TileSource, out: MbtilesStore, key: TileKey, retry: RetryPolicy, stop: threading.Event
) -> FetchResult:
    """Fetch one tile, retrying as ``retry`` decides, and store it; a RETRY result means given up."""
    failures = 0
    while True:
        result = _fetch(source, key)
        if result.status is FetchStatus.OK and result.data is not None:
            try:
                out.put(*key, result.data)
            except TileError as exc:
                return FetchResult(FetchStatus.FATAL, error=str(exc))
            return result
        if result.status is not FetchStatus.RETRY:
            return result
        failures += 1
        delay = retry.decide(failures, result.retry_after_s)
        if delay is None or stop.wait(delay):
            return result


def _refusal(source: TileSource, min_zoom: int, max_zoom: int) -> str:
    """Why this source may not be seeded over this zoom range, or an empty string."""
    if isinstance(source, HttpTileSource):
        host = urllib.parse.urlsplit(source.config.url_template).hostname or ""
        if any(host == h or host.endswith("." + h) for h in NO_BULK_HOSTS):
            return f"tile source {source.id}: {host} forbids bulk downloads; seed from a tile server of your own"
    if min_zoom < source.min_zoom or max_zoom > source.max_zoom:
        return f"tile source {source.id} offers zooms {source.min_zoom}-{source.max_zoom}, not {min_zoom}-{max_zoom}"
    return ""


def _merge_metadata(out: MbtilesStore, source: TileSource, box: BBox, min_zoom: int, max_zoom: int) -> str:
    """Write the standard metadata for the seeded area; returns an error if the datums clash."""
    old = out.metadata()
    if old.get(DATUM_KEY, str(source.datum)) != str(source.datum):
        return (
            f"{out.path} holds {old[DATUM_KEY]} tiles but source {source.id} draws {source.datum}; "
            "seed into another file"
        )
    info_bounds = metadata_numbers(old.get("bounds"), 4)
    if info_bounds:
        box = BBox(min(box.west, info_bounds[0]), min(box.south, info_bounds[1]),
                   max(box.east, info_bounds[2]), max(box.north, info_bounds[3]))
    old_low, old_high = metadata_numbers(old.get("minzoom"), 1), metadata_numbers(old.get("maxzoom"), 1)
    low = max(0, min(min_zoom, int(old_low[0]))) if old_low else min_zoom
    high = min(MAX_ZOOM, max(max_zoom, int(old_high[0]))) if old_high else max_zoom
    out.set_metadata({
        "name": old.get("name", out.path.stem),
        "type": old.get("type", "baselayer"),
        "version": old.get("version", "1"),
        "attribution": source.attribution or old.get("attribution", ""),
        "bounds": [round(v, 6) for v in box],
        "center": [round((box.west + box.east) / 2, 6), round((box.south + box.north) / 2, 6), low],
        "minzoom": low,
        "maxzoom": high,
        DATUM_KEY: str(source.datum),
    })
    return ""


def seed(
    source: TileSource,
    out: MbtilesStore,
    box: BBox,
    min_zoom: int,
    max_zoom: int,
    *,
    retry: RetryPolicy = RetryPolicy(),
    progress: Callable[[SeedProgress], None] | None = None,
    stop: threading.Event | None = None,
    progress_interval_s: float = 0.25,
    clock: Callable[[], float] = time.monotonic,
) -> SeedResult:
    """Fetch every tile of ``box`` over the zoom range into ``out``, skipping those it holds.

    Runs in the calling thread (the seeding thread); ``progress`` is called from that
    thread at most every ``progress_interval_s`` and once at the end. Setting ``stop``
    ends the run after the current tile, also during a back-off wait.
    """
    stop = stop or threading.Event()
    total = count_tiles(box, min_zoom, max_zoom)
    error = _refusal(source, min_zoom, max_zoom) or _merge_metadata(out, source, box, min_zoom, max_zoom)
    fetched = skipped = missing = failed = size = done = failed_in_row = 0
    started = last_report = clock()
    fmt = out.metadata().get("format")

    def report(final: bool = False) -> None:
        nonlocal last_report
        now = clock()
        if progress is None or (not final and now - last_report < progress_interval_s):
            return
        last_report = now
        asked = fetched + missing + failed
        rate = asked / (now - started) if now > started else 0.0
        eta = (total - done) / rate if rate > 0 else (0.0 if done == total else None)
        progress(SeedProgress(done, total, fetched, skipped, missing, failed, rate, eta))

    keys = iter_tiles(box, min_zoom, max_zoom) if not error else iter(())
    for key in keys:
        if stop.is_set():
            break
        if out.has(*key):
            skipped += 1
        else:
            result = _seed_tile(source, out, key, retry, stop)
            if result.status is FetchStatus.OK and result.data is not None:
                fetched, size, failed_in_row = fetched + 1, size + len(result.data), 0
                fmt = fmt or tile_format(result.data)
            elif result.status is FetchStatus.MISSING:
                missing, failed_in_row = missing + 1, 0
            elif result.status is FetchStatus.FATAL:
                error = result.error
                break
            elif stop.is_set():  # stopped during a back-off wait: the tile is neither done nor failed
                break
            else:
                failed, failed_in_row = failed + 1, failed_in_row + 1
                log.warning("seeding gave up on a tile: %s", result.error)
                if failed_in_row >= retry.give_up_after_tiles:
                    error = f"{result.error}; {failed_in_row} tiles in a row failed, run again to resume"
                    break
        done += 1
        report()
    if fmt and "format" not in out.metadata():
        out.set_metadata({"format": "jpg" if fmt == "jpeg" else fmt})
    report(final=True)
    return SeedResult(total, fetched, skipped, missing, failed, size, stop.is_set() or bool(error), error)


@dataclass(frozen=True)
class CopyResult:
    """How a copy between MBTiles files went."""

    copied: int
    skipped: int
    rejected: int


def copy_tiles(
    src: MbtilesStore,
    dst: MbtilesStore,
    box: BBox | None = None,
    min_zoom: int = 0,
    max_zoom: int = MAX_ZOOM,
    *,
    overwrite: bool = False,
    batch: int = 500,
) -> CopyResult:
    """Copy tiles (and metadata ``dst`` lacks) from ``src`` into ``dst``; hostile tiles are dropped."""
    copied = skipped = 0
    rejected_before = src.rejected
    pending: list[tuple[TileKey, bytes]] = []
    for key in src.keys(box, min_zoom, max_zoom):
        if not overwrite and dst.has(*key):
            skipped += 1
            continue
        data = src.get(*key)
        if data is not None:
            pending.append((key, data))
        if len(pending) >= batch:
            copied += dst.put_many(pending)
            pending.clear()
    copied += dst.put_many(pending)
    held = dst.metadata()
    dst.set_metadata({k: v for k, v in src.metadata().items() if k not in held})
    return CopyResult(copied, skipped, src.rejected - rejected_before)


def import_mbtiles(path: str | Path, into: MbtilesStore, *, overwrite: bool = False) -> CopyResult:
    """Merge the tiles of the MBTiles file at ``path`` into the store ``into``."""
    with MbtilesStore(path) as src:
        return copy_tiles(src, into, overwrite=overwrite)


def export_mbtiles(
    src: MbtilesStore, path: str | Path, box: BBox | None = None, min_zoom: int = 0, max_zoom: int = MAX_ZOOM
) -> CopyResult:
    """Write the tiles of ``src`` in a box and zoom range to a new MBTiles file at ``path``."""
    if Path(path).exists():
        raise TileError(f"{path} already exists; choose a new file name for the export")
    with MbtilesStore(path, writable=True) as dst:
        result = copy_tiles(src, dst, box, min_zoom, max_zoom)
        zooms = dst.info()["zooms"]
        if zooms:
            area = box or _union(tile_bounds(k.z, k.x, k.y) for k in dst.keys(min_zoom=zooms[0], max_zoom=zooms[0]))
            dst.set_metadata({"minzoom": zooms[0], "maxzoom": zooms[-1], "bounds": [round(v, 6) for v in area]})
    return result


def _union(boxes: Iterable[BBox]) -> BBox:
    west = south = math.inf
    east = north = -math.inf
    for b in boxes:
        west, south, east, north = min(west, b.west), min(south, b.south), max(east, b.east), max(north, b.north)
    return BBox(west, south, east, north)
