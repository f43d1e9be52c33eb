"""The NMEA 0183 device profile: GGA, RMC and VTG sentences from any talker into unit positions.

A radio that reports its position (profile ``nmea``) becomes a ``radio`` unit; the
vehicle's own GPS (profile ``gps``) becomes the ``vehicle`` unit. The unit id comes from
the link's config, since NMEA does not say who is talking. Every sentence must carry a
valid ``*hh`` checksum; anything else raises ``NmeaError`` for the caller to count and drop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pynmea2

from radios.schema import PayloadError, UnitState

PROFILES = {"nmea": "radio", "gps": "vehicle"}
MAX_SENTENCE_CHARS = 128   # the standard says 82; some receivers run longer, none this long
KNOTS_TO_M_S = 1852.0 / 3600.0
KMH_TO_M_S = 1.0 / 3.6

# $ or !, a talker and sentence of letters and digits, fields, then *hh.
_SENTENCE = re.compile(r"[$!](?P<body>[A-Z0-9]{3,}(?:,[\x20-\x7e]*)?)\*(?P<checksum>[0-9A-Fa-f]{2})")


class NmeaError(ValueError):
    """A line that is not a valid NMEA 0183 sentence; the message says why."""


@dataclass(frozen=True)
class Fix:
    """What one sentence said: a position with its quality, and/or speed and course."""

    lat: float | None = None
    lon: float | None = None
    alt: float | None = None
    quality: int | None = None      # GGA fix quality: 1 GPS, 2 DGPS, 4 RTK fixed...
    satellites: int | None = None
    speed: float | None = None      # m/s over ground
    course: float | None = None     # degrees true, [0, 360)


def parse_sentence(line: bytes) -> Fix | None:
    """One line into a ``Fix``; None for a valid sentence that carries no fix (GSV, no-fix GGA)."""
    if len(line) > MAX_SENTENCE_CHARS:
        raise NmeaError(f"sentence of {len(line)} characters is over {MAX_SENTENCE_CHARS}")
    try:
        text = line.decode("ascii")
    except UnicodeDecodeError:
        raise NmeaError("sentence is not ASCII") from None
    match = _SENTENCE.fullmatch(text)
    if match is None:
        raise NmeaError(f"not an NMEA sentence with a *hh checksum: {text[:40]!r}")
    body, checksum = match.group("body"), int(match.group("checksum"), 16)
    computed = 0
    for char in body.encode("ascii"):
        computed ^= char
    if computed != checksum:
        raise NmeaError(f"checksum {checksum:02X} does not match {computed:02X}")
    try:
        sentence = pynmea2.parse(text, check=True)
        return _fix_of(sentence)
    except pynmea2.SentenceTypeError:
        return None  # a valid sentence of a kind that carries no position (GSV, GSA, ...)
    except (pynmea2.ParseError, ValueError, TypeError, AttributeError, IndexError, ArithmeticError) as exc:
        raise NmeaError(f"malformed {body[:5]} sentence: {exc}") from None


def _fix_of(sentence: pynmea2.NMEASentence) -> Fix | None:
    if isinstance(sentence, pynmea2.GGA):
        quality = int(sentence.gps_qual or 0)
        if quality == 0:
            return None
        alt = float(sentence.altitude) if sentence.altitude not in (None, "") else None
        sats = int(sentence.num_sats) if sentence.num_sats not in (None, "") else None
        return Fix(*_position(sentence), alt=alt, quality=quality, satellites=sats)
    if isinstance(sentence, pynmea2.RMC):
        if sentence.status != "A":
            return None
        return Fix(*_position(sentence), speed=_scaled(sentence.spd_over_grnd, KNOTS_TO_M_S),
                   course=_course(sentence.true_course))
    if isinstance(sentence, pynmea2.VTG):
        speed = _scaled(sentence.spd_over_grnd_kmph, KMH_TO_M_S)
        if speed is None:
            speed = _scaled(sentence.spd_over_grnd_kts, KNOTS_TO_M_S)
        if speed is None and sentence.true_track in (None, ""):
            return None
        return Fix(speed=speed, course=_course(sentence.true_track))
    return None


def _position(sentence: pynmea2.NMEASentence) -> tuple[float, float]:
    if not sentence.lat or not sentence.lon or sentence.lat_dir not in ("N", "S") \
            or sentence.lon_dir not in ("E", "W"):
        raise NmeaError("position fields are empty or have no hemisphere")
    lat, lon = float(sentence.latitude), float(sentence.longitude)
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise NmeaError(f"position ({lat:.5f}, {lon:.5f}) is outside the globe")
    return lat, lon


def _scaled(value: object, factor: float) -> float | None:
    if value in (None, ""):
        return None
    speed = float(value) * factor
    if not 0.0 <= speed < 1e4:
        raise NmeaError(f"speed {value} is not a speed")
    return speed


def _course(value: object) -> float | None:
    if value in (None, ""):
        return None
    course = float(value)
    if not 0.0 <= course <= 360.0:
        raise NmeaError(f"course {value} is not in [0, 360]")
    return course % 360.0


class NmeaProfile:
    """Turns one link's sentences into states of the one unit configured for that link.

    Keeps the last speed and course (from RMC or VTG) so a GGA position carries them too.
    Used only on that link's reader thread.
    """

    def __init__(self, uid: str, unit_kind: str, callsign: str, src: str) -> None:
        self.uid, self.unit_kind, self.callsign, self.src = uid, unit_kind, callsign, src
        self._speed: float | None = None
        self._course: float | None = None

    def decode(self, line: bytes) -> UnitState | None:
        """A unit state for a sentence with a position; None for a valid one without; else ``NmeaError``."""
        fix = parse_sentence(line)
        if fix is None:
            return None
        if fix.speed is not None or fix.course is not None:
            self._speed, self._course = fix.speed, fix.course
        if fix.lat is None or fix.lon is None:
            return None
        try:
            return UnitState.create(self.src, uid=self.uid, unit_kind=self.unit_kind, callsign=self.callsign,
                                    lat=fix.lat, lon=fix.lon, alt=fix.alt, heading=self._course,
                                    speed=self._speed)
        except PayloadError as exc:  # finite, in range: checked above, so this is a guard only
            raise NmeaError(str(exc)) from None
