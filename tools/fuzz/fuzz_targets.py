"""One fuzz target per parser of outside input: bytes in, a valid result or the parser's own error out.

A target's ``run(data)`` feeds ``data`` to the parser the way the gateway, the console or
the map loader does, checks that what comes back is a valid result, and lets any
exception other than the parser's documented error type escape: that escape is a
finding. Formats guarded by a checksum (NMEA, SBD, MAVLink, TAK stream lengths) are
also fed once more with the checksum made right (``fixup``), so mutations reach the
code behind the check. Used by the atheris harnesses here and by tests/fuzz/.
"""

from __future__ import annotations

import atexit
import math
import os
import shutil
import struct
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import fuzz_seeds
from pymavlink.dialects.v20 import ardupilotmega as mavlink2

from maps.mbtiles import MbtilesStore
from maps.overlays import OverlayError, parse_geojson, parse_gpx, parse_kml
from maps.tile_source import TileError
from maps.xyz_folder import XyzFolderSource
from radios import at_commands, cot, nmea, payload, sbd_codec
from radios.at_commands import AtReplyError
from radios.config import ConfigError, load_config
from radios.cot_stream import CotStreamSplitter
from radios.device_format import DeviceError, DeviceFormat, DevicePosition, own_format
from radios.drone_state import DroneModel
from radios.hq_dedup import payload_id
from radios.mavlink_link import new_parser, parse_frames
from radios.schema import Topics
from radios.store_reader import TimeError, TimeWindow

MAX_CALL_S = 5.0   # any one input taking longer than this is a hang (generous: CI machines are loaded)


@dataclass(frozen=True)
class Target:
    """A parser under fuzzing: its valid samples, tokens worth splicing in, and the checked call."""

    name: str
    seeds: Callable[[], list[bytes]]
    run: Callable[[bytes], None]
    tokens: tuple[bytes, ...] = ()


# -- checksums made right ----------------------------------------------------------------

def nmea_fixup(data: bytes) -> bytes:
    """The sentence with its ``*hh`` recomputed over the body (what a radio would have sent)."""
    star = data.rfind(b"*")
    if not data[:1] in (b"$", b"!") or star < 1:
        return data
    checksum = 0
    for byte in data[1:star]:
        checksum ^= byte
    return data[:star] + b"*%02X" % checksum + data[star + 3:]


def sbd_fixup(data: bytes) -> bytes:
    """The message with its CRC-32 trailer recomputed."""
    if len(data) < 4:
        return data
    return data[:-4] + struct.pack(">I", zlib.crc32(data[:-4]))


def mavlink_fixup(data: bytes) -> bytes:
    """Every MAVLink 2 frame of a buffer with its CRC (and CRC_EXTRA) recomputed, frames walked by length."""
    out, at = bytearray(data), 0
    while at + 12 <= len(out):
        if out[at] != 0xFD:
            at += 1
            continue
        length = out[at + 1]
        end = at + 10 + length
        if end + 2 > len(out):
            break
        msgid = int.from_bytes(out[at + 7:at + 10], "little")
        crc = mavlink2.x25crc(bytes(out[at + 1:end]))
        if msgid in mavlink2.mavlink_map:
            crc.accumulate(struct.pack("B", mavlink2.mavlink_map[msgid].crc_extra))
        out[end:end + 2] = struct.pack("<H", crc.crc)
        at = end + 2 + (13 if out[at + 2] & 0x01 else 0)
    return bytes(out)


def cot_stream_fixup(data: bytes) -> bytes:
    """A ``0xBF`` stream frame whose varint length says how many bytes follow it."""
    if data[:1] != b"\xbf":
        return data
    try:
        _, start = cot.read_varint(data, 1)
    except cot.CotError:
        return data
    body = data[start:] if start > 1 else data[2:]
    return b"\xbf" + varint(len(body)) + body


def varint(value: int) -> bytes:
    """``value`` as a protobuf varint (the TAK stream's length prefix)."""
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _both(fixup: Callable[[bytes], bytes], check: Callable[[bytes], None]) -> Callable[[bytes], None]:
    def run(data: bytes) -> None:
        check(data)
        fixed = fixup(data)
        if fixed != data:
            check(fixed)
    return run


# -- the checked calls ----------------------------------------------------------------------

def check_nmea(data: bytes) -> None:
    try:
        fix = nmea.parse_sentence(data)
    except nmea.NmeaError:
        return
    assert fix is None or isinstance(fix, nmea.Fix)
    profile = nmea.NmeaProfile("radio-1", "radio", "Radio 1", "fuzz")
    try:
        state = profile.decode(data)
    except nmea.NmeaError:
        return
    assert state is None or (-90 <= state.lat <= 90 and -180 <= state.lon <= 180)


