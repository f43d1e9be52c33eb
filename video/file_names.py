"""Safe file names made from stream ids and UTC times, for recordings and snapshots.

A stream id comes from a config file or from the bus: it may hold ``/``, ``..``, NUL or
anything else. Names made here contain only ASCII letters, digits, ``-``, ``_`` and
inner dots, never start or end with a dot and stay short, so joined to a folder they always
name a file directly inside it. Nor are they a Windows device name (``CON``, ``NUL``,
``COM1``…), so recordings copied to a Windows PC for review keep their folder names.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

MAX_STEM_CHARS = 64
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
FALLBACK_STEM = "stream"
WINDOWS_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                             *(f"{port}{n}" for port in ("COM", "LPT") for n in "0123456789")})


def safe_stem(stream_id: str) -> str:
    """A file-name part for ``stream_id``: unsafe runs become ``_``; never empty, no dot at either end."""
    stem = _UNSAFE.sub("_", stream_id)[:MAX_STEM_CHARS].strip(".")
    if stem.partition(".")[0].upper() in WINDOWS_DEVICES:
        stem = "_" + stem
    return stem or FALLBACK_STEM


def utc_stamp(when: datetime) -> str:
    """``20261129T105512.123456Z``: sortable, no ``:`` (which some file systems refuse)."""
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")


def file_inside(folder: Path, name: str) -> Path:
    """``folder / name``, refusing any ``name`` that is not a plain file name."""
    if not name or name in (".", "..") or name != Path(name).name or "\x00" in name or "\\" in name:
        raise ValueError(f"{name!r} is not a plain file name")
    return folder / name


def timestamped_file(folder: Path, stream_id: str, suffix: str, when: datetime | None = None) -> Path:
    """A new, not yet existing path ``folder/<stream>_<utc><suffix>`` (a counter keeps it new)."""
    stem = f"{safe_stem(stream_id)}_{utc_stamp(when or datetime.now(UTC))}"
    path = file_inside(folder, stem + suffix)
    counter = 1
    while path.exists():
        path = file_inside(folder, f"{stem}-{counter}{suffix}")
        counter += 1
    return path
