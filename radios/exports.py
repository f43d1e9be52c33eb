"""Exports of the store for other tools: events CSV, tracks GPX 1.1 and KML 2.2, units GeoJSON.

Every writer takes what the store holds and the output path the person chose; no path is
ever made from field data. Field text is untrusted: XML is built with ElementTree (which
escapes markup) after dropping the characters XML 1.0 forbids, and CSV cells that a
spreadsheet would run as a formula are quoted. A file is written beside its final name
and moved into place, so a failed export never leaves half a file.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import IO

from radios.schema import Event, UnitState, parse_ts
from radios.store import StoreError
from radios.store_reader import StoreReader, TimeError, TimeWindow

GPX_NS = "http://www.topografix.com/GPX/1/1"
KML_NS = "http://www.opengis.net/kml/2.2"
GX_NS = "http://www.google.com/kml/ext/2.2"
CREATOR = "mcv"
EXIT_USAGE = 2
CSV_COLUMNS = ("local time", "UTC", "severity", "category", "seat/source", "unit", "text", "corrects", "id")
# What can be exported, and as what; the first format is the default.
FORMATS = {"events": ("csv",), "tracks": ("gpx", "kml"), "units": ("geojson",)}

# Everything XML 1.0 allows (tab, newline, carriage return, and the rest above the C0 controls,
# without surrogates and U+FFFE/U+FFFF); anything else is replaced.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
REPLACEMENT = "\ufffd"


class UsageError(ValueError):
    """An argument a person must change (format, output path); the message says how."""


def clean_text(value: object) -> str:
    """``value`` as text fit for XML 1.0 and HTML: forbidden control characters become U+FFFD."""
    return _NOT_XML.sub(REPLACEMENT, "" if value is None else str(value))


def local_and_utc(ts: str, tz: tzinfo | None = None) -> tuple[str, str]:
    """A stored time as (local ``YYYY-MM-DD HH:MM:SS``, UTC ``…Z``); ``tz`` None means this PC's zone."""
    moment = parse_ts(ts)
    local = moment.astimezone(tz) if tz is not None else moment.astimezone()
    return local.strftime("%Y-%m-%d %H:%M:%S"), moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- events CSV -------------------------------------------------------------------------

