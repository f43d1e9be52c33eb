"""The SBD binary format: round trips, the 340-byte bound, hostile bytes, and HQ's decoder and CLI."""

import io
import json
import struct
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radios.hq_dedup import HqDedup
from radios.hq_sbd import accept_sbd, run_decode
from radios.sbd_codec import (
    MAX_MESSAGE_BYTES, VERSION, SbdFormatError, decode, decode_message, encode, truncate_utf8,
)
from radios.schema import ALARM_KINDS, Alarm, Event, UnitState

TS = "2026-11-29T10:31:57.000Z"


def _alarm(**fields):
    values = dict(id="5b0d6f0e9c2a4e57a1f4d1c2b3a49e01", ts=TS, src="bodycam-r2", alarm_kind="sos",
                  text="Rescue 2: SOS pressed", unit="r2", lat=30.3216123, lon=120.1660456)
    values.update(fields)
    return Alarm(**values)


def test_an_alarm_and_an_order_come_back_as_they_went():
    alarm = _alarm()
    message = encode(alarm)
    assert message[0] == VERSION and len(message) < 80
    assert decode(message) == alarm
    order = Event(id="0123456789abcdef0123456789abcdef", ts=TS, src="console@commander", category="order",
                  text="撤离7号楼 Evacuate Block 7", severity="info", seat="commander", unit="e3")
    assert decode(encode(order)) == order
    raised = Event.create("gateway", category="alarm", severity="alarm", text="SOS: help", lat=-33.9, lon=151.2)
    back = decode(encode(raised))
    assert back.id == raised.id and back.severity == "alarm" and back.ts == raised.ts[:-4] + "000Z"
    assert (back.lat, back.lon) == (pytest.approx(-33.9, abs=1e-7), pytest.approx(151.2, abs=1e-7))


def test_an_id_that_is_not_hex_travels_as_text_and_one_too_long_is_refused():
    custom = _alarm(id="sos-r2-2026-11-29-0001")
    assert decode(encode(custom)).id == "sos-r2-2026-11-29-0001"
    upper = _alarm(id="5B0D6F0E9C2A4E57A1F4D1C2B3A49E01")  # not our hex form: kept exactly, as text
    assert decode(encode(upper)).id == upper.id
    with pytest.raises(SbdFormatError):
        encode(_alarm(id="𝄞" * 64))  # 256 UTF-8 bytes: no length byte holds it
    with pytest.raises(SbdFormatError):
        encode(UnitState.create("sim", uid="r1", unit_kind="responder", callsign="R1", lat=30.0, lon=120.0))


def test_long_text_is_cut_at_a_character_boundary_to_fit_340_bytes():
    long_text = "洪水警报：" * 200
    message = encode(_alarm(text=long_text))
    assert MAX_MESSAGE_BYTES - 2 <= len(message) <= MAX_MESSAGE_BYTES  # 3-byte characters: up to 2 spare
    decoded = decode_message(message)
    assert decoded.text_truncated and long_text.startswith(decoded.item.text)
    assert not decode_message(encode(_alarm())).text_truncated
    assert truncate_utf8("aé", 2) == (b"a", True)
    assert truncate_utf8("aé", 3) == ("aé".encode(), False)
    assert truncate_utf8("€", 0) == (b"", True)


