"""An after-action report's data over the bus: fitted into one reply by the gateway, checked back by a seat.

A console on another seat has no store, so it asks the gateway (``history_request`` with
``what`` ``report``) and words the report itself. The gateway answers with one
``history_reply`` whose single item is the window's ``ReportData`` as JSON, fitted under
the bus's payload limit: tracks travel as ``[ts, lat, lon]`` points (the report only plots
them) and are thinned first; if that is not enough the log, alarms, messages and units are
capped (warnings and alarms are kept before plain entries) and ``left_out`` counts what
stayed behind. The seat turns the item back into ``ReportData`` with ``report_from_reply``,
which treats it as untrusted input and appends one log entry naming what was left out.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from radios.payload import MAX_PAYLOAD_BYTES, PayloadError, new_id, parse_ts
from radios.report_data import ReportData, gather
from radios.schema import Alarm, Event, HistoryReply, HistoryRequest, UnitState
from radios.store import StoreError
from radios.store_reader import StoreReader, TimeError, TimeWindow

REPORT_BUDGET_BYTES = MAX_PAYLOAD_BYTES - 16 * 1024  # room for the reply's envelope around the item
FIRST_POINTS_PER_TRACK = 1500  # the report's plot draws at most this many (radios/report_data.py)
MIN_POINTS_PER_TRACK = 50  # below this a track loses its shape; lists are capped instead
FIRST_LIST_CAP = REPORT_BUDGET_BYTES // 100  # no entry encodes in under 100 bytes
LEFT_OUT_KEYS = ("events", "alarms", "messages", "units", "track_points")
_ITEM_KEYS = frozenset({"vehicle_id", "vehicle_name", "start", "end", "generated", "events", "alarms",
                        "units", "tracks", "messages", "backlog", "left_out"})
_LEFT_OUT_WORDS = {"events": "log entries", "alarms": "alarms", "messages": "messages", "units": "units",
                   "track_points": "track points"}
_MESSAGE_KEYS = frozenset({"id", "ts", "src", "to_unit", "text", "state"})


class ReportReplyError(PayloadError):
    """A report reply that cannot be read; the message names the part that is wrong."""


# -- the gateway's side ------------------------------------------------------------------

def answer_report(request: HistoryRequest, store_path: Path, vehicle_id: str, vehicle_name: str,
                  src: str) -> HistoryReply:
    """Bus thread (the gateway's ``cmd/history``): the window's report data, fitted into one reply.

    The store is read through read-only connections beside its writer thread, as ``mcv report`` does.
    """
    try:
        window = TimeWindow.between(parse_ts(request.start), parse_ts(request.end))
        item = fit_report(gather(StoreReader(store_path), window, vehicle_id, vehicle_name))
    except (TimeError, StoreError) as exc:
        return HistoryReply.create(src, request=request.id, ok=False, error=str(exc))
    return HistoryReply.create(src, request=request.id, ok=True, items=[item])


def fit_report(data: ReportData, budget: int = REPORT_BUDGET_BYTES) -> dict:
    """``data`` as one JSON object of at most ``budget`` bytes: thin the tracks first, then cap the lists."""
    points, cap = FIRST_POINTS_PER_TRACK, FIRST_LIST_CAP
    while True:
        item = _item(data, points, cap)
        if len(json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode()) <= budget or cap == 0:
            return item
        if points > MIN_POINTS_PER_TRACK:
            points = max(MIN_POINTS_PER_TRACK, points // 2)
        else:
            cap //= 2


def _item(data: ReportData, points: int, cap: int) -> dict:
    events = _most_severe_first(data.events, cap)
    units = list(data.units[:cap])
    tracks = {u.uid: _thinned(data.tracks.get(u.uid, ()), points) for u in units if data.tracks.get(u.uid)}
    sent_points = sum(len(t) for t in tracks.values())
    return {
        "vehicle_id": data.vehicle_id, "vehicle_name": data.vehicle_name,
        "start": data.window.start, "end": data.window.end, "generated": data.generated,
        "events": [e.to_dict() for e in events], "alarms": [a.to_dict() for a in data.alarms[:cap]],
        "units": [u.to_dict() for u in units],
        "tracks": {uid: [[s.ts, s.lat, s.lon] for s in states] for uid, states in tracks.items()},
        "messages": [{k: m[k] for k in _MESSAGE_KEYS} for m in data.messages[:cap]],
        "backlog": dict(data.backlog),
        "left_out": {"events": len(data.events) - len(events), "alarms": max(0, len(data.alarms) - cap),
                     "messages": max(0, len(data.messages) - cap), "units": len(data.units) - len(units),
                     "track_points": data.track_points() - sent_points},
    }


def _most_severe_first(events: Sequence[Event], cap: int) -> list[Event]:
    """At most ``cap`` entries in their order, alarms and warnings kept before plain entries."""
    if len(events) <= cap:
        return list(events)
    ranked = sorted(range(len(events)), key=lambda i: (events[i].severity == "info", i))
    return [events[i] for i in sorted(ranked[:cap])]


def _thinned(states: Sequence[UnitState], limit: int) -> list[UnitState]:
    """Every ``step``-th point and always the last, at most about ``limit``."""
    step = max(1, math.ceil(len(states) / limit))
    return list(states[::step]) + ([states[-1]] if (len(states) - 1) % step else [])


# -- the seat's side ---------------------------------------------------------------------

def report_from_reply(reply: HistoryReply) -> tuple[ReportData, dict[str, int]]:
    """The report data in a gateway's reply and what was left out of it; ``ReportReplyError`` if malformed.

    ``ok`` false raises with the gateway's own error. A reply that left something out gets
    one more log entry, at the window's end, saying what and where to make the full report.
    """
    if not reply.ok:
        raise ReportReplyError(reply.error or "the gateway refused the report without saying why")
    if len(reply.items) != 1 or not isinstance(reply.items[0], dict):
        raise ReportReplyError("a report reply carries exactly one object")
    item = reply.items[0]
    if set(item) != _ITEM_KEYS:
        raise ReportReplyError(f"a report has the fields {', '.join(sorted(_ITEM_KEYS))}; "
                               f"this one has {', '.join(sorted(map(str, item)))}")
    for name in ("vehicle_id", "vehicle_name"):
        if not isinstance(item[name], str) or not item[name]:
            raise ReportReplyError(f"{name} must be non-empty text")
    try:
        for name in ("start", "end", "generated"):
            if not isinstance(item[name], str):
                raise ReportReplyError(f"{name} must be a time")
            parse_ts(item[name])
        window = TimeWindow.between(parse_ts(item["start"]), parse_ts(item["end"]))
    except (TimeError, PayloadError) as exc:
        raise ReportReplyError(f"the report's window is wrong: {exc}") from None
    units = _payloads(item, "units", UnitState)
    by_uid = {u.uid: u for u in units}
    left_out = _counts(item, "left_out", LEFT_OUT_KEYS)
    events = _payloads(item, "events", Event)
    if any(left_out.values()):
        events.append(_left_out_note(left_out, window.end))
    return ReportData(
        vehicle_id=item["vehicle_id"], vehicle_name=item["vehicle_name"], window=window, generated=item["generated"],
        events=events, alarms=_payloads(item, "alarms", Alarm), units=units,
        tracks=_tracks(item["tracks"], by_uid), messages=_messages(item["messages"]),
        backlog=_counts(item, "backlog", None),
    ), left_out


def _payloads(item: Mapping, name: str, cls: type) -> list:
    values = item[name]
    if not isinstance(values, list):
        raise ReportReplyError(f"{name} must be a list")
    out = []
    for index, value in enumerate(values):
        try:
            if not isinstance(value, dict) or value.get("kind") != cls.KIND:
                raise PayloadError(f"not a {cls.KIND} payload")
            out.append(cls.from_dict(value))
        except (PayloadError, TypeError, ValueError) as exc:
            raise ReportReplyError(f"{name}[{index}]: {exc}") from None
    return out


def _tracks(tracks: object, by_uid: Mapping[str, UnitState]) -> dict[str, list[UnitState]]:
    """Each ``[ts, lat, lon]`` as the unit's own state moved to that time and place."""
    if not isinstance(tracks, dict):
        raise ReportReplyError("tracks must be an object of unit id -> points")
    out: dict[str, list[UnitState]] = {}
    for uid, points in tracks.items():
        if uid not in by_uid:
            raise ReportReplyError(f"tracks[{uid!r}] is of a unit the report does not list")
        if not isinstance(points, list) or not points:
            raise ReportReplyError(f"tracks[{uid!r}] must be a list of points")
        unit = by_uid[uid]
        states = []
        for index, point in enumerate(points):
            try:
                if not (isinstance(point, list) and len(point) == 3 and isinstance(point[0], str)
                        and all(type(v) in (int, float) for v in point[1:])):
                    raise PayloadError("a point is [time, lat, lon]")
                states.append(dataclasses.replace(unit, ts=point[0], lat=point[1], lon=point[2]))
            except (PayloadError, TypeError, ValueError) as exc:
                raise ReportReplyError(f"tracks[{uid!r}][{index}]: {exc}") from None
        out[uid] = states
    return out


def _messages(messages: object) -> list[dict]:
    if not isinstance(messages, list):
        raise ReportReplyError("messages must be a list")
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or set(message) != _MESSAGE_KEYS:
            raise ReportReplyError(f"messages[{index}] has the fields {', '.join(sorted(_MESSAGE_KEYS))}")
        if not all(isinstance(message[k], str) or (k == "to_unit" and message[k] is None) for k in _MESSAGE_KEYS):
            raise ReportReplyError(f"messages[{index}]: every field is text")
        try:
            parse_ts(message["ts"])
        except PayloadError as exc:
            raise ReportReplyError(f"messages[{index}]: {exc}") from None
    return messages


def _counts(item: Mapping, name: str, keys: Sequence[str] | None) -> dict[str, int]:
    """An object of text -> count (0 or more); with ``keys``, exactly those."""
    counts = item[name]
    if not isinstance(counts, dict) or (keys is not None and set(counts) != set(keys)):
        raise ReportReplyError(f"{name} must be an object of counts" + (f": {', '.join(keys)}" if keys else ""))
    if not all(type(n) is int and n >= 0 for n in counts.values()):
        raise ReportReplyError(f"{name} must count with whole numbers, 0 or more")
    return dict(counts)


def _left_out_note(left_out: Mapping[str, int], at: str) -> Event:
    parts = ", ".join(f"{n} {_LEFT_OUT_WORDS[key]}" for key, n in left_out.items() if n)
    return Event(id=new_id(), ts=at, src="gateway", category="system", text=(
        f"Made over the vehicle bus, which carries at most {MAX_PAYLOAD_BYTES // 1024} KiB: left out {parts}. "
        "For the complete report run mcv report on the gateway's PC, or choose a shorter window."))
