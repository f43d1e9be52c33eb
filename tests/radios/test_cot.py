"""The CoT codec: TAK XML and protobuf in, hostile input refused with a reason, our CoT parsed back by TAK's tools."""

import sys
from datetime import datetime, timezone
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest
import takproto
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))  # tak_peer.py sits beside this file
from tak_peer import ATAK_SA, BILLION_LAUGHS, CHAT, EMERGENCY, EXTERNAL_DTD, EXTERNAL_ENTITY, pytak  # noqa: E402

from radios.cot import (  # noqa: E402
    DRONE, GROUND_UNIT, MAX_EVENT_BYTES, CotError, build_chat, build_unit, parse, parse_protobuf, parse_xml,
    to_protobuf,
)

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=timezone.utc)


def test_atak_sa_becomes_a_contact_with_callsign_track_and_video():
    event = parse(ATAK_SA)
    assert event.is_contact and not event.is_chat
    assert (event.uid, event.callsign, event.lat, event.lon, event.hae) == (
        "ANDROID-359975090666199", "ALPHA-1", 30.2741, 120.1551, 21.5)
    assert (event.speed, event.course, event.video_url) == (1.5, 271.0, "rtsp://192.168.10.40:8554/alpha")
    assert event.stale == datetime(2026, 11, 29, 10, 6, tzinfo=timezone.utc)


def test_chat_and_emergency_details():
    chat = parse(CHAT)
    assert chat.is_chat and chat.chat_text == "Water rising at the <east> gate"
    assert (chat.chat_sender, chat.chat_recipients, chat.link_uid) == ("ALPHA-1", ("All Chat Rooms",), "ANDROID-1")
    sos = parse(EMERGENCY)
    assert sos.is_emergency and not sos.is_cancel and sos.emergency == "911 Alert"
    assert sos.link_uid == "ANDROID-1"
    cancel = parse(EMERGENCY.replace(b"b-a-o-tbl", b"b-a-o-can").replace(b'type="911 Alert"', b'cancel="true"'))
    assert cancel.is_cancel and not cancel.is_emergency


def test_video_from_a_connection_entry_and_refused_schemes():
    xml = ATAK_SA.replace(b'<__video url="rtsp://192.168.10.40:8554/alpha"/>',
                          b'<__video><ConnectionEntry protocol="rtsp" address="10.0.0.9" port="554" '
                          b'path="/live/ch1"/></__video>')
    assert parse(xml).video_url == "rtsp://10.0.0.9:554/live/ch1"
    for bad in (b"file:///etc/passwd", b"javascript:alert(1)", b"rtsp://"):
        assert parse(ATAK_SA.replace(b"rtsp://192.168.10.40:8554/alpha", bad)).video_url is None


@pytest.mark.parametrize("hostile, reason", [
    (BILLION_LAUGHS, "DTD"),
    (EXTERNAL_ENTITY, "DTD"),
    (EXTERNAL_DTD, "DTD"),
    (b"<event>" + b"x" * (10 * 1024 * 1024) + b"</event>", "limit"),
    (b"<event uid='a' type='a-f-G' time='2026-11-29T10:00:00Z'", "not well-formed"),
    (b"<evnt/>", "not <event>"),
    (ATAK_SA.replace(b'lat="30.2741"', b'lat="95"'), "outside the globe"),
    (ATAK_SA.replace(b'lat="30.2741"', b'lat="nan"'), "finite"),
    (ATAK_SA.replace(b'lon="120.1551"', b'lon="east"'), "not a number"),
    (ATAK_SA.replace(b'time="2026-11-29T10:00:00.000Z"', b'time="yesterday"'), "ISO 8601"),
    (ATAK_SA.replace(b'type="a-f-G-U-C"', b'type="a f;G"'), "not a CoT type"),
    (ATAK_SA.replace(b' stale="2026-11-29T10:06:00.000Z"', b""), "no stale"),
    (CHAT.replace(b"Water rising at the &lt;east&gt; gate", b""), "without text"),
])
def test_hostile_and_broken_xml_is_refused_with_a_reason(hostile, reason):
    with pytest.raises(CotError, match=reason):
        parse(hostile)


