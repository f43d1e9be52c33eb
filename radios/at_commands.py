"""Pure parsers for AT modem replies (Iridium SBD and cellular) and the SBD write checksum.

Every function here takes a line (without its line ending) or bytes and returns a value
or raises ``AtReplyError``; none touches a port or a clock, so each is fuzzed with
hostile input in tests/radios/test_at_modem.py. Reference: FIELD.md's AT modem row and
the Iridium ISU AT command reference (``+SBDIX`` session result codes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_MO_BYTES = 340        # Iridium SBD: largest mobile-originated payload of one session
SBD_SIGNAL_MAX = 5        # Iridium AT+CSQ: 0 (none) .. 5 bars
CELL_RSSI_MAX = 31        # 3GPP AT+CSQ: 0 .. 31; 99 means not known
CELL_RSSI_UNKNOWN = 99

FINAL_OK = "OK"
FINAL_ERROR = "ERROR"
READY = "READY"

# +SBDIX mobile-originated status: 0-4 the message reached the gateway; the rest failed.
MO_SUCCESS_MAX = 4
MO_STATUS_TEXT = {
    0: "sent", 1: "sent; the inbound message was too big", 2: "sent; location update not accepted",
    10: "the gateway timed out", 11: "the gateway's queue for this modem is full",
    12: "too many segments", 13: "the session did not complete", 14: "invalid segment size",
    15: "access denied", 16: "the modem is locked and may not send", 17: "the gateway did not answer",
    18: "the radio connection was lost", 19: "link failure",
    32: "no network service", 33: "antenna fault", 34: "the radio is disabled",
    35: "the modem is busy", 36: "try later: the modem is waiting out a back-off",
    37: "SBD service is disabled for now", 38: "traffic management period",
    64: "band violation", 65: "PLL lock failure",
}
NO_SERVICE_STATUSES = frozenset({32, 33, 34, 37, 38})

# AT+SBDWB's answer after the bytes and checksum.
SBDWB_STATUS_TEXT = {0: "accepted", 1: "timed out waiting for the bytes", 2: "checksum did not match",
                     3: "message size is wrong (1 to 340 bytes)"}

# +CREG stat: 1 home, 5 roaming are registered; the rest are not.
CREG_TEXT = {0: "not registered, not searching", 1: "registered", 2: "searching for a network",
             3: "registration denied", 4: "registration state unknown", 5: "registered, roaming"}
CREG_REGISTERED = frozenset({1, 5})

MAX_REPLY_CHARS = 120     # longer than any reply the commands here expect: garbage

_CSQ = re.compile(r"\+CSQF?:\s?(\d{1,2})(?:,(\d{1,2}))?")
_SBDIX = re.compile(r"\+SBDIX:\s?(\d{1,3}),\s?(\d{1,5}),\s?(\d{1,3}),\s?(\d{1,5}),\s?(\d{1,3}),\s?(\d{1,3})")
_CREG = re.compile(r"\+CREG:\s?(?:(\d),\s?)?(\d)(?:,.*)?")
_CME = re.compile(r"\+CM[ES] ERROR:\s?(.{1,60})")
_SBDWB_STATUS = re.compile(r"[0-3]")


class AtReplyError(ValueError):
    """A modem reply that does not say what the command reference says it must; the message says why."""


@dataclass(frozen=True)
class SbdixResult:
    """One ``+SBDIX`` session result: how the outbound message fared, and what waits inbound."""

    mo_status: int
    momsn: int
    mt_status: int
    mtmsn: int
    mt_length: int
    mt_queued: int

    @property
    def sent(self) -> bool:
        return self.mo_status <= MO_SUCCESS_MAX

    @property
    def no_service(self) -> bool:
        return self.mo_status in NO_SERVICE_STATUSES

    def describe(self) -> str:
        return MO_STATUS_TEXT.get(self.mo_status, f"failed (status {self.mo_status})")


def _text(line: str | bytes) -> str:
    if isinstance(line, bytes):
        try:
            line = line.decode("ascii")
        except UnicodeDecodeError as exc:
            raise AtReplyError("reply is not ASCII") from exc
    if len(line) > MAX_REPLY_CHARS:
        raise AtReplyError(f"reply longer than {MAX_REPLY_CHARS} characters")
    return line.strip()


def is_final(line: str) -> bool:
    """Whether ``line`` ends a command's reply: ``OK``, ``ERROR`` or ``+CME ERROR: ...``."""
    text = _text(line)
    return text in (FINAL_OK, FINAL_ERROR) or _CME.fullmatch(text) is not None


