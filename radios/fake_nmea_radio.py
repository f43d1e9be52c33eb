"""A radio in software for the demo: NMEA 0183 positions of walking radio units on a socat pty.

``FakeNmeaRadio`` makes a socat pty pair (the gateway opens ``device``, as it would a USB
radio) and writes a GGA and an RMC sentence per unit every ``period_s`` on the far end,
on its own thread ("fake-nmea-radio"). One pty per unit, because the gateway ties one
unit to one serial link. Positions come from the clock, not random, so a run can be
reproduced. socat is a child process stopped by its PID and dies with the demo.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from radios.child_process import die_with_parent, end_process

# Gongshu District, Hangzhou: the streets the demo is set in.
RADIO_CENTRE = (30.3195, 120.1630)
METRES_PER_DEGREE_LAT = 111_320.0
KNOTS_PER_M_S = 1.943844
PTY_READY_S = 5.0


def nmea_sentence(body: str) -> bytes:
    """``$body*hh\\r\\n`` with the XOR checksum of the characters between ``$`` and ``*``."""
    checksum = 0
    for char in body.encode("ascii"):
        checksum ^= char
    return f"${body}*{checksum:02X}\r\n".encode("ascii")


def _ddmm(value: float, degree_digits: int) -> str:
    degrees = int(abs(value))
    minutes = (abs(value) - degrees) * 60
    return f"{degrees:0{degree_digits}d}{minutes:07.4f}"


def position_sentences(lat: float, lon: float, course: float, speed_m_s: float, now: datetime) -> bytes:
    """A GGA (position, fix quality, altitude) and an RMC (speed, course) for one fix."""
    hms = now.strftime("%H%M%S.") + f"{now.microsecond // 10_000:02d}"
    lat_text, ns = _ddmm(lat, 2), "N" if lat >= 0 else "S"
    lon_text, ew = _ddmm(lon, 3), "E" if lon >= 0 else "W"
    gga = f"GPGGA,{hms},{lat_text},{ns},{lon_text},{ew},1,09,0.9,11.0,M,7.0,M,,"
    rmc = (f"GPRMC,{hms},A,{lat_text},{ns},{lon_text},{ew},{speed_m_s * KNOTS_PER_M_S:.1f},"
           f"{course:.1f},{now.strftime('%d%m%y')},,,A")
    return nmea_sentence(gga) + nmea_sentence(rmc)


@dataclass(frozen=True)
class RadioWalk:
    """One radio unit walking a straight beat back and forth: start offset (m), bearing, length, speed."""

    unit: str
    east_m: float
    north_m: float
    bearing: float
    length_m: float
    speed_m_s: float = 1.4

    def position(self, centre: tuple[float, float], t: float) -> tuple[float, float, float]:
        """(lat, lon, course °) ``t`` seconds into the walk."""
        lap = 2 * self.length_m / self.speed_m_s
        along = (t % lap) * self.speed_m_s
        outward = along <= self.length_m
        distance = along if outward else 2 * self.length_m - along
        course = self.bearing if outward else (self.bearing + 180.0) % 360.0
        east = self.east_m + distance * math.sin(math.radians(self.bearing))
        north = self.north_m + distance * math.cos(math.radians(self.bearing))
        lat = centre[0] + north / METRES_PER_DEGREE_LAT
        lon = centre[1] + east / (METRES_PER_DEGREE_LAT * math.cos(math.radians(centre[0])))
        return lat, lon, course


RADIO_UNITS = (
    RadioWalk("radio-1", east_m=-80, north_m=60, bearing=45, length_m=300),
    RadioWalk("radio-2", east_m=120, north_m=-40, bearing=200, length_m=220),
)


class FakeNmeaRadio:
    """The demo's radios: one socat pty pair per unit, fed by one thread until ``stop``."""

    def __init__(self, folder: Path, units: tuple[RadioWalk, ...] = RADIO_UNITS, period_s: float = 1.0,
                 centre: tuple[float, float] = RADIO_CENTRE) -> None:
        self.folder = folder
        self.units = units
        self.period_s = period_s
        self.centre = centre
        self.sent = 0  # sentences written
        self._socats: list[subprocess.Popen] = []
        self._fds: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = time.monotonic()

    def device(self, unit: str) -> Path:
        """The end the gateway opens for ``unit``."""
        return self.folder / f"ttyRADIO-{unit}"

    def _far_end(self, unit: str) -> Path:
        return self.folder / f"ttyRADIO-{unit}-far"

    def start(self) -> FakeNmeaRadio:
        """Make the pty pairs and start talking; RuntimeError saying why if it cannot."""
        if shutil.which("socat") is None:
            raise RuntimeError("socat is not installed (installer/setup.sh --dev installs it)")
        try:
            for walk in self.units:
                self._plug(walk.unit)
        except (RuntimeError, OSError):
            self.stop()
            raise
        self._thread = threading.Thread(target=self._run, name="fake-nmea-radio", daemon=True)
        self._thread.start()
        return self

    def _plug(self, unit: str) -> None:
        device, far_end = self.device(unit), self._far_end(unit)
        for stale in (device, far_end):  # left by a run that was killed
            if stale.is_symlink():
                stale.unlink()
        socat = subprocess.Popen(
            ["socat", f"pty,raw,echo=0,link={device}", f"pty,raw,echo=0,link={far_end}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=die_with_parent)
        self._socats.append(socat)
        deadline = time.monotonic() + PTY_READY_S
        while not (device.exists() and far_end.exists()):
            if time.monotonic() > deadline or socat.poll() is not None:
                raise RuntimeError(f"socat made no pty pair for {unit}")
            time.sleep(0.01)
        self._fds[unit] = os.open(far_end, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)

    def link_config(self) -> str:
        """The ``[[links]]`` sections for the gateway's config: one serial NMEA link per unit."""
        return "".join(
            f'\n[[links]]\nid = "{walk.unit}"\ntype = "serial"\nprofile = "nmea"\nunit = "{walk.unit}"\n'
            f"url = {json.dumps(str(self.device(walk.unit)))}\nbaud = 4800\n"  # JSON quoting is TOML's
            for walk in self.units)

    def send_all(self, t: float) -> None:
        """One fix per unit, ``t`` seconds into the walk; a full pty (nobody reading) drops it."""
        now = datetime.now(timezone.utc)
        for walk in self.units:
            lat, lon, course = walk.position(self.centre, t)
            try:
                os.write(self._fds[walk.unit], position_sentences(lat, lon, course, walk.speed_m_s, now))
                self.sent += 2
            except (OSError, KeyError):
                pass

    def _run(self) -> None:
        while not self._stop.is_set():
            self.send_all(time.monotonic() - self._started)
            self._stop.wait(self.period_s)

    def stop(self) -> None:
        """Stop talking and end socat (the devices vanish); safe to call twice."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(3)
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()
        socats, self._socats = self._socats, []
        for socat in socats:
            end_process(socat, 5)
