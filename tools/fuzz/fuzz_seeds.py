"""Valid samples of every format mcv parses: the starting points that mutation-based fuzzing bends.

Each function returns (and caches: callers must not change it) a list of byte strings
that the parser under test accepts; the fuzz targets (fuzz_targets.py) and the
hypothesis suites (tests/fuzz/) mutate them byte by byte and field by field. Samples are built with the project's own encoders
wherever one exists, so they stay valid when a format changes.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from pymavlink.dialects.v20 import ardupilotmega as mavlink2  # MAVLink 2 without MAVLINK20 set

import radios.command_payloads  # noqa: F401  (registers the command payload kinds)
from radios import cot, sbd_codec
from radios.payload import PAYLOAD_KINDS, PayloadError, new_id, utc_now
from radios.schema import Alarm, Event

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 29, 10, 30, tzinfo=timezone.utc)


def _nmea(body: str) -> bytes:
    checksum = 0
    for char in body.encode("ascii"):
        checksum ^= char
    return f"${body}*{checksum:02X}".encode("ascii")


@functools.cache
def nmea() -> list[bytes]:
    return [
        _nmea("GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,"),
        _nmea("GNRMC,081836,A,3015.2200,N,12010.5100,E,012.4,084.4,291126,003.1,W"),
        _nmea("GPVTG,054.7,T,034.4,M,005.5,N,010.2,K"),
        _nmea("GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00"),
        _nmea("GPGGA,002153.000,3342.6618,N,11751.3858,W,0,10,1.2,27.0,M,-34.2,M,,0000"),
    ]


@functools.cache
def at_replies() -> list[bytes]:
    return [b"+CSQ:4", b"+CSQ: 23,99", b"+CSQF:5", b"+SBDIX: 0, 12, 1, 3, 120, 0", b"0", b"3",
            b"+CREG: 0,1", b"+CREG: 5", b"OK", b"ERROR", b"+CME ERROR: 30", b"READY"]


@functools.cache
def cot_xml() -> list[bytes]:
    unit = cot.build_unit("ANDROID-1", "Engine 3", 30.27, 120.15, speed=3.5, course=270.0,
                          video_url="rtsp://127.0.0.1:8554/cam", now=NOW)
    chat = cot.build_chat("ANDROID-1", "Engine 3", "Water at the gate", message_id="m-1", now=NOW)
    direct = cot.build_chat("ANDROID-1", "Engine 3", "Come", message_id="m-2", recipient_uid="ANDROID-2",
                            chatroom="Medic 1", now=NOW)
    times = 'time="2026-11-29T10:30:00Z" start="2026-11-29T10:30:00Z" stale="2026-11-29T10:35:00Z"'
    point = '<point lat="30.27" lon="120.15" hae="9999999.0" ce="9999999.0" le="9999999.0"/>'
    emergency = (f'<event version="2.0" uid="ANDROID-1-9-1-1" type="b-a-o-tbl" how="h-e" {times}>{point}'
                 '<detail><link uid="ANDROID-1" type="a-f-G-U-C" relation="p-p"/>'
                 '<emergency type="911 Alert">Engine 3</emergency></detail></event>').encode()
    receipt = (f'<event version="2.0" uid="r-1" type="b-t-f-d" how="h-g-i-g-o" {times}>{point}'
               '<detail><__chatreceipt messageId="m-1"/></detail></event>').encode()
    video = (f'<event version="2.0" uid="cam-1" type="b-i-v" how="m-g" {times}>{point}<detail><__video>'
             '<ConnectionEntry protocol="rtsp" address="127.0.0.1" port="8554" path="cam"/></__video>'
             '</detail></event>').encode()
    declared = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + unit
    return [unit, chat, direct, emergency, receipt, video, declared]


@functools.cache
def cot_protobuf() -> list[bytes]:
    samples = cot_xml()[:3]
    return [cot.to_protobuf(xml, stream=stream) for xml in samples for stream in (False, True)]


@functools.cache
def cot_stream() -> list[bytes]:
    xml, proto = cot_xml(), cot_protobuf()
    return [xml[0] + b"\n" + xml[1], proto[1] + proto[3], xml[2] + proto[5] + xml[3], b"\0\r\n" + xml[4]]


class _Capture:
    def __init__(self) -> None:
        self.frames: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.frames.append(bytes(data))


@functools.cache
def mavlink() -> list[bytes]:
    out = _Capture()
    ap = mavlink2.MAVLink(out, srcSystem=7, srcComponent=mavlink2.MAV_COMP_ID_AUTOPILOT1)
    cam = mavlink2.MAVLink(out, srcSystem=7, srcComponent=100)
    ap.heartbeat_send(mavlink2.MAV_TYPE_QUADROTOR, mavlink2.MAV_AUTOPILOT_ARDUPILOTMEGA, 209, 3, 4)
    cam.heartbeat_send(mavlink2.MAV_TYPE_CAMERA, mavlink2.MAV_AUTOPILOT_INVALID, 0, 0, 4)
    ap.sys_status_send(0, 0, 0, 250, 15800, 1800, 76, 0, 0, 0, 0, 0, 0)
    ap.gps_raw_int_send(1_000_000, 3, 302700000, 1201500000, 120000, 80, 120, 500, 27000, 14)
    ap.global_position_int_send(1000, 302700000, 1201500000, 120000, 100000, 300, -200, -10, 27000)
    ap.attitude_send(1000, 0.1, -0.1, 1.5, 0.0, 0.0, 0.0)
    ap.battery_status_send(0, 0, 0, 2500, [3900, 3900, 3900, 3900] + [65535] * 6, 1800, -1, -1, 76)
    cam.video_stream_information_send(1, 1, 0, 1, 30.0, 1280, 720, 2_000_000, 0, 90, b"drone-7",
                                      b"rtsp://127.0.0.1:8554/drone")
    frames = out.frames
    return frames + [b"".join(frames)]


@functools.cache
def payload_samples() -> list[bytes]:
    """One encoded payload of every registered kind, fields filled with values the schema accepts."""
    samples = []
    for kind, cls in sorted(PAYLOAD_KINDS.items()):
        samples.append(_sample_of(cls).encode())
    return samples


_FIELD_VALUES: dict[str, object] = {
    "lat": 30.27, "lon": 120.15, "sysid": 7, "ok": True, "budget_kbps": 2000, "url": "rtsp://127.0.0.1:8554/cam",
    "text": "Water at the gate", "title": "Search block 4", "to": "all",
}
_TYPE_VALUES: dict[object, object] = {str: "unit-1", int: 1, float: 1.0, bool: False, list: []}
_KIND_EXTRAS: dict[str, dict[str, object]] = {"task": {"area": [[120.1, 30.2], [120.2, 30.2], [120.2, 30.3]]}}


def _sample_of(cls: type):
    """A valid payload of ``cls``: required fields from the tables above, choices taken from the schema's answer."""
    import dataclasses
    import re
    import typing

    hints = typing.get_type_hints(cls)
    fields: dict[str, object] = dict(_KIND_EXTRAS.get(cls.KIND, {}))
    for f in dataclasses.fields(cls)[3:]:
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            fields[f.name] = _FIELD_VALUES.get(f.name, _TYPE_VALUES.get(hints[f.name], "x"))
    for _ in range(12):
        try:
            return cls(id=new_id(), ts=utc_now(), src="fuzz", **fields)
        except PayloadError as exc:
            choice = re.match(r"(\w+) '[^']*' is not one of ([^,]+)", str(exc))
            if choice is None:
                raise
            fields[choice.group(1)] = choice.group(2)
    raise RuntimeError(f"no valid sample of {cls.KIND}")