def test_damage_and_foreign_bytes_are_clear_errors():
    good = encode(_alarm())
    cases = {
        b"": "too short",
        b"\x02" + good[1:]: "version 2",
        good[:-1] + bytes([good[-1] ^ 1]): "CRC",
        good[:10] + bytes([good[10] ^ 0x40]) + good[11:]: "CRC",
        good + b"x" * 300: "more than an SBD message",
    }
    for data, words in cases.items():
        with pytest.raises(SbdFormatError, match=words):
            decode(data)

    def sealed(body: bytes) -> bytes:
        return body + struct.pack(">I", zlib.crc32(body))

    for body, words in (
        (bytes([VERSION, 9, 0, 0, 0]), "unknown message kind"),
        (bytes([VERSION, 2, 0x80, 0, 0]), "unknown flags"),
        (bytes([VERSION, 2, 0x02, 0, 0]) + b"\x01" * 5, "ends inside its id"),
        (bytes([VERSION, 2, 0x02, len(ALARM_KINDS), 0]) + b"\x01" * 16 + b"\0\0\0\1" + b"\x01s" + b"t",
         "alarm kind"),
        (bytes([VERSION, 1, 0x02, 0, 0]) + b"\x01" * 16 + b"\0\0\0\1" + b"\x01s" + b"\x00" + b"t",
         "invalid item"),  # empty category is allowed, but...
        (bytes([VERSION, 2, 0x02, 0, 0]) + b"\x01" * 16 + b"\0\0\0\1" + b"\x01s" + b"\xff\xfe", "not UTF-8"),
        (bytes([VERSION, 2, 0x03, 0, 0]) + b"\x01" * 16 + b"\0\0\0\1" + struct.pack(">ii", 10**9, 0) + b"\x01s"
         + b"t", "outside the globe"),
    ):
        if words == "invalid item":
            decode(sealed(body))  # ... an event with a category of "" and text is still an event
            with pytest.raises(SbdFormatError, match="invalid item"):
                decode(sealed(body[:-1]))  # no text at all
            continue
        with pytest.raises(SbdFormatError, match=words):
            decode(sealed(body))


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_never_crash_the_decoder(data):
    try:
        decode(data)
    except SbdFormatError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_damaged_messages_with_a_recomputed_crc_never_crash_the_decoder(data):
    good = encode(_alarm(text=data.draw(st.text(min_size=1, max_size=50).filter(str.strip))))
    body = bytearray(good[:-4])
    for _ in range(data.draw(st.integers(1, 4))):
        body[data.draw(st.integers(0, len(body) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(body)))
    damaged = bytes(body[:cut]) + struct.pack(">I", zlib.crc32(bytes(body[:cut])))
    try:
        item = decode(damaged)
    except SbdFormatError:
        return
    assert isinstance(item, (Alarm, Event))


_words = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=400).filter(str.strip)


@settings(max_examples=100, deadline=None)
@given(text=_words, unit=st.one_of(st.none(), st.text(min_size=1, max_size=80)),
       lat=st.floats(-90, 90), lon=st.floats(-180, 180), kind=st.sampled_from(ALARM_KINDS))
def test_any_alarm_fits_and_keeps_its_id_and_the_start_of_its_text(text, unit, lat, lon, kind):
    alarm = _alarm(text=text, unit=unit, lat=lat, lon=lon, alarm_kind=kind)
    message = encode(alarm)
    assert len(message) <= MAX_MESSAGE_BYTES
    back = decode_message(message)
    assert back.item.id == alarm.id and back.item.alarm_kind == kind
    assert text.startswith(back.item.text) and (back.item.text == text) != back.text_truncated
    assert abs(back.item.lat - lat) <= 1e-7 and abs(back.item.lon - lon) <= 1e-7


# -- HQ's side ------------------------------------------------------------------------------

def test_hq_handles_an_sbd_message_once_whatever_arrives_later():
    alarm = _alarm()
    with HqDedup() as dedup:
        assert accept_sbd(dedup, encode(alarm)) == alarm
        assert accept_sbd(dedup, encode(alarm)) is None  # a second satellite copy
        assert dedup.accept_payload(alarm.encode()) is False  # the IP copy, after the backhaul returned
        with pytest.raises(SbdFormatError):
            accept_sbd(dedup, b"\x01junk")


def test_mcv_hq_decode_prints_json_per_file_and_says_which_is_malformed(tmp_path, capsys):
    from console.cli import main

    good = tmp_path / "300234010000000_000012.sbd"
    good.write_bytes(encode(_alarm(text="€" * 400)))
    bad = tmp_path / "garbage.sbd"
    bad.write_bytes(bytes(range(1, 30)))
    assert main(["hq", "decode", str(good)]) == 0
    out, err = capsys.readouterr()
    printed = json.loads(out)
    assert printed["kind"] == "alarm" and printed["id"] == _alarm().id and "cut to fit" in err
    assert main(["hq", "decode", str(bad), str(good), str(tmp_path / "missing.sbd")]) == 1
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 1
    assert "garbage.sbd is not an mcv SBD message: CRC does not match" in err and "cannot read" in err
    stdout = io.StringIO()
    assert run_decode(["-"], out=stdout, err=io.StringIO(), stdin=io.BytesIO(encode(_alarm()))) == 0
    assert json.loads(stdout.getvalue())["text"] == "Rescue 2: SOS pressed"


def test_docs_sbd_describes_this_version_and_these_flags():
    from pathlib import Path

    from radios import sbd_codec

    page = (Path(__file__).parents[2] / "docs" / "sbd.md").read_text()
    assert f"## The format, version {VERSION}" in page and f"version = {VERSION}" in page
    for name in ("FLAG_POSITION", "FLAG_HEX_ID", "FLAG_TEXT_TRUNCATED", "FLAG_UNIT", "FLAG_SEAT"):
        assert f"0x{getattr(sbd_codec, name):02x}" in page, name
