"""Cursor-on-Target from the field (XML, TAK protobuf, a TAK server's stream): a ``CotEvent`` or ``CotError``."""

from __future__ import annotations

from fuzz_budget import HOSTILE_NUMBERS, HOSTILE_TEXT, budget, mutated, run_checked, xml_mutated
from fuzz_targets import TARGETS, varint
from hypothesis import given
from hypothesis import strategies as st
from takproto.proto import TakMessage

XML, PROTOBUF, STREAM = TARGETS["cot_xml"], TARGETS["cot_protobuf"], TARGETS["cot_stream"]

texts = st.sampled_from(HOSTILE_TEXT) | st.text(max_size=20) | st.sampled_from(["a-f-G-U-C", "b-t-f", "b-a-o-tbl",
                                                                                  "b-t-f-d", "<__chat/>"])
floats = st.sampled_from([float(n) for n in HOSTILE_NUMBERS if abs(n) < 1e300] + [float("nan"), float("inf")]) \
    | st.floats(-200, 200)
millis = st.sampled_from([0, 2**64 - 1, 2**63, 1795948200000, 253402300800000]) | st.integers(0, 2**64 - 1)


@st.composite
def tak_messages(draw) -> bytes:
    """A ``TakMessage`` with hostile values in every field of its event, mesh or stream framed."""
    message = TakMessage()
    event = message.cotEvent
    event.uid, event.type, event.how = draw(texts), draw(texts), draw(texts)
    event.sendTime, event.startTime, event.staleTime = draw(millis), draw(millis), draw(millis)
    event.lat, event.lon, event.hae, event.ce, event.le = (draw(floats) for _ in range(5))
    if draw(st.booleans()):
        event.detail.xmlDetail = draw(texts | st.sampled_from(['<__video url="rtsp://x/y"/>', "<remarks>hi</remarks>",
                                                              "<a>", "</detail><x>", "<!DOCTYPE x>"]))
    if draw(st.booleans()):
        event.detail.contact.callsign = draw(texts)
    if draw(st.booleans()):
        event.detail.track.speed, event.detail.track.course = draw(floats), draw(floats)
    body = message.SerializeToString()
    if draw(st.booleans()):
        return b"\xbf\x01\xbf" + body
    size = len(body) + draw(st.sampled_from([0, 0, 0, -1, 1, 2**40]))
    return b"\xbf" + varint(max(0, size)) + body


@budget(100)
@given(st.binary(max_size=300))
def test_random_datagrams_are_refused_or_read(data):
    run_checked(XML, data)


@budget(150)
@given(mutated(XML))
def test_mutated_xml_events_are_refused_or_read(data):
    run_checked(XML, data)


@budget(150)
@given(xml_mutated(XML))
def test_xml_events_with_hostile_attributes_and_elements_are_refused_or_read(data):
    run_checked(XML, data)


@budget(150)
@given(tak_messages())
def test_protobuf_events_with_hostile_fields_are_refused_or_read(data):
    run_checked(PROTOBUF, data)


@budget(120)
@given(mutated(PROTOBUF))
def test_mutated_protobuf_frames_are_refused_or_read(data):
    run_checked(PROTOBUF, data)


@budget(120)
@given(mutated(STREAM))
def test_a_mutated_tak_server_stream_is_cut_and_read_with_bounded_memory(data):
    run_checked(STREAM, data)
