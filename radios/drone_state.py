"""One drone's state folded from its MAVLink messages, and the pure policy that watches it.

``fold(state, msg)`` takes a parsed pymavlink message (any dialect: the field names
are MAVLink's) and returns the drone's next ``DroneState``; it touches no socket and
no clock, so a test feeds it messages built with pymavlink. ``DroneWatchPolicy``
decides from heartbeats, clock ticks and battery readings when a drone is found,
lost, regained or running low, so the IO code only reports what it says.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from pymavlink import mavutil
from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from radios.drone_limits import (  # noqa: F401 (also this module's names)
    BATTERY_HYSTERESIS, CRITICAL_BATTERY_PERCENT, LOST_AFTER_S, LOW_BATTERY_PERCENT,
)

# Constants are the same in every dialect, so any dialect may have parsed the message.
MAV_AUTOPILOT_INVALID = mavlink2.MAV_AUTOPILOT_INVALID  # a camera's or GCS's heartbeat, not a flight controller's
NON_VEHICLE_TYPES = frozenset({
    mavlink2.MAV_TYPE_GCS, mavlink2.MAV_TYPE_ONBOARD_CONTROLLER, mavlink2.MAV_TYPE_GIMBAL, mavlink2.MAV_TYPE_ADSB,
    mavlink2.MAV_TYPE_CAMERA, mavlink2.MAV_TYPE_CHARGING_STATION, mavlink2.MAV_TYPE_FLARM, mavlink2.MAV_TYPE_SERVO,
    mavlink2.MAV_TYPE_ODID, mavlink2.MAV_TYPE_BATTERY,
})
MAV_MODE_FLAG_SAFETY_ARMED = mavlink2.MAV_MODE_FLAG_SAFETY_ARMED
UINT16_UNKNOWN = 0xFFFF
GPS_FIX_TYPES = range(0, 9)         # GPS_FIX_TYPE: 0 no GPS ... 3 3D fix ... 6 RTK fixed, 8 PPP
VIDEO_URI_SCHEMES = ("rtsp", "rtsps", "rtmp", "http", "https", "udp", "rtp", "srt", "tcp")
MAX_URI_CHARS = 230                 # VIDEO_STREAM_INFORMATION.uri holds 160 characters

# Link quality: received and lost packets are weighed with this factor per packet,
# so the figure reflects roughly the last 50 packets (a few seconds of telemetry).
SEQ_DECAY = 0.98
# A sequence jump this large is a restart or a reconnection, not packet loss.
SEQ_RESYNC_GAP = 128

# Watch thresholds: heartbeat is 1 Hz, so three missed ones mean the link is gone.

WATCH_EVENTS = ("heartbeat", "tick", "battery")
CHANGES = ("found", "lost", "regained", "battery_low", "battery_critical", "battery_ok")


@dataclass(frozen=True)
class DroneState:
    """What is known about one drone (one MAVLink system id); None where not yet reported."""

    sysid: int
    vehicle_type: int | None = None
    armed: bool | None = None
    mode: str | None = None
    lat: float | None = None
    lon: float | None = None
    alt_msl: float | None = None       # metres above mean sea level
    alt_rel: float | None = None       # metres above the home (take-off) point
    ground_speed: float | None = None  # m/s
    climb: float | None = None         # m/s, up is positive
    heading: float | None = None       # degrees true, [0, 360)
    roll: float | None = None          # degrees
    pitch: float | None = None         # degrees
    yaw: float | None = None           # degrees, [0, 360)
    battery_voltage: float | None = None
    battery_percent: float | None = None
    gps_fix: int | None = None
    satellites: int | None = None
    stream_uri: str | None = None
    packets_received: int = 0
    packets_lost: int = 0
    received_score: float = 0.0
    lost_score: float = 0.0
    last_seq: Mapping[int, int] = field(default_factory=dict)  # per component id

    @property
    def uid(self) -> str:
        return f"drone-{self.sysid}"

    @property
    def has_position(self) -> bool:
        """A fix-less autopilot reports 0, 0; that is no position."""
        return self.lat is not None and self.lon is not None and (self.lat, self.lon) != (0.0, 0.0)

    @property
    def link_quality(self) -> float | None:
        """Percent of recent packets that arrived, from sequence-number gaps; None before any."""
        total = self.received_score + self.lost_score
        return round(100.0 * self.received_score / total, 1) if total else None


def is_vehicle_heartbeat(msg: object) -> bool:
    """A heartbeat from a flight controller (not a camera, gimbal or ground station)."""
    return (msg.get_type() == "HEARTBEAT" and msg.autopilot != MAV_AUTOPILOT_INVALID
            and msg.type not in NON_VEHICLE_TYPES)


def fold(state: DroneState, msg: object) -> DroneState:
    """The drone's state after one message from it (pure; unknown messages only count).

    This runs for every packet, so the new state is built straight from the old one's
    fields: ``dataclasses.replace`` cost four times the parsing of the packet
    (tests/bench/bench_interop.py). DroneState has no ``__post_init__`` to skip.
    """
    new = object.__new__(DroneState)
    fields = new.__dict__
    fields.update(state.__dict__)
    _count_sequence(fields, state, msg.get_srcComponent(), msg.get_seq())
    update = _FOLDERS.get(msg.get_type())
    if update is not None:
        fields.update(update(state, msg))
    return new


def _count_sequence(fields: dict, state: DroneState, component: int, seq: int) -> None:
    """Write the packet counters and link-quality scores after one packet into the new state's ``fields``."""
    last_seq = state.last_seq
    last = last_seq.get(component)
    gap = 0 if last is None else (seq - last - 1) % 256
    if gap >= SEQ_RESYNC_GAP:
        gap = 0
    kept = SEQ_DECAY ** (gap + 1) if gap else SEQ_DECAY
    fields["last_seq"] = {**last_seq, component: seq}
    fields["packets_received"] = state.packets_received + 1
    fields["received_score"] = state.received_score * kept + 1.0
    fields["lost_score"] = state.lost_score * kept
    if gap:
        fields["packets_lost"] = state.packets_lost + gap
        # each lost packet decays by the packets that came after it
        fields["lost_score"] += sum(SEQ_DECAY ** i for i in range(1, gap + 1))


