"""The evidence manifest: a hash-chained JSON Lines record of finished recording segments.

Each line describes one closed segment (file name, stream, start and end UTC, size,
SHA-256) and carries ``prev``, the SHA-256 of the previous line's exact bytes (the first
line carries ``GENESIS``), and ``seq``, its position. Changing a segment changes its hash;
changing, removing or reordering a line breaks the chain at the next line. The last line
has no next line to vouch for it, so the writer seals it: ``manifest.head`` holds the chain
head (the hash of the last line), replaced after every line; a changed last line, or a
removed one, no longer matches it. Removing the last lines *and* rewriting the seal leaves a
shorter valid chain: compare ``VerifyReport.head`` (also logged by the recorder after every
segment) with a copy kept elsewhere.

``ManifestWriter`` appends (one writer per folder: the stream's recorder thread);
``verify(folder)`` checks the files and the chain and never opens a path outside the folder,
whatever the manifest says.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path

from video.file_names import file_inside

MANIFEST_NAME = "manifest.jsonl"
HEAD_NAME = "manifest.head"  # the chain head after the last line, replaced (atomically) after each line
GENESIS = "0" * 64
FORMAT_VERSION = 1
SEGMENT_SUFFIX = ".ts"
_READ_CHUNK = 1 << 20
_FIELDS = {"v": int, "seq": int, "file": str, "stream": str, "start": str, "end": str,
           "size": int, "sha256": str, "prev": str}
_OPTIONAL_FIELDS = {"recovered": bool}


@dataclass(frozen=True)
class SegmentRecord:
    """One finished segment as the manifest states it (times are ISO 8601 UTC strings)."""

    file: str
    stream: str
    start: str
    end: str
    size: int
    sha256: str
    recovered: bool = False  # found on disk unlisted (e.g. after a power loss), listed at restart


@dataclass
class VerifyReport:
    """What ``verify`` found: ``ok`` when the chain holds and every listed file matches."""

    folder: Path
    segments: int = 0
    problems: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)  # segment files the manifest does not vouch for
    notes: list[str] = field(default_factory=list)  # worth saying, not a failure
    head: str = GENESIS

    @property
    def ok(self) -> bool:
        return not self.problems


def file_digest(path: Path) -> tuple[int, str]:
    """Size and SHA-256 (hex) of a file's content."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as source:
        while chunk := source.read(_READ_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def line_hash(raw_line: bytes) -> str:
    """The chain link of a manifest line: SHA-256 of its bytes without the newline."""
    return hashlib.sha256(raw_line).hexdigest()


class ManifestWriter:
    """Appends segment lines to ``folder/manifest.jsonl``, continuing the chain already there.

    Not thread-safe: one writer per folder, called on its recorder's thread. Each line is
    flushed and fsynced before ``append`` returns.
    """

    def __init__(self, folder: Path) -> None:
        self.path = folder / MANIFEST_NAME
        self._seq, self.head, self._listed, before_last = _tail_of(self.path)
        sealed = _read_seal(folder / HEAD_NAME)
        # No seal yet (a folder from before seals, or a new one), or a seal one line behind: the
        # writer stopped between fsyncing a line and replacing the seal. Any other mismatch is
        # left for verify() to report.
        if self._seq and sealed in (None, before_last) and sealed != self.head:
            self._seal()

    def append(self, record: SegmentRecord) -> str:
        """Write one line for ``record``; returns the new chain head."""
        entry = {"v": FORMAT_VERSION, "seq": self._seq, **asdict(record), "prev": self.head}
        if not record.recovered:
            del entry["recovered"]
        raw = json.dumps(entry, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, raw + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        self._seq += 1
        self.head = line_hash(raw)
        self._listed.add(record.file)
        self._seal()
        return self.head

    def _seal(self) -> None:
        """Replace ``manifest.head`` with the current head: written beside, fsynced, renamed over."""
        seal = self.path.with_name(HEAD_NAME)
        partial = seal.with_name(HEAD_NAME + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, self.head.encode() + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(partial, seal)

    def is_listed(self, name: str) -> bool:
        return name in self._listed


def _read_seal(path: Path) -> str | None:
    """The head a ``manifest.head`` file holds, or None when there is none (or it cannot be read)."""
    try:
        return path.read_bytes()[:200].decode("ascii", "replace").strip()
    except OSError:
        return None


def _tail_of(path: Path) -> tuple[int, str, set[str], str]:
    """Next sequence number, chain head, listed file names and the head before the last line."""
    seq, head, listed, before = 0, GENESIS, set(), GENESIS
    if not path.exists():
        return seq, head, listed, before
    with path.open("rb") as manifest:
        for raw in manifest:
            raw = raw.rstrip(b"\n")
            seq += 1
            before, head = head, line_hash(raw)
            try:
                listed.add(str(json.loads(raw)["file"]))
            except (ValueError, KeyError, TypeError):
                pass  # a damaged line; verify() will name it
    return seq, head, listed, before


def verify(folder: Path) -> VerifyReport:
    """Check every manifest line, the chain and every listed file in ``folder``."""
    report = VerifyReport(folder=folder)
    manifest = folder / MANIFEST_NAME
    if not manifest.is_file():
        report.problems.append(f"{manifest}: no manifest in this folder")
        return report
    listed: set[str] = set()
    with manifest.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            ended = raw.endswith(b"\n")
            raw = raw.rstrip(b"\n")
            problem = _check_line(folder, raw, number, report.head, listed)
            if problem is None and not ended:
                problem = "incomplete (no newline at its end; the write was cut off)"
            if problem is not None:
                report.problems.append(f"{MANIFEST_NAME} line {number}: {problem}")
            else:
                report.segments += 1
            report.head = line_hash(raw)
    for path in sorted(folder.glob(f"*{SEGMENT_SUFFIX}")):
        if path.name not in listed:
            report.unlisted.append(path.name)
    _check_seal(folder, report)
    return report


def _check_seal(folder: Path, report: VerifyReport) -> None:
    """The last line against ``manifest.head``: nothing after it vouches for it otherwise."""
    sealed = _read_seal(folder / HEAD_NAME)
    if sealed is None:
        if report.segments:
            report.notes.append(f"no {HEAD_NAME}: the manifest's last line is vouched for by nothing "
                                "(a folder recorded before seals); compare the head with a copy kept elsewhere")
    elif sealed != report.head:
        report.problems.append(
            f"{HEAD_NAME} does not match the manifest's last line: that line was changed, or lines were "
            "removed, after they were written (or the recorder stopped between writing a line and its "
            "seal; it re-seals that case when it starts again)")


def _check_line(folder: Path, raw: bytes, number: int, prev: str, listed: set[str]) -> str | None:
    """The first thing wrong with one line (and the file it lists), or ``None``."""
    try:
        entry = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "not valid JSON"
    if not isinstance(entry, dict):
        return "not a JSON object"
    for key, kind in _FIELDS.items():
        if type(entry.get(key)) is not kind:
            return f"field {key!r} is missing or not {kind.__name__}"
    unknown = set(entry) - set(_FIELDS) - set(_OPTIONAL_FIELDS)
    if unknown:
        return f"unknown field {sorted(unknown)[0]!r}"
    if entry["prev"] != prev:
        return "chain broken: 'prev' does not match the line before (a line was changed, removed or moved)"
    if entry["seq"] != number - 1:
        return f"sequence number {entry['seq']} where {number - 1} was expected"
    name = entry["file"]
    try:
        path = file_inside(folder, name)
    except ValueError:
        return f"file name {name!r} is not a plain name inside the folder"
    if name in listed:
        return f"{name} is listed twice"
    listed.add(name)
    try:
        info = path.lstat()
    except OSError:
        return f"{name} is missing"
    if not stat.S_ISREG(info.st_mode):
        return f"{name} is not a regular file"
    size, digest = file_digest(path)
    if size != entry["size"]:
        return f"{name} has {size} bytes where the manifest says {entry['size']}"
    if digest != entry["sha256"]:
        return f"{name} does not match its SHA-256 (its content was changed)"
    return None