def check_at_reply(data: bytes) -> None:
    text = data.decode("latin-1")
    for line in (data, text):
        for parse in (at_commands.parse_sbdix, at_commands.parse_sbdwb_status, at_commands.parse_creg,
                      lambda v: at_commands.parse_csq(v, "sbd"), lambda v: at_commands.parse_csq(v, "cellular")):
            try:
                parse(line)
            except AtReplyError:
                pass
    for ask in (at_commands.is_final, at_commands.error_text):
        try:
            ask(text)
        except AtReplyError:
            pass


def check_cot(data: bytes) -> None:
    try:
        event = cot.parse(data)
    except cot.CotError:
        return
    assert isinstance(event, cot.CotEvent) and -90 <= event.lat <= 90 and -180 <= event.lon <= 180
    assert event.time.tzinfo is not None and len(event.uid) <= cot.MAX_UID_CHARS


def check_cot_stream(data: bytes) -> None:
    """Cut ``data`` into reads at offsets taken from its first bytes, as TCP would deliver it."""
    splitter = CotStreamSplitter(max_bytes=4096)
    cuts = sorted({b * 7 % max(1, len(data)) for b in data[:4]}) + [len(data)]
    start = 0
    for end in cuts:
        messages, problems = splitter.feed(data[start:end])
        start = end
        assert len(splitter._buffer) <= splitter.max_bytes + 16, "the splitter buffers past its limit"
        assert all(isinstance(reason, str) for reason in problems)
        for message in messages:
            check_cot(message)


def check_mavlink(data: bytes) -> None:
    """Parse as a serial stream (two reads) and fold every message into a drone's state."""
    parser = new_parser()
    model = DroneModel(7)
    half = len(data) // 2
    for chunk in (data[:half], data[half:]):
        try:
            messages, _ = parse_frames(parser, chunk)
        except mavlink2.MAVError:
            parser = new_parser()
            continue
        for msg in messages:
            if msg.get_type() != "BAD_DATA":
                model.apply(msg)
    model.snapshot()


def check_payload(data: bytes) -> None:
    payload_id(data)
    try:
        decoded = payload.decode(data)
    except payload.PayloadError:
        return
    assert payload.decode(decoded.encode()) == decoded, "a decoded payload does not survive encode/decode"
    payload.format_ts(payload.parse_ts(decoded.ts))   # what the store does to every time it keeps
    for value in decoded.to_dict().values():           # what SQLite and the CoT and report builders take
        assert not isinstance(value, int) or -(2**63) <= value < 2**63
        assert not isinstance(value, (int, float)) or math.isfinite(float(value))


_DEVICE_FORMAT = DeviceFormat(own_format(Topics("mcv-1")))
_NOW = datetime(2026, 11, 29, 10, 30, tzinfo=timezone.utc)


def check_device(data: bytes) -> None:
    try:
        position = _DEVICE_FORMAT.decode("mcv/v1/mcv-1/device/medic-1/position", data, now=_NOW)
    except DeviceError:
        return
    assert isinstance(position, DevicePosition) and -90 <= position.lat <= 90
    try:
        state = position.to_unit_state("fuzz")
    except payload.PayloadError:   # radios/field_devices.py counts and drops these as it does DeviceError
        return
    assert payload.decode(state.encode()) == state, "a device position does not survive the bus"


def check_config(data: bytes) -> None:
    path = _scratch_dir() / "mcv.toml"
    path.write_bytes(data)
    try:
        load_config(path)
    except ConfigError as error:
        assert str(error)


def check_overlay(parse: Callable[[bytes, str], tuple]) -> Callable[[bytes], None]:
    def run(data: bytes) -> None:
        try:
            features = parse(data, "fuzz")
        except OverlayError:
            return
        for feature in features:
            assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for ring in feature.rings for lon, lat in ring)
    return run


def check_sbd(data: bytes) -> None:
    try:
        item = sbd_codec.decode(data)
    except sbd_codec.SbdFormatError:
        return
    assert len(sbd_codec.encode(item)) <= sbd_codec.MAX_MESSAGE_BYTES


def check_xyz_metadata(data: bytes) -> None:
    """A tile folder (one tile at 0/0/0) whose ``metadata.json`` is ``data``: zooms, credit, tiles."""
    root = _scratch_dir() / "xyz"
    if not root.exists():
        (root / "0" / "0").mkdir(parents=True)
        (root / "0" / "0" / "0.png").write_bytes(fuzz_seeds.PNG_1PX)
    (root / "metadata.json").write_bytes(data)
    source = XyzFolderSource(root)
    assert 0 <= source.min_zoom and 0 <= source.max_zoom and isinstance(source.attribution, str)
    assert source.get(0, 0, 0) == fuzz_seeds.PNG_1PX


def check_time_window(data: bytes) -> None:
    """Two lines, ``--from`` and ``--to`` as a person types them for mcv report and mcv export."""
    start, _, end = data.decode("utf-8", "replace").partition("\n")
    try:
        window = TimeWindow.parse(start, end, _NOW)
    except TimeError:
        return
    assert window.start < window.end