def _heartbeat(state: DroneState, msg) -> dict:
    if not is_vehicle_heartbeat(msg):
        return {}
    try:
        mode = mavutil.mode_string_v10(msg)
    except (KeyError, AttributeError, TypeError, ValueError):  # an odd autopilot's mode table
        mode = f"Mode({msg.custom_mode})"
    return {"vehicle_type": msg.type, "armed": bool(msg.base_mode & MAV_MODE_FLAG_SAFETY_ARMED), "mode": mode}


def _global_position(state: DroneState, msg) -> dict:
    lat, lon = msg.lat / 1e7, msg.lon / 1e7
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return {}
    speed = math.hypot(msg.vx, msg.vy) / 100.0
    if msg.hdg != UINT16_UNKNOWN:
        heading = (msg.hdg / 100.0) % 360.0
    elif speed > 0.5:  # no compass heading: the direction it moves in
        heading = math.degrees(math.atan2(msg.vy, msg.vx)) % 360.0
    else:
        heading = state.yaw
    return {"lat": lat, "lon": lon, "alt_msl": msg.alt / 1000.0, "alt_rel": msg.relative_alt / 1000.0,
            "ground_speed": _hundredths(speed), "climb": -msg.vz / 100.0, "heading": _degrees_360(heading)}


def _attitude(state: DroneState, msg) -> dict:
    roll, pitch, yaw = msg.roll, msg.pitch, msg.yaw   # the most frequent message (10 Hz): kept lean
    if not (_isfinite(roll) and _isfinite(pitch) and _isfinite(yaw)):
        return {}
    return {"roll": _hundredths(roll * _DEGREES), "pitch": _hundredths(pitch * _DEGREES),
            "yaw": _degrees_360(yaw * _DEGREES)}


_isfinite = math.isfinite
_floor = math.floor
_DEGREES = 180.0 / math.pi


def _hundredths(value: float) -> float:
    """``round(value, 2)`` (half-way cases go up) at a third of its cost: it runs for most packets."""
    return _floor(value * 100.0 + 0.5) / 100.0


def _sys_status(state: DroneState, msg) -> dict:
    changes = {}
    if msg.voltage_battery != UINT16_UNKNOWN and msg.voltage_battery > 0:
        changes["battery_voltage"] = msg.voltage_battery / 1000.0
    if 0 <= msg.battery_remaining <= 100:
        changes["battery_percent"] = float(msg.battery_remaining)
    return changes


