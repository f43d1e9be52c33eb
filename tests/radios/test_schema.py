"""The bus schema: round trips, and hostile payloads rejected with a reason."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radios.schema import (
    Event, HistoryRequest, PayloadError, Topics, UnitState, decode, parse_ts, utc_now,
)


def test_event_round_trip_keeps_unicode_and_fields():
    event = Event.create("console@a", category="note", text="水位上涨 0.5 m", seat="commander", lat=30.3, lon=120.1)
    assert decode(event.encode()) == event
    assert event.to_dict()["kind"] == "event"


def test_every_payload_carries_id_ts_src():
    unit = UnitState.create("sim", uid="r1", unit_kind="responder", callsign="Rescue 1", lat=30.0, lon=120.0)
    data = json.loads(unit.encode())
    assert {"id", "ts", "src"} <= set(data)
    assert parse_ts(data["ts"]).utcoffset().total_seconds() == 0


def test_timestamps_sort_as_text():
    assert utc_now() <= utc_now()


@pytest.mark.parametrize("raw, reason", [
    (b"", "not UTF-8 JSON"),
    (b"\xff\xfe", "not UTF-8 JSON"),
    (b"[1,2]", "JSON object"),
    (b'{"kind": "nope"}', "unknown payload kind"),
    (b'{"kind": "event", "id": "0123456789", "ts": "x", "src": "s", "category": "c", "text": "t"}', "ISO 8601"),
    (b'{"kind": "event", "id": "0123456789", "ts": "2026-01-01T00:00:00", "src": "s", "category": "c", "text": "t"}',
     "time zone"),
    (b'{"kind": "event", "id": "0123456789", "ts": "2026-01-01T00:00:00Z", "src": "s", "category": "c", "text": " "}',
     "needs text"),
    (b'{"kind": "event", "id": "0123456789", "ts": "2026-01-01T00:00:00Z", "src": "s", "category": "c", "text": "t",'
     b' "evil": 1}', "unknown fields"),
    (b'{"kind": "unit", "id": "0123456789", "ts": "2026-01-01T00:00:00Z", "src": "s", "uid": "a/b",'
     b' "unit_kind": "drone", "callsign": "x", "lat": 1, "lon": 2}', "may not contain"),
    (b'{"kind": "unit", "id": "0123456789", "ts": "2026-01-01T00:00:00Z", "src": "s", "uid": "u",'
     b' "unit_kind": "drone", "callsign": "x", "lat": 91, "lon": 2}', "outside the globe"),
    (b'{"kind": "unit", "id": "0123456789", "ts": "2026-01-01T00:00:00Z", "src": "s", "uid": "u",'
     b' "unit_kind": "drone", "callsign": "x", "lat": Infinity, "lon": 2}', "not a number"),
    (b'{"kind": "unit", "id": "0123456789", "ts": "2026-01-01T00:00:00Z", "src": "s", "uid": "u",'
     b' "unit_kind": "drone", "callsign": "x", "lat": "1", "lon": 2}', "must be float"),
    (b"[" * 100_000 + b"]" * 100_000, "not UTF-8 JSON"),
    (b'{"a":"' + b"x" * 300_000 + b'"}', "limit"),
])
def test_hostile_payloads_are_rejected_with_a_reason(raw, reason):
    with pytest.raises(PayloadError, match=reason):
        decode(raw)


def test_expected_kind_is_enforced():
    event = Event.create("s", category="c", text="t")
    with pytest.raises(PayloadError, match="expected a unit payload"):
        decode(event.encode(), UnitState)


def test_history_request_bounds():
    with pytest.raises(PayloadError, match="limit"):
        HistoryRequest.create("s", what="events", limit=0)
    with pytest.raises(PayloadError, match="names its unit"):
        HistoryRequest.create("s", what="track")


def test_topics_refuse_wildcards_and_separators():
    topics = Topics("v1")
    assert topics.unit("r1") == "mcv/v1/v1/unit/r1"
    assert topics.kind_of("mcv/v1/v1/link/sat") == ("link", "sat")
    assert topics.kind_of("elsewhere/x") == ("", "")
    for bad in ("+", "#", "a/b", "", " a"):
        with pytest.raises(PayloadError):
            topics.unit(bad)
    with pytest.raises(PayloadError):
        Topics("a/b")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=6),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_only_ever_raise_payload_error(raw):
    try:
        decode(raw)
    except PayloadError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["event", "unit", "link", "backhaul", "gateway", "history_request", "history_reply"]),
       st.dictionaries(st.sampled_from(["id", "ts", "src", "text", "category", "uid", "lat", "lon", "state", "items",
                                        "what", "limit", "unit_kind", "callsign", "severity", "ok", "request"]),
                       json_values, max_size=12))
def test_structured_garbage_only_ever_raises_payload_error(kind, fields):
    raw = json.dumps({"kind": kind, **fields}).encode()
    try:
        decode(raw)
    except PayloadError:
        pass
