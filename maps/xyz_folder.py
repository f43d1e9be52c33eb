"""A folder of tile images laid out ``{root}/{z}/{x}/{y}.png|jpg|jpeg|webp`` as a tile source.

This is the layout ``mb-util`` and most tile renderers write. Paths are built only
from validated integers, and a path whose real location (after symlinks) falls
outside the root is refused, so no key can make the source read another file.
Hostile files (not an image, or absurdly large) are counted in ``rejected``, logged
once and treated as missing.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from maps.datum import Datum
from maps.tile_source import MAX_TILE_BYTES, MAX_ZOOM, TileError, is_tile_image, tile_key

log = logging.getLogger(__name__)

EXTENSIONS = ("png", "jpg", "jpeg", "webp")
_METADATA_FILE = "metadata.json"  # written by mb-util beside the tiles
_METADATA_MAX_BYTES = 64 * 1024


class XyzFolderSource:
    """Tiles read from an XYZ folder tree; a ``TileSource``, used by one worker thread at a time.

    Zoom limits and attribution come from the arguments, else from ``metadata.json``
    in the root (as ``mb-util`` writes it), else from the zoom folders present.
    """

    def __init__(
        self,
        root: str | Path,
        *,
        source_id: str | None = None,
        datum: Datum = Datum.WGS84,
        attribution: str | None = None,
        min_zoom: int | None = None,
        max_zoom: int | None = None,
    ) -> None:
        given = Path(root)
        if not given.is_dir():
            raise TileError(f"tile folder {given} does not exist or is not a folder; check the path")
        self.root = given.resolve()
        self._id = source_id or self.root.name
        self._datum = Datum(datum)
        self._rejected = 0
        metadata = self._read_metadata()
        present = sorted(int(p.name) for p in self.root.iterdir() if _is_number(p.name) and int(p.name) <= MAX_ZOOM)
        self._attribution = attribution if attribution is not None else str(metadata.get("attribution", ""))
        self._min_zoom = _pick_zoom(min_zoom, metadata.get("minzoom"), present[0] if present else 0)
        self._max_zoom = _pick_zoom(max_zoom, metadata.get("maxzoom"), present[-1] if present else 0)

    def _read_metadata(self) -> dict[str, object]:
        path = self.root / _METADATA_FILE
        try:
            if not path.is_file() or path.stat().st_size > _METADATA_MAX_BYTES:
                return {}
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as exc:  # RecursionError: JSON nested thousands deep
            log.warning("tile folder %s: ignoring unreadable %s (%s)", self.root, _METADATA_FILE, str(exc)[:200])
            return {}
        return data if isinstance(data, dict) else {}

    @property
    def id(self) -> str:
        """The folder's name unless one was given."""
        return self._id

    @property
    def datum(self) -> Datum:
        """The datum given when the source was made (WGS-84 by default)."""
        return self._datum

    @property
    def attribution(self) -> str:
        """The credit line for these tiles."""
        return self._attribution

    @property
    def min_zoom(self) -> int:
        """The lowest zoom offered."""
        return self._min_zoom

    @property
    def max_zoom(self) -> int:
        """The highest zoom offered."""
        return self._max_zoom

    @property
    def rejected(self) -> int:
        """How many reads found a hostile file and returned None instead."""
        return self._rejected

    def path_for(self, z: int, x: int, y: int) -> Path | None:
        """The file holding a tile, or None when there is none (or it lies outside the root)."""
        key = tile_key(z, x, y)
        folder = self.root / str(key.z) / str(key.x)
        for ext in EXTENSIONS:
            candidate = folder / f"{key.y}.{ext}"
            if candidate.is_file():
                real = candidate.resolve()
                if not real.is_relative_to(self.root):
                    self._reject(candidate, "it leads outside the tile folder")
                    return None
                return real
        return None

    def get(self, z: int, x: int, y: int) -> bytes | None:
        """The tile's image bytes, or None when it is missing or hostile."""
        path = self.path_for(z, x, y)
        if path is None:
            return None
        try:
            with open(path, "rb") as handle:
                if os.fstat(handle.fileno()).st_size > MAX_TILE_BYTES:
                    self._reject(path, "it is too large for a tile")
                    return None
                data = handle.read(MAX_TILE_BYTES + 1)
        except OSError as exc:
            log.debug("tile folder %s: cannot read %s (%s)", self.root, path, exc)
            return None
        if not is_tile_image(data):
            self._reject(path, "it is not a PNG, JPEG or WebP image")
            return None
        return data

    def close(self) -> None:
        """Nothing to release: files are opened per read."""

    def _reject(self, path: Path, why: str) -> None:
        self._rejected += 1
        if self._rejected == 1:
            log.warning(
                "tile folder %s: skipping %s because %s (further ones are counted, not logged)", self.root, path, why
            )

    def __repr__(self) -> str:
        return f"XyzFolderSource({str(self.root)!r})"


def _pick_zoom(given: int | None, declared: object, found: int) -> int:
    """The first usable of: the argument, the metadata value, the folders found."""
    if given is not None:
        tile_key(given, 0, 0)  # raises ValueError for a zoom that cannot exist
        return given
    if isinstance(declared, str) and _is_number(declared) and len(declared) <= 3:  # int() refuses 4,300+ digits
        declared = int(declared)
    if type(declared) is int and 0 <= declared <= MAX_ZOOM:
        return declared
    return found


def _is_number(text: str) -> bool:
    """True for a plain ASCII decimal number (``int`` would also take other scripts' digits)."""
    return text.isascii() and text.isdigit()