def write_events_csv(events: Iterable[Event], path: Path, tz: tzinfo | None = None) -> int:
    """Write the log as CSV (UTF-8 with a BOM so that Excel reads Chinese); returns the rows written."""
    rows = 0
    with replace_on_success(path, newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for event in events:
            local, utc = local_and_utc(event.ts, tz)
            writer.writerow([local, utc, event.severity, _cell(event.category), _cell(event.seat or event.src),
                             _cell(event.unit), _cell(event.text), event.corrects or "", event.id])
            rows += 1
    return rows


def _cell(value: str | None) -> str:
    """Field text for a spreadsheet cell: one that would start a formula gets a leading quote."""
    text = clean_text(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


# --- tracks GPX 1.1 and KML 2.2 ---------------------------------------------------------

def write_tracks_gpx(tracks: Mapping[str, Sequence[UnitState]], path: Path, name: str = "") -> int:
    """One ``trk`` per unit with time-stamped points; returns the points written."""
    root = ET.Element("gpx", xmlns=GPX_NS, version="1.1", creator=CREATOR)
    metadata = _sub(root, "metadata")
    if name:
        _sub(metadata, "name", name)
    _sub(metadata, "time", _xml_time_now())
    points = 0
    for uid, states in tracks.items():
        if not states:
            continue
        trk = _sub(root, "trk")
        _sub(trk, "name", states[-1].callsign)
        _sub(trk, "desc", f"{uid} ({states[-1].unit_kind})")
        segment = _sub(trk, "trkseg")
        for state in states:
            point = _sub(segment, "trkpt", lat=_number(state.lat), lon=_number(state.lon))
            if state.alt is not None:
                _sub(point, "ele", _number(state.alt))
            _sub(point, "time", state.ts)
            points += 1
    _write_xml(root, path)
    return points


def write_tracks_kml(tracks: Mapping[str, Sequence[UnitState]], path: Path, name: str = "") -> int:
    """One Placemark per unit holding a ``gx:Track`` (time-stamped points); returns the points written."""
    root = ET.Element("kml", {"xmlns": KML_NS, "xmlns:gx": GX_NS})
    document = _sub(root, "Document")
    _sub(document, "name", name or CREATOR)
    points = 0
    for uid, states in tracks.items():
        if not states:
            continue
        placemark = _sub(document, "Placemark")
        _sub(placemark, "name", states[-1].callsign)
        _sub(placemark, "description", f"{uid} ({states[-1].unit_kind})")
        track = _sub(placemark, "gx:Track")
        if any(s.alt is not None for s in states):
            _sub(track, "altitudeMode", "absolute")
        for state in states:
            _sub(track, "when", state.ts)
        for state in states:
            coord = f"{_number(state.lon)} {_number(state.lat)} {_number(state.alt or 0)}"
            _sub(track, "gx:coord", coord)
            points += 1
    _write_xml(root, path)
    return points


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    """A child element; its namespace comes from the root's ``xmlns`` declarations."""
    element = ET.SubElement(parent, tag, {k: clean_text(v) for k, v in attrib.items()})
    if text is not None:
        element.text = clean_text(text)
    return element


def _number(value: float) -> str:
    return f"{value:.7f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def _xml_time_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _write_xml(root: ET.Element, path: Path) -> None:
    ET.indent(root)
    with replace_on_success(path, mode="wb") as out:
        out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n')
        ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=False)


# --- units GeoJSON ----------------------------------------------------------------------

def write_units_geojson(units: Iterable[UnitState], path: Path) -> int:
    """An RFC 7946 FeatureCollection with one Point per unit and its state as properties."""
    features = []
    for unit in units:
        coordinates = [round(unit.lon, 7), round(unit.lat, 7)] + ([round(unit.alt, 2)] if unit.alt is not None else [])
        properties = {"uid": unit.uid, "callsign": unit.callsign, "kind": unit.unit_kind, "ts": unit.ts,
                      "alt": unit.alt, "heading": unit.heading, "speed": unit.speed, "stream": unit.stream,
                      "src": unit.src}
        features.append({"type": "Feature", "id": clean_text(unit.uid),
                         "geometry": {"type": "Point", "coordinates": coordinates},
                         "properties": {k: clean_text(v) if isinstance(v, str) else v for k, v in properties.items()}})
    with replace_on_success(path, encoding="utf-8") as out:
        json.dump({"type": "FeatureCollection", "features": features}, out, ensure_ascii=False, indent=1)
    return len(features)


# --- writing a file safely --------------------------------------------------------------

@contextmanager
def replace_on_success(path: Path, mode: str = "w", **options) -> Iterator[IO]:
    """Open ``path.part`` for writing; move it onto ``path`` only if the writing succeeded."""
    path = Path(path)
    part = path.with_name(path.name + ".part")
    try:
        with open(part, mode, **options) as file:
            yield file
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    os.replace(part, path)


# --- ``mcv export`` ---------------------------------------------------------------------

def run_export(config, what: str, start: str, end: str, fmt: str | None, out: Path) -> int:
    """``mcv export``: write one export from the config's store; 0, or 2 with one message on stderr."""
    try:
        fmt = _export_format(what, fmt, out)
        window = TimeWindow.parse(start, end)
        check_output(out)
        reader = StoreReader(config.store_path)
        if what == "events":
            count = write_events_csv(reader.events(window), out)
        elif what == "tracks":
            writer = write_tracks_gpx if fmt == "gpx" else write_tracks_kml
            count = writer(reader.tracks(window), out, name=config.vehicle.name)
        else:
            count = write_units_geojson(reader.latest_positions(window), out)
    except (TimeError, StoreError, UsageError) as exc:
        print(f"mcv export: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"mcv export: cannot write {out}: {exc.strerror or exc}; choose a folder you may write to",
              file=sys.stderr)
        return EXIT_USAGE
    print(f"mcv export: wrote {count} {what if what != 'tracks' else 'track points'} to {out}")
    return 0


def _export_format(what: str, fmt: str | None, out: Path) -> str:
    allowed = FORMATS[what]
    fmt = fmt or out.suffix.lower().lstrip(".") or allowed[0]
    if fmt not in allowed:
        raise UsageError(f"{what} can be exported as {' or '.join(allowed)}, not {fmt!r}; "
                         f"use --format {allowed[0]}")
    return fmt


def check_output(out: Path) -> None:
    """Refuse an ``--out`` that cannot be a new file, before any work is done."""
    if out.is_dir():
        raise UsageError(f"{out} is a folder; give --out a file name")
    if not out.parent.is_dir():
        raise UsageError(f"the folder {out.parent} does not exist; create it or choose another --out")