def error_text(line: str) -> str | None:
    """What an error reply says (``ERROR`` or ``+CME ERROR: 30`` -> ``30``); None if it is not one."""
    text = _text(line)
    if text == FINAL_ERROR:
        return "ERROR"
    match = _CME.fullmatch(text)
    return match.group(1).strip() if match else None


def parse_csq(line: str | bytes, profile: str = "sbd") -> int | None:
    """Signal from ``+CSQ:n`` (Iridium, 0-5) or ``+CSQ: rssi,ber`` (cellular, 0-31; 99 -> None)."""
    text = _text(line)
    match = _CSQ.fullmatch(text)
    if match is None:
        raise AtReplyError(f"not a +CSQ reply: {text[:40]!r}")
    value = int(match.group(1))
    if profile == "sbd":
        if value > SBD_SIGNAL_MAX:
            raise AtReplyError(f"Iridium signal {value} is above {SBD_SIGNAL_MAX}")
        return value
    if value == CELL_RSSI_UNKNOWN:
        return None
    if value > CELL_RSSI_MAX:
        raise AtReplyError(f"cellular RSSI {value} is neither 0-{CELL_RSSI_MAX} nor {CELL_RSSI_UNKNOWN}")
    return value


def parse_sbdix(line: str | bytes) -> SbdixResult:
    """``+SBDIX: mo,momsn,mt,mtmsn,mtlen,queued`` -> ``SbdixResult``; ranges checked."""
    text = _text(line)
    match = _SBDIX.fullmatch(text)
    if match is None:
        raise AtReplyError(f"not a +SBDIX reply: {text[:40]!r}")
    mo, momsn, mt, mtmsn, mtlen, queued = (int(g) for g in match.groups())
    if momsn > 65535 or mtmsn > 65535:
        raise AtReplyError("a message sequence number is above 65535")
    if mt > 2:
        raise AtReplyError(f"MT status {mt} is not 0, 1 or 2")
    if mtlen > 270:
        raise AtReplyError(f"MT length {mtlen} is above 270 bytes")
    return SbdixResult(mo, momsn, mt, mtmsn, mtlen, queued)


def parse_sbdwb_status(line: str | bytes) -> int:
    """The single digit AT+SBDWB answers after the bytes: 0 accepted, 1 timeout, 2 checksum, 3 size."""
    text = _text(line)
    if _SBDWB_STATUS.fullmatch(text) is None:
        raise AtReplyError(f"not an AT+SBDWB status: {text[:40]!r}")
    return int(text)


def parse_creg(line: str | bytes) -> int:
    """The registration state ``stat`` from ``+CREG: n,stat`` (or an unsolicited ``+CREG: stat``)."""
    text = _text(line)
    match = _CREG.fullmatch(text)
    if match is None:
        raise AtReplyError(f"not a +CREG reply: {text[:40]!r}")
    stat = int(match.group(2))
    if stat not in CREG_TEXT:
        raise AtReplyError(f"registration state {stat} is not 0-5")
    return stat


def sbd_checksum(data: bytes) -> bytes:
    """The two bytes AT+SBDWB expects after the message: the sum of its bytes, low 16 bits, big-endian."""
    return (sum(data) & 0xFFFF).to_bytes(2, "big")


def sbd_frame(data: bytes) -> bytes:
    """What to write after ``READY``: the message, then its checksum; refuses what SBD cannot carry."""
    if not 1 <= len(data) <= MAX_MO_BYTES:
        raise ValueError(f"an SBD message holds 1 to {MAX_MO_BYTES} bytes, not {len(data)}")
    return bytes(data) + sbd_checksum(data)