@functools.cache
def device_json() -> list[bytes]:
    return [
        json.dumps({"lat": 30.27, "lon": 120.15, "alt": 12.0, "heading": 90, "speed": 1.2, "battery": 80,
                    "ts": "2026-11-29T10:30:00Z", "callsign": "Medic 1"}).encode(),
        json.dumps({"lat": "30.27", "lon": "120.15", "ts": 1795948200}).encode(),
        json.dumps({"lat": 30.27, "lon": 120.15, "ts": 1795948200000}).encode(),
    ]


@functools.cache
def config_toml() -> list[bytes]:
    example = (ROOT / "resources" / "mcv.example.toml").read_bytes()
    small = (b'[vehicle]\nid = "mcv-7"\nname = "Vehicle 7"\n[broker]\nurl = "mqtt://127.0.0.1:1883"\n'
             b'[[links]]\nid = "gps"\ntype = "serial"\nurl = "loop://"\nprofile = "gps"\n'
             b'[[links]]\nid = "drone"\ntype = "mavlink"\nurl = "udpin:127.0.0.1:14550"\n')
    return [example, small, b""]


@functools.cache
def geojson() -> list[bytes]:
    demo = (ROOT / "resources" / "demo_overlays" / "gongshu_demo.geojson").read_bytes()
    small = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Shelter", "kind": "shelter", "marker-color": "#00ff00"},
         "geometry": {"type": "Point", "coordinates": [120.15, 30.27]}},
        {"type": "Feature", "properties": {"name": "Zone", "geofence": "keep_out", "fill": "#ff0000",
                                           "fill-opacity": 0.4, "stroke-width": 3},
         "geometry": {"type": "MultiPolygon", "coordinates": [[[[120.1, 30.2], [120.2, 30.2], [120.2, 30.3],
                                                                [120.1, 30.2]]]]}},
        {"type": "Feature", "properties": {},
         "geometry": {"type": "GeometryCollection", "geometries": [
             {"type": "LineString", "coordinates": [[120.1, 30.2], [120.2, 30.3, 5.0]]}]}}]}).encode()
    return [small, demo[:200_000]]