def check_mbtiles(data: bytes) -> None:
    """Write ``data`` as a file and read it the way the map does: open, zooms, tiles, keys, info."""
    path = _scratch_dir() / "fuzz.mbtiles"
    path.write_bytes(data)
    try:
        with MbtilesStore(path) as store:
            low, high = store.min_zoom, store.max_zoom
            assert 0 <= low <= high
            for z, x, y in ((0, 0, 0), (1, 1, 1), (high, 0, 0)):
                tile = store.get(z, x, y)
                assert tile is None or isinstance(tile, bytes)
                store.has(z, x, y)
            list(zip(range(50), store.keys()))
            store.info()
            store.metadata()
    except TileError:
        pass


_SCRATCH: list[Path] = []


def _scratch_dir() -> Path:
    """One private folder per process for the files a target must write (made on first use, removed at exit)."""
    if not _SCRATCH:
        _SCRATCH.append(Path(tempfile.mkdtemp(prefix=f"mcv-fuzz-{os.getpid()}-")))
        atexit.register(shutil.rmtree, _SCRATCH[0], ignore_errors=True)
    return _SCRATCH[0]


_XML_TOKENS = (b"<?xml version=\"1.0\" encoding=\"GBK\"?>", b"encoding=\"", b"UTF-7", b"rot13",
               b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b"&a;", b"<![CDATA[", b"]]>", b"xmlns=\"urn:x\"", b"\xef\xbb\xbf",
               b"=\"NaN\"", b"=\"1e309\"", b"=\"-0\"", b"0001-01-01T00:00:00+14:00", b"9999-12-31T23:59:59-14:00")
_JSON_TOKENS = (b"NaN", b"Infinity", b"1e309", b"-0", b"null", b"true", b"[]", b"{}", b"\"\\ud800\"",
                b"1" * 5000, b"[" * 64, b"\"kind\"")

TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("nmea", fuzz_seeds.nmea, _both(nmea_fixup, check_nmea),
           (b"$", b"*", b",", b",,", b"N", b"S", b"E", b"W", b"A", b"V", b"nan", b"1e400", b"-", b"9999.99")),
    Target("at_reply", fuzz_seeds.at_replies, check_at_reply,
           (b"+CSQ:", b"+SBDIX: ", b"+CREG: ", b"+CME ERROR: ", b",", b"99", b"65536", b"\r\n")),
    Target("cot_xml", fuzz_seeds.cot_xml, check_cot, _XML_TOKENS + (b"b-a-o-can", b"b-t-f", b"<__video url=\"")),
    Target("cot_protobuf", fuzz_seeds.cot_protobuf, _both(cot_stream_fixup, check_cot),
           (b"\xbf\x01\xbf", b"\xbf", b"\xff" * 10, b"\x80" * 11)),
    Target("cot_stream", fuzz_seeds.cot_stream, check_cot_stream, (b"</event>", b"<event", b"\xbf", b"\xff\xff\x7f")),
    Target("mavlink", fuzz_seeds.mavlink, _both(mavlink_fixup, check_mavlink), (b"\xfd", b"\xfe", b"\xff" * 4)),
    Target("payload", fuzz_seeds.payload_samples, check_payload, _JSON_TOKENS),
    Target("device_json", fuzz_seeds.device_json, check_device, _JSON_TOKENS + (b"1e11", b"\"2026-11-29\"")),
    Target("config", fuzz_seeds.config_toml, check_config,
           (b"[[links]]\n", b"[broker]\n", b"=", b"\"\"\"", b"'''", b"inf", b"nan", b"1979-05-27T07:32:00Z",
            b"password_file = \"", b"\\u0000", b"\n")),
    Target("geojson", fuzz_seeds.geojson, check_overlay(parse_geojson),
           _JSON_TOKENS + (b"\"GeometryCollection\"", b"\"MultiPolygon\"", b"\"coordinates\"")),
    Target("kml", fuzz_seeds.kml, check_overlay(parse_kml), _XML_TOKENS + (b"<MultiGeometry>", b"<coordinates>")),
    Target("gpx", fuzz_seeds.gpx, check_overlay(parse_gpx), _XML_TOKENS + (b"<trkpt lat=\"", b"<rtept lon=\"")),
    Target("sbd", fuzz_seeds.sbd, _both(sbd_fixup, check_sbd), (b"\x01\x01", b"\x01\x02", b"\xff", b"\x00" * 4)),
    Target("xyz_metadata", fuzz_seeds.xyz_metadata, check_xyz_metadata, _JSON_TOKENS),
    Target("time_window", fuzz_seeds.time_windows, check_time_window,
           (b"now", b"-", b"+", b"d", b"h", b"9" * 20, b"0001-01-01T00:00", b"+14:00", b"-14:00", b"Z", b"\n")),
    Target("mbtiles", fuzz_seeds.mbtiles, check_mbtiles, (b"SQLite format 3\x00", b"\x00" * 16, b"\xff" * 8)),
)}