@pytest.mark.parametrize("broken", [
    b"\xbf\x01\xbf", b"\xbf\x01\xbf\x0a\x05abc", b"\xbf\x01\xbf" + b"\xff" * 20, b"\xbf", b"\xbf\x85",
    b"\xbf\x05ab", b"\xbf\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
])
def test_truncated_and_garbled_protobuf_is_refused(broken):
    with pytest.raises(CotError):
        parse(broken)


def test_protobuf_round_trip_mesh_and_stream():
    xml = build_unit("mcv-t-drone-1", "Drone 1", 30.1, 120.2, cot_type=DRONE, hae=80.0, speed=8.0, course=45.0,
                     video_url="rtsp://127.0.0.1:8554/drone-1", now=NOW)
    for framed in (to_protobuf(xml, stream=False), to_protobuf(xml, stream=True)):
        event = parse(framed)
        assert (event.uid, event.type, event.callsign, event.hae) == ("mcv-t-drone-1", DRONE, "Drone 1", 80.0)
        assert (event.lat, event.lon) == pytest.approx((30.1, 120.2))
        assert (event.speed, event.course, event.video_url) == (8.0, 45.0, "rtsp://127.0.0.1:8554/drone-1")
        assert event.start == NOW
    via_takproto = takproto.parse_proto(bytearray(to_protobuf(xml, stream=False)))
    assert via_takproto.cotEvent.detail.contact.callsign == "Drone 1"


def test_a_protobuf_with_hostile_xml_detail_is_refused():
    message = takproto.parse_proto(bytearray(to_protobuf(build_unit("u", "U", 1.0, 2.0, now=NOW), stream=False)))
    message.cotEvent.detail.xmlDetail = '<!DOCTYPE d [<!ENTITY a "b">]><x>&a;</x>'
    with pytest.raises(CotError, match="xmlDetail"):
        parse_protobuf(message.SerializeToString())


def test_our_unit_and_chat_escape_text_and_parse_back_in_tak_tools():
    hostile = 'Engine <3> & "crew"</callsign><script/>'
    xml = build_unit("mcv-t-engine-3", hostile, 30.0, 120.0, cot_type=GROUND_UNIT, now=NOW)
    element = SafeET.fromstring(xml)   # defusedxml takes it
    assert element.find("detail/contact").get("callsign") == hostile
    assert parse_xml(xml).callsign == hostile
    assert takproto.xml2proto(xml)      # takproto converts it
    chat = build_chat("mcv-t-console", "MCV <1>", "Evacuate & regroup </remarks>", message_id="m1", now=NOW)
    event = parse(chat)
    assert (event.chat_text, event.chat_sender) == ("Evacuate & regroup </remarks>", "MCV <1>")
    assert event.uid == "GeoChat.mcv-t-console.All Chat Rooms.m1"
    assert takproto.parse_proto(bytearray(to_protobuf(chat, stream=True))).cotEvent.type == "b-t-f"


def test_pytak_generated_events_parse():
    event = parse(pytak.gen_cot(lat=30.5, lon=120.5, uid="pytak-1", cot_type="a-h-G", callsign="HOSTILE"))
    assert event.is_contact and event.callsign == "HOSTILE" and event.type == "a-h-G"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise_anything_but_cot_error(data):
    for framed in (data, b"\xbf\x01\xbf" + data, b"\xbf" + data, b"<event " + data):
        try:
            parse(framed)
        except CotError:
            pass


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=200))
def test_arbitrary_text_in_our_cot_round_trips(text):
    xml = build_unit("mcv-t-u", text or "x", 0.0, 0.0, now=NOW)
    assert parse(xml).callsign == ((text or "x").strip()[:64] or None)
    if text.strip():
        chat = build_chat("mcv-t-console", "MCV 1", text, message_id="m1", now=NOW)
        assert parse(chat).chat_text == text.strip()[:2000]
    assert len(xml) < MAX_EVENT_BYTES