def _battery_status(state: DroneState, msg) -> dict:
    if msg.id != 0:  # the main battery only; a second pack would need its own field
        return {}
    cells = [v for v in msg.voltages if v not in (UINT16_UNKNOWN, UINT16_UNKNOWN - 1)]
    cells += [v for v in getattr(msg, "voltages_ext", ()) if v not in (0, UINT16_UNKNOWN - 1)]
    changes = {}
    if cells:
        changes["battery_voltage"] = sum(cells) / 1000.0
    if 0 <= msg.battery_remaining <= 100:
        changes["battery_percent"] = float(msg.battery_remaining)
    return changes


def _gps_raw(state: DroneState, msg) -> dict:
    if msg.fix_type not in GPS_FIX_TYPES:
        return {}
    return {"gps_fix": msg.fix_type, "satellites": None if msg.satellites_visible == 255 else msg.satellites_visible}


def _video_stream(state: DroneState, msg) -> dict:
    uri = clean_stream_uri(msg.uri)
    if uri is None or (state.stream_uri is not None and msg.stream_id > 1):
        return {}  # the first stream is the main camera; others do not replace it
    return {"stream_uri": uri}


def clean_stream_uri(uri: object) -> str | None:
    """A URI the drone announced, if it is printable and names a video scheme; else None."""
    if not isinstance(uri, str):
        return None
    uri = uri.split("\0", 1)[0].strip()
    scheme, sep, rest = uri.partition("://")
    if not sep or not rest or scheme.lower() not in VIDEO_URI_SCHEMES or len(uri) > MAX_URI_CHARS:
        return None
    if not uri.isprintable() or " " in uri:
        return None
    return uri


def _degrees_360(value: float | None) -> float | None:
    if value is None:
        return None
    value = _hundredths(value % 360.0)
    return 0.0 if value >= 360.0 else value


_FOLDERS = {
    "HEARTBEAT": _heartbeat,
    "GLOBAL_POSITION_INT": _global_position,
    "ATTITUDE": _attitude,
    "SYS_STATUS": _sys_status,
    "BATTERY_STATUS": _battery_status,
    "GPS_RAW_INT": _gps_raw,
    "VIDEO_STREAM_INFORMATION": _video_stream,
}


@dataclass(frozen=True)
class DroneWatch:
    """What the watch policy remembers about one drone; times are monotonic seconds."""

    found: bool = False
    lost: bool = False
    last_heartbeat: float | None = None
    battery: str = "ok"  # ok, low, critical


@dataclass(frozen=True)
class WatchDecision:
    """The watch after one event, and what changed (one of ``CHANGES``) or None."""

    watch: DroneWatch
    change: str | None = None


class DroneWatchPolicy:
    """Decides when a drone is found, lost (no heartbeat for ``lost_after_s``), regained or low on battery."""

    def __init__(self, lost_after_s: float = LOST_AFTER_S, low_percent: float = LOW_BATTERY_PERCENT,
                 critical_percent: float = CRITICAL_BATTERY_PERCENT,
                 hysteresis: float = BATTERY_HYSTERESIS) -> None:
        self.lost_after_s = lost_after_s
        self.low_percent = low_percent
        self.critical_percent = critical_percent
        self.hysteresis = hysteresis

    def decide(self, watch: DroneWatch, event: str, now: float, battery_percent: float | None = None) -> WatchDecision:
        """Fold one event (``heartbeat``, ``tick`` or ``battery`` with its percent) at monotonic ``now``."""
        if event == "heartbeat":
            new = dataclasses.replace(watch, found=True, lost=False, last_heartbeat=now)
            change = "found" if not watch.found else "regained" if watch.lost else None
            return WatchDecision(new, change)
        if event == "tick":
            silent = watch.last_heartbeat is not None and now - watch.last_heartbeat >= self.lost_after_s
            if watch.found and not watch.lost and silent:
                return WatchDecision(dataclasses.replace(watch, lost=True), "lost")
            return WatchDecision(watch)
        if event == "battery":
            level = self._battery_level(watch.battery, battery_percent)
            if level == watch.battery:
                return WatchDecision(watch)
            return WatchDecision(dataclasses.replace(watch, battery=level), f"battery_{level}")
        raise ValueError(f"unknown watch event {event!r}")

    def _battery_level(self, current: str, percent: float | None) -> str:
        if percent is None:
            return current
        if percent <= self.critical_percent:
            return "critical"
        if current == "critical" and percent < self.critical_percent + self.hysteresis:
            return "critical"
        if percent <= self.low_percent:
            return "low"
        if current in ("low", "critical") and percent < self.low_percent + self.hysteresis:
            return "low"
        return "ok"
