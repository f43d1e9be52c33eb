"""Moving tiles between an XYZ folder (``{z}/{x}/{y}.png``) and an MBTiles file, both ways.

The folder side of ``mcv maps import`` and ``mcv maps export``; the MBTiles-to-MBTiles
side is ``maps.seeding``. Only folder entries named by plain decimal numbers are read,
through ``XyzFolderSource`` (which refuses symlinks out of the folder and hostile
files), and written files are named only from validated integer keys.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

from maps.mbtiles import MbtilesStore
from maps.seeding import CopyResult
from maps.tile_source import MAX_ZOOM, TileError, TileKey, tile_format, tile_key
from maps.xyz_folder import EXTENSIONS, XyzFolderSource

BATCH = 500
_METADATA_FILE = "metadata.json"


def _numbered(folder: Path) -> Iterator[tuple[int, Path]]:
    """The entries of ``folder`` whose names are plain decimal numbers, in numeric order."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    numbered = []
    for entry in entries:
        name = entry.name.split(".", 1)[0] if entry.is_file() else entry.name
        if name.isascii() and name.isdigit() and len(name) <= 9:
            numbered.append((int(name), Path(entry.path)))
    yield from sorted(numbered)


def folder_keys(root: Path) -> Iterator[TileKey]:
    """Every tile key an XYZ folder seems to hold, skipping names that are no real tile."""
    seen: set[TileKey] = set()
    for z, zoom_dir in _numbered(root):
        if z > MAX_ZOOM or not zoom_dir.is_dir():
            continue
        for x, column_dir in _numbered(zoom_dir):
            if not column_dir.is_dir():
                continue
            for y, tile_file in _numbered(column_dir):
                if tile_file.suffix.lstrip(".").lower() not in EXTENSIONS:
                    continue
                try:
                    key = tile_key(z, x, y)
                except ValueError:
                    continue
                if key not in seen:
                    seen.add(key)
                    yield key


def import_xyz_folder(root: str | Path, into: MbtilesStore, *, overwrite: bool = False) -> CopyResult:
    """Copy every tile of an XYZ folder into ``into``; hostile files are counted in ``rejected``."""
    source = XyzFolderSource(root)
    copied = skipped = 0
    pending: list[tuple[TileKey, bytes]] = []
    for key in folder_keys(source.root):
        if not overwrite and into.has(*key):
            skipped += 1
            continue
        data = source.get(*key)
        if data is not None:
            pending.append((key, data))
        if len(pending) >= BATCH:
            copied += into.put_many(pending)
            pending.clear()
    copied += into.put_many(pending)
    held = into.metadata()
    extra = {"attribution": source.attribution} if source.attribution and "attribution" not in held else {}
    if copied and "format" not in held:
        first = next(iter(into.keys()), None)
        fmt = tile_format(into.get(*first) or b"") if first else None
        if fmt:
            extra["format"] = fmt
    if extra:
        into.set_metadata(extra)
    return CopyResult(copied, skipped, source.rejected)


def export_xyz_folder(src: MbtilesStore, root: str | Path) -> CopyResult:
    """Write every tile of ``src`` as ``{root}/{z}/{x}/{y}.{ext}``; ``root`` must be new or empty."""
    root = Path(root)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise TileError(f"{root} already exists and is not an empty folder; choose a new folder for the export")
    root.mkdir(parents=True, exist_ok=True)
    copied = 0
    rejected_before = src.rejected
    for key in src.keys():
        data = src.get(*key)
        fmt = tile_format(data) if data is not None else None
        if fmt is None:
            continue
        folder = root / str(key.z) / str(key.x)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{key.y}.{fmt}").write_bytes(data)
        copied += 1
    info = src.info()
    metadata = {"name": info["name"], "attribution": info["attribution"], "format": info["format"]}
    if info["zooms"]:
        metadata.update(minzoom=info["min_zoom"], maxzoom=info["max_zoom"])
    if info["bounds"]:
        metadata["bounds"] = ",".join(str(v) for v in info["bounds"])
    (root / _METADATA_FILE).write_text(json.dumps(metadata, ensure_ascii=False), encoding="utf-8")
    return CopyResult(copied, 0, src.rejected - rejected_before)