@functools.cache
def kml() -> list[bytes]:
    return [b"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Style id="red"><LineStyle><color>ff0000ff</color><width>3</width></LineStyle><PolyStyle><color>7f0000ff</color></PolyStyle></Style>
<StyleMap id="pair"><Pair><key>normal</key><styleUrl>#red</styleUrl></Pair></StyleMap>
<Placemark><name>Shelter</name><ExtendedData><Data name="kind"><value>shelter</value></Data></ExtendedData>
<Point><coordinates>120.15,30.27,0</coordinates></Point></Placemark>
<Placemark><name>Zone</name><styleUrl>#pair</styleUrl><ExtendedData><Data name="geofence"><value>keep_in</value></Data></ExtendedData>
<Polygon><outerBoundaryIs><LinearRing><coordinates>120.1,30.2 120.2,30.2 120.2,30.3 120.1,30.2</coordinates></LinearRing></outerBoundaryIs>
<innerBoundaryIs><LinearRing><coordinates>120.12,30.22 120.13,30.22 120.13,30.23 120.12,30.22</coordinates></LinearRing></innerBoundaryIs></Polygon></Placemark>
<Placemark><name>Route</name><MultiGeometry><LineString><coordinates>120.1,30.2 120.2,30.3</coordinates></LineString></MultiGeometry></Placemark>
</Document></kml>"""]


@functools.cache
def gpx() -> list[bytes]:
    return [b"""<?xml version="1.0"?>
<gpx version="1.1" creator="fuzz" xmlns="http://www.topografix.com/GPX/1/1">
<wpt lat="30.27" lon="120.15"><name>Gate</name></wpt>
<rte><name>Way in</name><rtept lat="30.2" lon="120.1"/><rtept lat="30.3" lon="120.2"/></rte>
<trk><name>Drive</name><trkseg><trkpt lat="30.2" lon="120.1"/><trkpt lat="30.21" lon="120.11"/></trkseg></trk>
</gpx>"""]


@functools.cache
def sbd() -> list[bytes]:
    event = Event(id=new_id(), ts="2026-11-29T10:30:00.000Z", src="gateway", category="order",
                  text="Evacuate block 4 — 撤离", severity="alarm", seat="commander", unit="engine-3",
                  lat=30.27, lon=120.15)
    alarm = Alarm(id="sos-engine-3", ts="2026-11-29T10:30:00.000Z", src="radio-1", alarm_kind="sos",
                  text="Man down", unit="engine-3", lat=None, lon=None, state="active")
    return [sbd_codec.encode(event), sbd_codec.encode(alarm)]


@functools.cache
def time_windows() -> list[bytes]:
    """``--from`` and ``--to`` of mcv report and mcv export, one line each."""
    return [b"now-2h\nnow", b"2026-11-29T06:30Z\n2026-11-29T14:30", b"now - 1.5d\nnow-30m", b"2026-11-29\nnow+10s"]


@functools.cache
def xyz_metadata() -> list[bytes]:
    """``metadata.json`` of an XYZ tile folder, as mb-util writes it."""
    return [json.dumps({"name": "seed", "format": "png", "minzoom": "0", "maxzoom": "1", "attribution": "© OSM",
                        "bounds": "120.0,30.0,120.5,30.5"}).encode(), b'{"minzoom": 2, "maxzoom": 18}']


PNG_1PX = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5f4a4c30000000049454e44ae426082")


@functools.cache
def mbtiles() -> list[bytes]:
    """A small MBTiles file (metadata and two PNG tiles), as the bytes of the file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "seed.mbtiles"
        db = sqlite3.connect(path)
        db.executescript("""
            CREATE TABLE metadata (name TEXT, value TEXT);
            CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
            CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
        """)
        db.executemany("INSERT INTO metadata VALUES (?, ?)", [
            ("name", "seed"), ("format", "png"), ("minzoom", "0"), ("maxzoom", "1"),
            ("bounds", "120.0,30.0,120.5,30.5"), ("center", "120.1,30.2,1"), ("mcv_datum", "WGS-84"),
            ("attribution", "© OpenStreetMap contributors")])
        db.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", [(0, 0, 0, PNG_1PX), (1, 1, 0, PNG_1PX)])
        db.commit()
        db.close()
        return [path.read_bytes()]
