"""The lines an SRT sender child writes to the gateway: its statistics and its failure, as JSON.

The sender child (``mcv srt-send``, video/srt_send_child.py) writes one ``stats_line`` about
every half second and, when SRT refuses or loses the connection (or cannot start), one
``failure_line``; each is one JSON object on one line, shorter than ``PIPE_BUF`` so a
write is never interleaved with another. The gateway reads them back with ``parse_line``
(video/srt_push.py) and trusts that pipe no more than any input: a line that is not one
of those two objects, whole and with plausible values, gives None. Pure; no IO here.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields

from video.srt_sender import SrtStats

MAX_LINE = 4000  # below PIPE_BUF (4096): one write, never split nor mixed with another
MAX_TEXT = 300  # even escaped (12 bytes a character at worst) the line stays under MAX_LINE
COUNTER_MAX = 1 << 62
SRT, UNAVAILABLE, SETTINGS = "srt", "unavailable", "settings"
FAILURE_KINDS = (SRT, UNAVAILABLE, SETTINGS)
_STATS_FIELDS = {item.name: item.type for item in fields(SrtStats)}


@dataclass(frozen=True)
class SenderFailure:
    """Why the sender child gave up, in its words: ``kind`` says whose fault (SRT, libsrt missing, settings).

    ``code`` is libsrt's error number and ``reject`` its reject reason (``srt_getrejectreason``), when SRT
    refused; the gateway turns them into a sentence for people (``DispatchTarget.explain_srt``).
    """

    text: str
    kind: str = SRT
    code: int = 0
    reject: int | None = None


def stats_line(stats: SrtStats) -> bytes:
    """One statistics reading as a line for the pipe."""
    return json.dumps(asdict(stats), separators=(",", ":")).encode() + b"\n"


def failure_line(failure: SenderFailure) -> bytes:
    """The child's failure as a line for the pipe; its text is cut so the line stays one write."""
    return json.dumps({"error": _printable(failure.text), "kind": failure.kind, "code": failure.code,
                       "reject": failure.reject}, separators=(",", ":")).encode() + b"\n"


def parse_line(raw: bytes) -> SrtStats | SenderFailure | None:
    """A reading, a failure, or None for anything else (not JSON, wrong types, missing fields, too long)."""
    if len(raw) > MAX_LINE:
        return None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    if "error" in value:
        return _failure(value)
    return _stats(value)


def _failure(value: dict) -> SenderFailure | None:
    text, kind, code, reject = value.get("error"), value.get("kind"), value.get("code", 0), value.get("reject")
    if not isinstance(text, str) or kind not in FAILURE_KINDS or not _whole(code):
        return None
    if reject is not None and not _whole(reject):
        return None
    return SenderFailure(_printable(text), kind, code, reject)


def _stats(value: dict) -> SrtStats | None:
    figures: dict[str, int | float] = {}
    for name, kind in _STATS_FIELDS.items():
        number = value.get(name)
        if kind == "int" and _whole(number) and number >= 0:
            figures[name] = number
        elif kind == "float" and isinstance(number, (int, float)) and not isinstance(number, bool) \
                and math.isfinite(number) and abs(number) < COUNTER_MAX:
            figures[name] = float(number)
        else:
            return None
    return SrtStats(**figures)


def _whole(number: object) -> bool:
    return isinstance(number, int) and not isinstance(number, bool) and -COUNTER_MAX < number < COUNTER_MAX


def _printable(text: str) -> str:
    """One line of printable characters, at most ``MAX_TEXT`` of them."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:MAX_TEXT]
