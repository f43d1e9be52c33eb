"""How the raw traffic monitor writes frames and where it saves them (no Qt, so tested with plain bytes).

A frame is shown as text (printable ASCII as is, everything else as ``\\xNN``, so a
radio talking nonsense is visible, not hidden) or as hex with offsets. Saved captures
go into ``<data>/traffic/`` under a name made only of safe characters: a hostile link
id (``../../etc/passwd``, NUL, a drive letter) cannot lead the file out of that folder.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

HEX_BYTES_PER_ROW = 16
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")
MAX_NAME_CHARS = 64


def frame_text(data: bytes) -> str:
    """Printable ASCII as is; tabs, line ends, controls and non-ASCII bytes as escapes."""
    return "".join(chr(b) if 32 <= b < 127 and b != 0x5C else "\\\\" if b == 0x5C else f"\\x{b:02x}" for b in data)


def frame_hex(data: bytes) -> str:
    """Rows of ``0000  24 47 50 ...  $GP...``: offset, bytes, and the printable ones beside them."""
    rows = []
    for offset in range(0, max(len(data), 1), HEX_BYTES_PER_ROW):
        chunk = data[offset:offset + HEX_BYTES_PER_ROW]
        shown = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        rows.append(f"{offset:04x}  {chunk.hex(' '):<{HEX_BYTES_PER_ROW * 3 - 1}}  {shown}")
    return "\n".join(rows)


def frame_line(moment: float, direction: str, data: bytes, as_hex: bool) -> str:
    """One frame for the monitor: local time, direction, size, then its bytes as text or hex."""
    stamp = datetime.fromtimestamp(moment).strftime("%H:%M:%S.%f")[:-3]
    arrow = "→" if direction == "out" else "←"
    head = f"{stamp} {arrow} {len(data)} B"
    return f"{head}\n{frame_hex(data)}" if as_hex else f"{head}  {frame_text(data)}"


def matches(line: str, needle: str) -> bool:
    """Whether a shown line passes the filter (case-insensitive substring; empty passes all)."""
    return not needle or needle.casefold() in line.casefold()


def safe_name(text: str) -> str:
    """``text`` as a file name part: safe characters only, never empty, never dots alone."""
    name = _UNSAFE.sub("_", text).strip("._")[:MAX_NAME_CHARS]
    return name or "traffic"


def capture_path(data_dir: Path, source: str, now: datetime | None = None) -> Path:
    """A new file in ``<data_dir>/traffic/`` for a capture of ``source``, inside that folder whatever ``source`` is."""
    folder = (Path(data_dir) / "traffic").resolve()
    moment = (now or datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S")
    path = (folder / f"{safe_name(source)}-{moment}.txt").resolve()
    if path.parent != folder:  # cannot happen with safe_name; kept as the last word on it
        raise ValueError(f"{path} is outside {folder}")
    return path


def save_capture(data_dir: Path, source: str, lines: list[str], now: datetime | None = None) -> Path:
    """Write ``lines`` to a new capture file and return its path; never overwrites one."""
    path = capture_path(data_dir, source, now)
    path.parent.mkdir(parents=True, exist_ok=True)
    stem, n = path.stem, 1
    while path.exists():
        n += 1
        path = path.with_name(f"{stem}-{n}.txt")
    with open(path, "x", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")
    return path
