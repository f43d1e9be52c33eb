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

    For tests and one-off use: the gateway keeps a ``DroneModel`` per drone, which folds
    the same way in place and takes a ``DroneState`` only when it publishes.
    """
    model = DroneModel.from_state(state)
    model.apply(msg)
    return model.snapshot()


class DroneModel:
    """One drone's state, updated in place by each of its messages; ``snapshot()`` freezes it.

    ``apply`` runs for every packet the drone sends (tens a second per drone), so it
    builds no new state, dict or mapping per packet: the fields live in one dict that the
    folders write into, and the last sequence numbers in one dict per drone. Building a new
    ``DroneState`` per packet cost as much as parsing it (tests/bench/bench_interop.py);
    a snapshot is taken only when the state is published, at most a few times a second.
    Not thread-safe: its owner (``DroneFleet``) calls it under its lock.
    """

    __slots__ = ("fields", "_last_seq")

    def __init__(self, sysid: int) -> None:
        self.fields: dict = dict(DroneState(sysid).__dict__)
        self._last_seq: dict[int, int] = {}

    @classmethod
    def from_state(cls, state: DroneState) -> DroneModel:
        model = object.__new__(cls)
        model.fields = dict(state.__dict__)
        model._last_seq = dict(state.last_seq)
        return model

    def snapshot(self) -> DroneState:
        """The state as of the last message, frozen (a copy: later messages do not change it)."""
        state = object.__new__(DroneState)
        fields = state.__dict__
        fields.update(self.fields)
        fields["last_seq"] = dict(self._last_seq)
        return state

    def apply(self, msg: object) -> None:
        """Fold one message into the fields; unknown messages only count."""
        fields = self.fields
        last_seq = self._last_seq
        component, seq = msg.get_srcComponent(), msg.get_seq()
        last = last_seq.get(component)
        last_seq[component] = seq
        gap = 0 if last is None else (seq - last - 1) % 256
        fields["packets_received"] += 1
        if gap and gap < SEQ_RESYNC_GAP:
            kept = SEQ_DECAY ** (gap + 1)
            fields["packets_lost"] += gap
            # each lost packet decays by the packets that came after it
            fields["lost_score"] = fields["lost_score"] * kept + _LOST_WEIGHTS[gap]
        else:
            kept = SEQ_DECAY
            fields["lost_score"] *= kept
        fields["received_score"] = fields["received_score"] * kept + 1.0
        update = _FOLDERS.get(msg.get_type())
        if update is not None:
            update(fields, msg)


# The weight of ``gap`` packets lost in a row: sum(SEQ_DECAY ** i for i in 1..gap).
_LOST_WEIGHTS = [sum(SEQ_DECAY ** i for i in range(1, gap + 1)) for gap in range(SEQ_RESYNC_GAP)]


def _heartbeat(fields: dict, msg) -> None:
    if not is_vehicle_heartbeat(msg):
        return
    try:
        mode = mavutil.mode_string_v10(msg)
    except (KeyError, AttributeError, TypeError, ValueError):  # an odd autopilot's mode table
        mode = f"Mode({msg.custom_mode})"
    fields.update(vehicle_type=msg.type, armed=bool(msg.base_mode & MAV_MODE_FLAG_SAFETY_ARMED), mode=mode)


def _global_position(fields: dict, msg) -> None:
    lat, lon = msg.lat / 1e7, msg.lon / 1e7
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return
    speed = math.hypot(msg.vx, msg.vy) / 100.0
    if msg.hdg != UINT16_UNKNOWN:
        heading = (msg.hdg / 100.0) % 360.0
    elif speed > 0.5:  # no compass heading: the direction it moves in
        heading = math.degrees(math.atan2(msg.vy, msg.vx)) % 360.0
    else:
        heading = fields["yaw"]
    fields.update(lat=lat, lon=lon, alt_msl=msg.alt / 1000.0, alt_rel=msg.relative_alt / 1000.0,
                  ground_speed=_hundredths(speed), climb=-msg.vz / 100.0, heading=_degrees_360(heading))


def _attitude(fields: dict, msg) -> None:
    """The most frequent message (10 Hz): ``_hundredths`` and ``_degrees_360`` written out inline."""
    roll, pitch, yaw = msg.roll, msg.pitch, msg.yaw
    if not (_isfinite(roll) and _isfinite(pitch) and _isfinite(yaw)):
        return
    fields["roll"] = _floor(roll * _DEGREES * 100.0 + 0.5) / 100.0
    fields["pitch"] = _floor(pitch * _DEGREES * 100.0 + 0.5) / 100.0
    yaw = _floor((yaw * _DEGREES) % 360.0 * 100.0 + 0.5) / 100.0
    fields["yaw"] = 0.0 if yaw >= 360.0 else yaw


_isfinite = math.isfinite
_floor = math.floor
_DEGREES = 180.0 / math.pi


def _hundredths(value: float) -> float:
    """``round(value, 2)`` (half-way cases go up) at a third of its cost: it runs for most packets."""
    return _floor(value * 100.0 + 0.5) / 100.0


def _sys_status(fields: dict, msg) -> None:
    if msg.voltage_battery != UINT16_UNKNOWN and msg.voltage_battery > 0:
        fields["battery_voltage"] = msg.voltage_battery / 1000.0
    if 0 <= msg.battery_remaining <= 100:
        fields["battery_percent"] = float(msg.battery_remaining)


def _battery_status(fields: dict, msg) -> None:
    if msg.id != 0:  # the main battery only; a second pack would need its own field
        return
    cells = [v for v in msg.voltages if v not in (UINT16_UNKNOWN, UINT16_UNKNOWN - 1)]
    cells += [v for v in getattr(msg, "voltages_ext", ()) if v not in (0, UINT16_UNKNOWN - 1)]
    if cells:
        fields["battery_voltage"] = sum(cells) / 1000.0
    if 0 <= msg.battery_remaining <= 100:
        fields["battery_percent"] = float(msg.battery_remaining)


def _gps_raw(fields: dict, msg) -> None:
    if msg.fix_type not in GPS_FIX_TYPES:
        return
    fields["gps_fix"] = msg.fix_type
    fields["satellites"] = None if msg.satellites_visible == 255 else msg.satellites_visible


def _video_stream(fields: dict, msg) -> None:
    uri = clean_stream_uri(msg.uri)
    if uri is None or (fields["stream_uri"] is not None and msg.stream_id > 1):
        return  # the first stream is the main camera; others do not replace it
    fields["stream_uri"] = uri


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
