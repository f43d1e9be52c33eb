"""MBTiles 1.3 files: read and write tiles and metadata, and cap their size as an HTTP cache.

The file stays a plain MBTiles 1.3 file any tool can read: ``metadata(name, value)``
and ``tiles(zoom_level, tile_column, tile_row, tile_data)`` with the TMS row flip
``tile_row = 2**z - 1 - y``. Bookkeeping of our own (when each tile was stored and
last read, for least-recently-used eviction) lives in a side table, ``mcv_tile_access``,
which other tools ignore (see ``maps.tile_access``).

Hostile tile data (bytes that are not PNG, JPEG or WebP, or absurdly large) is never
handed out: ``get`` counts it in ``rejected``, logs the first one per file and returns
None, as if the tile were missing, so the map draws a parent tile instead. ``put``
refuses such data with ``TileError``. A damaged or foreign file raises ``TileError``
naming the file, at open or at the first query that reaches the damage.
"""

from __future__ import annotations

import contextlib
import logging
import math
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from maps.datum import Datum
from maps.mercator import BBox, tile_range
from maps.tile_access import TileAccessLog
from maps.tile_source import MAX_ZOOM, TileError, TileKey, is_tile_image, tile_format, tile_key

log = logging.getLogger(__name__)

DATUM_KEY = "mcv_datum"  # our own metadata row; MBTiles 1.3 allows extra rows
EVICT_TO_FRACTION = 0.9  # a full cache evicts down to this share of its cap, not one tile per put
_METADATA_ROWS_MAX = 1000
_PAGE = 1000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS metadata (name TEXT, value TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS name ON metadata (name);
CREATE TABLE IF NOT EXISTS tiles (
    zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
CREATE UNIQUE INDEX IF NOT EXISTS tile_index ON tiles (zoom_level, tile_column, tile_row);
"""
_WHERE_KEY = "zoom_level = ? AND tile_column = ? AND tile_row = ?"


def _row(key: TileKey) -> tuple[int, int, int]:
    """The MBTiles (TMS) address of an XYZ key."""
    return key.z, key.x, (1 << key.z) - 1 - key.y


def _metadata_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | tuple | list):
        raise ValueError(f"metadata value {value!r} must be text, a number or a list of numbers")
    if isinstance(value, tuple | list):
        return ",".join(_metadata_text(v) for v in value)
    return repr(value)


class MbtilesStore:
    """One MBTiles file: a ``TileSource`` that can also be written, and capped as a cache.

    Opened read-only unless ``writable``; a writable store creates the file if missing.
    With ``max_bytes`` (a writable cache) the tile bytes are kept under the cap by
    evicting the least recently read tiles; freed pages are reused, not returned to
    the file system. Used by one worker thread at a time; a lock serialises misuse.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        writable: bool = False,
        max_bytes: int | None = None,
        source_id: str | None = None,
        datum: Datum | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = Path(path)
        if max_bytes is not None and (not writable or max_bytes <= 0):
            raise ValueError("max_bytes needs a writable store and a positive number of bytes")
        self._writable = writable
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._rejected = 0
        self._tile_bytes = 0
        self._id = source_id or self.path.stem
        self._db = self._connect()
        self._access = TileAccessLog(self._db, clock)
        try:
            self._metadata = self._check_and_prepare()
            if self._max_bytes is not None:
                self._tile_bytes = self._query_tile_bytes()
        except BaseException:
            self._db.close()
            raise
        self._datum = Datum(datum) if datum else self._datum_from_metadata()

    # -- opening -----------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        if not self._writable and not self.path.is_file():
            raise TileError(f"MBTiles file {self.path} does not exist; check the path or seed it first")
        mode = "rwc" if self._writable else "ro"
        uri = f"{self.path.resolve().as_uri()}?mode={mode}"
        try:
            db = sqlite3.connect(uri, uri=True, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise TileError(
                f"cannot open MBTiles file {self.path} ({exc}); check the path and its permissions"
            ) from exc
        try:
            db.execute("PRAGMA trusted_schema = OFF")  # a hostile file's views and triggers run no functions
        except sqlite3.Error as exc:
            db.close()
            raise TileError(f"{self.path} is not an MBTiles file ({exc}); check that it is the right file") from exc
        return db

    def _check_and_prepare(self) -> dict[str, str]:
        try:
            kinds = dict(self._db.execute("SELECT name, type FROM sqlite_master WHERE name IN ('tiles', 'metadata')"))
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:  # a damaged schema may not even be UTF-8
            raise TileError(f"{self.path} is not an MBTiles file ({exc}); check that it is the right file") from exc
        if "tiles" not in kinds:
            has_tables = self._db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone()
            if not self._writable or has_tables:
                raise TileError(
                    f"{self.path} is not an MBTiles file (it has no tiles table); check that it is the right file"
                )
        if self._writable:
            if kinds.get("tiles") == "view":
                raise TileError(
                    f"{self.path} keeps its tiles in a view (a deduplicated MBTiles); mcv can read it "
                    "but not write into it: export it to a new file first"
                )
            with self._guard():
                self._db.execute("PRAGMA journal_mode = WAL")
                self._db.execute("PRAGMA synchronous = NORMAL")
                self._db.executescript(_SCHEMA)
                self._access.create(adopt_existing=self._max_bytes is not None)
        with self._guard():
            self._db.execute("SELECT tile_data FROM tiles LIMIT 1").fetchall()
            metadata = self._read_metadata() if "metadata" in kinds or self._writable else {}
        if metadata.get("format", "").lower() == "pbf":
            raise TileError(
                f"{self.path} holds vector tiles (format pbf); mcv draws raster tiles (png, jpg, webp): "
                "use a raster MBTiles"
            )
        return metadata

    def _read_metadata(self) -> dict[str, str]:
        metadata: dict[str, str] = {}
        for name, value in self._db.execute(f"SELECT name, value FROM metadata LIMIT {_METADATA_ROWS_MAX}"):
            if not isinstance(name, str) or value is None:
                continue
            if isinstance(value, bytes):
                value = value.decode("utf-8", errors="replace")
            metadata[name] = str(value)
        return metadata

    def _datum_from_metadata(self) -> Datum:
        text = self._metadata.get(DATUM_KEY)
        try:
            return Datum(text) if text else Datum.WGS84
        except ValueError:
            log.warning("MBTiles file %s names an unknown datum %r; assuming WGS-84", self.path, text)
            return Datum.WGS84

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn SQLite failures into a ``TileError`` naming the file."""
        try:
            yield
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:  # a damaged schema may not even be UTF-8
            if self._db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
            text = str(exc)
            if "malformed" in text or "not a database" in text or isinstance(exc, UnicodeDecodeError):
                raise TileError(
                    f"MBTiles file {self.path} is damaged ({text}); restore it from a copy or seed it again"
                ) from exc
            raise TileError(f"MBTiles file {self.path} failed: {text}") from exc

    # -- TileSource --------------------------------------------------------------------
    id = property(lambda self: self._id, doc="The name for settings and logs: the file's stem unless given.")
    datum = property(lambda self: self._datum, doc="As given, else the ``mcv_datum`` metadata, else WGS-84.")
    attribution = property(lambda self: self._metadata.get("attribution", ""), doc="The ``attribution`` metadata.")
    min_zoom = property(lambda self: self._zoom_limits()[0], doc="``minzoom``, else the lowest zoom held, else 0.")
    max_zoom = property(lambda self: self._zoom_limits()[1], doc="``maxzoom``, else the highest zoom held, else 0.")
    rejected = property(lambda self: self._rejected, doc="How many reads found hostile data and returned None.")

    def _zoom_limits(self) -> tuple[int, int]:
        declared = [self._metadata.get("minzoom", ""), self._metadata.get("maxzoom", "")]
        if all(text.isascii() and text.strip().isdigit() and int(text) <= MAX_ZOOM for text in declared):
            low, high = int(declared[0]), int(declared[1])
            if low <= high:
                return low, high
        with self._lock, self._guard():
            low, high = self._db.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
        if isinstance(low, int) and isinstance(high, int) and 0 <= low <= high <= MAX_ZOOM:
            return low, high
        return 0, 0

    def get(self, z: int, x: int, y: int) -> bytes | None:
        """The tile's image bytes, or None when it is missing or its data is hostile."""
        key = tile_key(z, x, y)
        with self._lock, self._guard():
            row = self._db.execute(f"SELECT tile_data FROM tiles WHERE {_WHERE_KEY}", _row(key)).fetchone()
            if row is None:
                return None
            data = row[0]
            if not isinstance(data, bytes) or not is_tile_image(data):
                self._reject(key)
                return None
            if self._max_bytes is not None:
                self._access.read(_row(key))
            return data

    def close(self) -> None:
        """Write pending read times and leave the file as one self-contained MBTiles."""
        with self._lock:
            if self._db is None:
                return
            try:
                if self._writable:
                    with self._guard():
                        self._access.flush()
                        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                        self._db.execute("PRAGMA journal_mode = DELETE")
            finally:
                self._db.close()
                self._db = None  # type: ignore[assignment]

    def __enter__(self) -> MbtilesStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"MbtilesStore({str(self.path)!r}, writable={self._writable}, max_bytes={self._max_bytes})"

    def _reject(self, key: TileKey) -> None:
        self._rejected += 1
        if self._rejected == 1:
            log.warning(
                "MBTiles file %s holds tile data that is not a PNG, JPEG or WebP image (first at %d/%d/%d); "
                "such tiles are skipped", self.path, *key,
            )

    # -- reading beyond the protocol ---------------------------------------------------
    def has(self, z: int, x: int, y: int) -> bool:
        """True when the file holds a row for the tile (whatever its data)."""
        key = tile_key(z, x, y)
        with self._lock, self._guard():
            return self._db.execute(f"SELECT 1 FROM tiles WHERE {_WHERE_KEY}", _row(key)).fetchone() is not None

    def age_s(self, z: int, x: int, y: int) -> float | None:
        """Seconds since this store wrote the tile (by its clock), or None if unknown."""
        key = tile_key(z, x, y)
        if not self._writable:
            return None
        with self._lock, self._guard():
            return self._access.age_s(_row(key))

    def _range_clauses(self, box: BBox | None, min_zoom: int, max_zoom: int) -> list[tuple[str, tuple[int, ...]]]:
        clauses = []
        for z in range(max(0, min_zoom), min(MAX_ZOOM, max_zoom) + 1):
            if box is None:
                clauses.append(("zoom_level = ?", (z,)))
                continue
            x0, y0, x1, y1 = tile_range(box, z)
            last = (1 << z) - 1
            clauses.append((
                "zoom_level = ? AND tile_column BETWEEN ? AND ? AND tile_row BETWEEN ? AND ?",
                (z, x0, x1, last - y1, last - y0),
            ))
        return clauses

    def count(self, box: BBox | None = None, min_zoom: int = 0, max_zoom: int = MAX_ZOOM) -> int:
        """How many tiles the file holds in a box and zoom range (all of them by default)."""
        total = 0
        with self._lock, self._guard():
            for where, args in self._range_clauses(box, min_zoom, max_zoom):
                total += self._db.execute(f"SELECT COUNT(*) FROM tiles WHERE {where}", args).fetchone()[0]
        return total

    def keys(self, box: BBox | None = None, min_zoom: int = 0, max_zoom: int = MAX_ZOOM) -> Iterator[TileKey]:
        """The keys of the tiles held in a box and zoom range, fetched a page at a time.

        Rows whose address is not a real tile (a hostile or broken file) are skipped.
        """
        for where, args in self._range_clauses(box, min_zoom, max_zoom):
            after = (-1, -1)
            while True:
                with self._lock, self._guard():
                    rows = self._db.execute(
                        f"SELECT zoom_level, tile_column, tile_row FROM tiles WHERE {where} "
                        f"AND (tile_column, tile_row) > (?, ?) ORDER BY tile_column, tile_row LIMIT {_PAGE}",
                        (*args, *after),
                    ).fetchall()
                for z, column, row in rows:
                    try:
                        yield tile_key(z, column, (1 << z) - 1 - row)
                    except (ValueError, TypeError):
                        continue
                if len(rows) < _PAGE:
                    break
                after = (rows[-1][1], rows[-1][2])

    def metadata(self) -> dict[str, str]:
        """The metadata table as text (at most the first thousand rows of a hostile file)."""
        return dict(self._metadata)

    def info(self) -> dict[str, Any]:
        """A summary for ``mcv maps info``: JSON-ready format, bounds, zooms, tile count and size."""
        with self._lock, self._guard():
            per_zoom = self._db.execute(
                "SELECT zoom_level, COUNT(*), COALESCE(SUM(LENGTH(tile_data)), 0) FROM tiles GROUP BY zoom_level"
            ).fetchall()
            first = self._db.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()
        zooms = sorted(z for z, _, _ in per_zoom if isinstance(z, int))
        sniffed = tile_format(first[0]) if first and isinstance(first[0], bytes) else None
        return {
            "path": str(self.path),
            "name": self._metadata.get("name", self.path.stem),
            "format": self._metadata.get("format") or sniffed,
            "bounds": metadata_numbers(self._metadata.get("bounds"), 4),
            "center": metadata_numbers(self._metadata.get("center"), 3),
            "attribution": self.attribution,
            "datum": str(self.datum),
            "zooms": zooms,
            "min_zoom": zooms[0] if zooms else None,
            "max_zoom": zooms[-1] if zooms else None,
            "tile_count": sum(n for _, n, _ in per_zoom),
            "tile_bytes": sum(b for _, _, b in per_zoom),
            "file_bytes": self.path.stat().st_size,
            "rejected": self._rejected,
        }

    # -- writing -----------------------------------------------------------------------
    def _check_writable(self) -> None:
        if not self._writable:
            raise TileError(f"MBTiles file {self.path} was opened read-only; open it writable to change it")

    def put(self, z: int, x: int, y: int, data: bytes) -> None:
        """Store one tile (replacing any old one); hostile data is refused with ``TileError``."""
        self.put_many([(tile_key(z, x, y), data)])

    def put_many(self, tiles: Iterable[tuple[TileKey, bytes]]) -> int:
        """Store many tiles in one transaction, then evict if over the cap; returns how many."""
        self._check_writable()
        checked = []
        for key, data in tiles:
            key = tile_key(*key)
            if not is_tile_image(data):
                raise TileError(
                    f"refused to store tile {key.z}/{key.x}/{key.y} in {self.path}: "
                    "it is not a PNG, JPEG or WebP image"
                )
            checked.append((key, bytes(data)))
        with self._lock, self._guard():
            self._db.execute("BEGIN IMMEDIATE")
            for key, data in checked:
                address = _row(key)
                if self._max_bytes is not None:
                    self._remove(address)  # keeps the byte count right when a tile is replaced
                self._db.execute("INSERT OR REPLACE INTO tiles VALUES (?, ?, ?, ?)", (*address, data))
                self._tile_bytes += len(data)
                self._access.stored(address)
            self._db.execute("COMMIT")
            if self._max_bytes is not None and self._tile_bytes > self._max_bytes:
                self._evict()
        return len(checked)

    def delete(self, z: int, x: int, y: int) -> None:
        """Remove one tile, if present."""
        self._check_writable()
        key = tile_key(z, x, y)
        with self._lock, self._guard():
            self._db.execute("BEGIN IMMEDIATE")
            self._remove(_row(key))
            self._db.execute("COMMIT")

    def _remove(self, address: tuple[int, int, int]) -> None:
        """Delete one tile and its times inside the caller's transaction, keeping the byte count."""
        size = self._db.execute(f"SELECT LENGTH(tile_data) FROM tiles WHERE {_WHERE_KEY}", address).fetchone()
        self._db.execute(f"DELETE FROM tiles WHERE {_WHERE_KEY}", address)
        self._access.forget(address)
        self._tile_bytes -= (size[0] or 0) if size else 0

    def _query_tile_bytes(self) -> int:
        with self._guard():
            return int(self._db.execute("SELECT COALESCE(SUM(LENGTH(tile_data)), 0) FROM tiles").fetchone()[0])

    @property
    def tile_bytes(self) -> int:
        """The bytes of tile data held, as counted for the cap."""
        return self._tile_bytes if self._max_bytes is not None else self._query_tile_bytes()

    def _evict(self) -> None:
        """Drop least recently read tiles until the total is at most ``EVICT_TO_FRACTION`` of the cap."""
        assert self._max_bytes is not None
        target = int(self._max_bytes * EVICT_TO_FRACTION)
        self._db.execute("BEGIN IMMEDIATE")
        while self._tile_bytes > target:
            oldest = self._access.oldest(_PAGE)
            if not oldest:  # tiles we keep no times for (written meanwhile by another tool)
                self._tile_bytes = self._query_tile_bytes()
                break
            for address in oldest:
                self._remove(address)
                if self._tile_bytes <= target:
                    break
        self._db.execute("COMMIT")

    def set_metadata(self, values: Mapping[str, object]) -> None:
        """Write metadata rows; numbers and lists of numbers are written the MBTiles way."""
        self._check_writable()
        rows = []
        for name, value in values.items():
            if not isinstance(name, str) or not name:
                raise ValueError(f"metadata name {name!r} must be non-empty text")
            rows.append((name, _metadata_text(value)))
        with self._lock, self._guard():
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT OR REPLACE INTO metadata (name, value) VALUES (?, ?)", rows)
            self._db.execute("COMMIT")
            self._metadata.update(rows)
        if DATUM_KEY in values:
            self._datum = self._datum_from_metadata()


def metadata_numbers(text: str | None, count: int) -> list[float] | None:
    """``count`` comma-separated finite numbers from a metadata value, or None if it is not that."""
    if not text:
        return None
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        return None
    return values if len(values) == count and all(math.isfinite(v) for v in values) else None
