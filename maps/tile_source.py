"""What every tile source is: the ``TileSource`` protocol, tile keys and tile-data checks.

A source hands out encoded raster tiles (PNG, JPEG or WebP bytes) by XYZ key, the
slippy-map numbering: ``y`` grows southwards from the top of the world. Each source
declares the datum its pictures are drawn in, so markers can be shifted to match.

Thread rule for every source in ``maps/``: one source object is used by one worker
thread at a time (the map's tile worker or the seeding thread). It may be built on
one thread and handed to another; it is never shared by two threads at once.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol, runtime_checkable

from maps.datum import Datum

MAX_ZOOM = 24
MAX_TILE_BYTES = 4 * 1024 * 1024  # a raster tile is a few KiB; anything this big is hostile

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"


class TileError(Exception):
    """Tile data or a tile file that cannot be used; the message names the file and the fix."""


class TileKey(NamedTuple):
    """One tile by its XYZ address: zoom, column, row (row 0 is the northernmost)."""

    z: int
    x: int
    y: int


def tile_key(z: object, x: object, y: object) -> TileKey:
    """Check that z, x, y are integers naming a tile that exists; raise ``ValueError`` if not.

    Booleans, floats and strings are refused, so a key can never smuggle text into a
    path or a URL.
    """
    for name, value in (("z", z), ("x", x), ("y", y)):
        if type(value) is not int:  # bool is an int subclass; refuse it too
            raise ValueError(f"tile {name} must be an int, not {type(value).__name__}")
    assert isinstance(z, int) and isinstance(x, int) and isinstance(y, int)
    if not 0 <= z <= MAX_ZOOM:
        raise ValueError(f"tile zoom {z} is outside 0..{MAX_ZOOM}")
    side = 1 << z
    if not (0 <= x < side and 0 <= y < side):
        raise ValueError(f"tile {z}/{x}/{y} does not exist: x and y must be in 0..{side - 1}")
    return TileKey(z, x, y)


def tile_format(data: bytes) -> str | None:
    """The image format of tile bytes by their magic number: ``png``, ``jpg``, ``webp`` or None."""
    if data.startswith(_PNG_MAGIC):
        return "png"
    if data.startswith(_JPEG_MAGIC):
        return "jpg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def is_tile_image(data: object) -> bool:
    """True for bytes that look like one raster tile: image magic and a sane size."""
    return (
        isinstance(data, bytes | bytearray | memoryview)
        and 0 < len(data) <= MAX_TILE_BYTES
        and tile_format(bytes(data[:12])) is not None
    )


@runtime_checkable
class TileSource(Protocol):
    """Encoded raster tiles by XYZ key, with what a map needs to draw and credit them.

    ``get`` returns the tile's bytes, or None when the source has no such tile (or
    only hostile data for it, which the source counts and drops). ``TileError`` means
    the whole source is unusable (a corrupt file), not that one tile is missing.
    Called from one worker thread at a time (see the module docstring).
    """

    @property
    def id(self) -> str:
        """A short stable name for settings and logs; never contains a secret."""
        ...

    @property
    def datum(self) -> Datum:
        """The datum the tiles are drawn in."""
        ...

    @property
    def attribution(self) -> str:
        """The credit line the map must show while these tiles are on screen."""
        ...

    @property
    def min_zoom(self) -> int:
        """The lowest zoom this source has tiles for."""
        ...

    @property
    def max_zoom(self) -> int:
        """The highest zoom this source has tiles for."""
        ...

    def get(self, z: int, x: int, y: int) -> bytes | None:
        """The tile's encoded image, or None when there is none."""
        ...

    def close(self) -> None:
        """Release files and connections; the source is not used afterwards."""
        ...
