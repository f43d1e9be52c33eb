"""What an after-action report says about a time window, gathered from the store; no wording, no Qt.

The console renders this in the person's language (``console/report.py``); everything
that is worked out (corrections, outages, time to acknowledge, the track plot) is here
so it is tested without a window.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape

from radios.exports import clean_text
from radios.outbox_policy import PRIORITY_NAMES
from radios.schema import SEVERITIES, Alarm, Event, UnitState, parse_ts, utc_now
from radios.store_reader import StoreReader, TimeWindow

UPLINK_SRC = "gateway/uplink"  # radios/uplink.py logs backhaul outages under this source
OUTAGE_SEVERITIES = ("warning", "alarm")
DUTY_CATEGORY = "duty"  # shift starts and ends and handovers, logged by radios/duty_desk.py with what was open
MAX_PLOT_POINTS = 1500  # per track: enough for the shape, small enough for a PDF page
TRACK_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")


@dataclass(frozen=True)
class ReportData:
    """Everything stored about one window, plus the figures worked out from it."""

    vehicle_id: str
    vehicle_name: str
    window: TimeWindow
    events: Sequence[Event] = ()
    alarms: Sequence[Alarm] = ()
    tracks: Mapping[str, Sequence[UnitState]] = field(default_factory=dict)
    units: Sequence[UnitState] = ()  # each unit's last position in the window
    messages: Sequence[Mapping] = ()
    backlog: Mapping[str, int] = field(default_factory=dict)  # items waiting for HQ now, by priority name
    generated: str = field(default_factory=utc_now)

    @property
    def corrected_by(self) -> dict[str, Event]:
        """The id of each corrected entry -> the latest entry correcting it."""
        return {e.corrects: e for e in self.events if e.corrects}

    @property
    def link_outages(self) -> list[Event]:
        """Link entries that report trouble: a link or the backhaul down, degraded, lost."""
        return [e for e in self.events if e.category == "link" and e.severity in OUTAGE_SEVERITIES]

    @property
    def duty_entries(self) -> list[Event]:
        """Shift starts and ends and handovers, each with its notes and what was still open then."""
        return [e for e in self.events if e.category == DUTY_CATEGORY]

    @property
    def backhaul_events(self) -> list[Event]:
        return [e for e in self.events if e.src == UPLINK_SRC]

    @property
    def backhaul_outages(self) -> int:
        return sum(1 for e in self.backhaul_events if e.severity in OUTAGE_SEVERITIES)

    def severity_counts(self) -> dict[str, int]:
        counts = Counter(e.severity for e in self.events)
        return {severity: counts.get(severity, 0) for severity in SEVERITIES}

    def track_points(self) -> int:
        return sum(len(states) for states in self.tracks.values())


def gather(reader: StoreReader, window: TimeWindow, vehicle_id: str, vehicle_name: str) -> ReportData:
    """Read what the report needs for ``window`` from the store."""
    return ReportData(
        vehicle_id=vehicle_id, vehicle_name=vehicle_name, window=window,
        events=reader.events(window), alarms=reader.alarms(window), tracks=reader.tracks(window),
        units=reader.latest_positions(window), messages=reader.messages(window),
        backlog={PRIORITY_NAMES.get(p, str(p)): n for p, n in reader.outbox_counts().items()},
    )


def ack_delay_s(alarm: Alarm) -> float | None:
    """Seconds from raising to acknowledgement; None while nobody has acknowledged it."""
    if alarm.acknowledged_at is None:
        return None
    return max(0.0, (parse_ts(alarm.acknowledged_at) - parse_ts(alarm.ts)).total_seconds())


def format_duration(seconds: float) -> str:
    """``42 s``, ``3 min 05 s``, ``2 h 07 min``: units every language here reads."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def track_svg(tracks: Mapping[str, Sequence[UnitState]], width: int = 640, height: int = 400) -> str:
    """The tracks as a self-contained SVG: lat/lon scaled to true proportions, no map tiles.

    Each track is a line from a hollow start dot to a filled end dot labelled with the
    unit's callsign; a scale bar gives the distance. Empty tracks draw an empty frame.
    """
    shown = {uid: _thinned(states) for uid, states in tracks.items() if states}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
             f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="#f8f8f4" stroke="#999"/>']
    if shown:
        project, metres_per_px = _projection([s for states in shown.values() for s in states], width, height)
        for index, (uid, states) in enumerate(shown.items()):
            colour = TRACK_COLOURS[index % len(TRACK_COLOURS)]
            xy = [project(s.lat, s.lon) for s in states]
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
            label = escape(clean_text(states[-1].callsign or uid))
            parts += [f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>',
                      f'<circle cx="{xy[0][0]:.1f}" cy="{xy[0][1]:.1f}" r="4" fill="#fff" stroke="{colour}" '
                      'stroke-width="2"/>',
                      f'<circle cx="{xy[-1][0]:.1f}" cy="{xy[-1][1]:.1f}" r="5" fill="{colour}"/>',
                      _label(xy[-1], label, colour, width)]
        parts += _scale_bar(metres_per_px, height)
    parts.append("</svg>")
    return "\n".join(parts)


def _label(at: tuple[float, float], label: str, colour: str, width: int) -> str:
    """The callsign beside a track's end, on its left where the right edge is near."""
    x, y = at
    if x > width * 0.7:
        return f'<text x="{x - 8:.1f}" y="{y + 4:.1f}" fill="{colour}" text-anchor="end">{label}</text>'
    return f'<text x="{x + 8:.1f}" y="{y + 4:.1f}" fill="{colour}">{label}</text>'


def _thinned(states: Sequence[UnitState]) -> list[UnitState]:
    step = math.ceil(len(states) / MAX_PLOT_POINTS)
    return list(states[::step]) + ([states[-1]] if (len(states) - 1) % step else [])


_MARGIN_PX = 30
_METRES_PER_DEGREE = 111_320.0


def _projection(states: Sequence[UnitState], width: int, height: int):
    """A function (lat, lon) -> (x, y) in pixels fitting every point, and metres per pixel."""
    lats, lons = [s.lat for s in states], [s.lon for s in states]
    squeeze = math.cos(math.radians((min(lats) + max(lats)) / 2))  # a degree of longitude is shorter
    span_x = max((max(lons) - min(lons)) * squeeze, 1e-6)
    span_y = max(max(lats) - min(lats), 1e-6)
    scale = min((width - 2 * _MARGIN_PX) / span_x, (height - 2 * _MARGIN_PX) / span_y)
    left = (width - span_x * scale) / 2
    top = (height - span_y * scale) / 2
    west, north = min(lons), max(lats)

    def project(lat: float, lon: float) -> tuple[float, float]:
        return left + (lon - west) * squeeze * scale, top + (north - lat) * scale

    return project, _METRES_PER_DEGREE / scale


def _scale_bar(metres_per_px: float, height: int) -> list[str]:
    """A bar of a round length near 100 px, bottom left."""
    target = metres_per_px * 100
    magnitude = 10 ** math.floor(math.log10(target))
    length = max(m * magnitude for m in (1, 2, 5) if m * magnitude <= target)
    px = length / metres_per_px
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    y = height - 12
    return [f'<line x1="12" y1="{y}" x2="{12 + px:.1f}" y2="{y}" stroke="#333" stroke-width="3"/>',
            f'<text x="12" y="{y - 6}" fill="#333">{label}</text>']
