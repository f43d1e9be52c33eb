"""A report's data over the bus: the gateway answers, a big window fits, hostile replies are refused."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from report_scenario import VEHICLE_ID, VEHICLE_NAME, WINDOW, record_scenario
from support import RunningGateway

from radios.bus import BusSettings, MqttBus
from radios.payload import MAX_PAYLOAD_BYTES, PayloadError
from radios.report_data import ReportData, gather
from radios.report_wire import ReportReplyError, fit_report, report_from_reply
from radios.schema import Alarm, Event, HistoryReply, HistoryRequest, Topics, UnitState, decode
from radios.store_reader import StoreReader, TimeWindow


@pytest.fixture
def scenario_data(tmp_path) -> ReportData:
    scenario = record_scenario(tmp_path)
    return gather(StoreReader(scenario.store_path), TimeWindow.parse(*WINDOW), VEHICLE_ID, VEHICLE_NAME)


def _through_the_bus(data: ReportData) -> HistoryReply:
    reply = HistoryReply.create("gateway", request="req-000001", ok=True, items=[fit_report(data)])
    raw = reply.encode()
    assert len(raw) <= MAX_PAYLOAD_BYTES
    return decode(raw, HistoryReply)


def test_a_window_comes_back_as_it_was_gathered(scenario_data):
    data, left_out = report_from_reply(_through_the_bus(scenario_data))
    assert not any(left_out.values())
    assert (data.vehicle_id, data.vehicle_name, data.window) == (VEHICLE_ID, VEHICLE_NAME, scenario_data.window)
    assert data.events == list(scenario_data.events) and data.alarms == list(scenario_data.alarms)
    assert data.units == list(scenario_data.units) and data.messages == list(scenario_data.messages)
    assert data.backlog == scenario_data.backlog and data.generated == scenario_data.generated
    for uid, states in scenario_data.tracks.items():
        assert [(s.ts, s.lat, s.lon) for s in data.tracks[uid]] == [(s.ts, s.lat, s.lon) for s in states]
    assert data.severity_counts() == scenario_data.severity_counts()


def test_the_gateway_answers_a_report_request_over_the_broker(broker, tmp_path):
    record_scenario(tmp_path)  # the store RunningGateway opens, in the same folder
    with RunningGateway(broker, tmp_path) as running:
        asker = MqttBus(BusSettings(broker.host, broker.port, "report-asker"), on_message=lambda *_: None)
        asker.start()
        try:
            assert asker.wait_connected(5)
            topic = Topics("test-1").command("history")
            request = HistoryRequest.create("console@test", what="report", start=WINDOW[0], end=WINDOW[1])
            raw = asker.request_sync(topic, request.encode(), timeout_s=10)
            assert raw is not None, "the gateway did not answer the report request"
            data, _ = report_from_reply(decode(raw, HistoryReply))
            assert data.vehicle_id == running.config.vehicle.id and len(data.events) == 11
            assert set(data.tracks) == {"r1", "d1"} and len(data.alarms) == 1
            broken = json.loads(request.encode())
            broken["end"] = broken["start"]
            refused = decode(asker.request_sync(topic, json.dumps(broken).encode(), timeout_s=10), HistoryReply)
            assert not refused.ok and "start before its end" in refused.error
        finally:
            asker.stop()


def _big_window(events: int, units: int, points: int) -> ReportData:
    window = TimeWindow("2024-05-01T00:00:00.000Z", "2024-05-02T00:00:00.000Z")
    severities = ("info",) * 8 + ("warning", "alarm")
    log = [Event(id=f"event-{n:06d}", ts=f"2024-05-01T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z",
                 src="gateway", category="link", severity=severities[n % 10], text=f"entry {n} " + "x" * 80)
           for n in range(events)]
    tracks = {f"u{u}": [UnitState(id=f"u{u}-{n:06d}", ts=f"2024-05-01T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:"
                                  f"{n % 60:02d}Z", src="gateway", uid=f"u{u}", unit_kind="responder",
                                  callsign=f"Unit {u}", lat=30.2 + n * 1e-5, lon=120.1 + u * 0.01)
                        for n in range(points)] for u in range(units)}
    messages = [{"id": f"m{n:06d}", "ts": "2024-05-01T12:00:00Z", "src": "commander", "to_unit": "u0",
                 "text": "hold " * 20, "state": "sent"} for n in range(2000)]
    alarms = [Alarm(id=f"alarm-{n:05d}", ts="2024-05-01T12:00:00Z", src="x", alarm_kind="sos", text="SOS")
              for n in range(300)]
    return ReportData(VEHICLE_ID, VEHICLE_NAME, window, events=log, alarms=alarms, tracks=tracks,
                      units=[states[-1] for states in tracks.values()], messages=messages, backlog={"order": 3})


def test_a_big_window_is_thinned_and_capped_to_fit_and_says_so():
    big = _big_window(events=20_000, units=4, points=20_000)
    data, left_out = report_from_reply(_through_the_bus(big))
    kept = [e for e in data.events if e.src == "gateway" and e.id.startswith("event-")]
    assert left_out["events"] == 20_000 - len(kept) > 0
    assert left_out["track_points"] == big.track_points() - data.track_points() > 0
    assert {e.severity for e in big.events if e.severity != "info"} <= {e.severity for e in kept}
    severe = sum(1 for e in big.events if e.severity != "info")
    assert sum(1 for e in kept if e.severity != "info") == min(len(kept), severe)  # warnings and alarms went first
    assert [e.ts for e in kept] == sorted(e.ts for e in kept)
    for uid, states in data.tracks.items():
        assert (states[0].lat, states[-1].lat) == (big.tracks[uid][0].lat, big.tracks[uid][-1].lat)
    note = data.events[-1]
    assert note.ts == big.window.end and "left out" in note.text and "mcv report" in note.text
    assert f"{left_out['events']} log entries" in note.text


def test_a_request_for_a_report_needs_its_window():
    with pytest.raises(PayloadError, match="start before its end"):
        HistoryRequest.create("console", what="report", start=WINDOW[0])
    with pytest.raises(PayloadError, match="start before its end"):
        HistoryRequest.create("console", what="report", start=WINDOW[1], end=WINDOW[0])


def _item(scenario_data: ReportData) -> dict:
    return json.loads(json.dumps(fit_report(scenario_data)))


HOSTILE = [
    ("extra field", lambda i: i.update(secret=1), "fields"),
    ("missing field", lambda i: i.pop("tracks"), "fields"),
    ("window backwards", lambda i: i.update(start=i["end"], end=i["start"]), "window"),
    ("window not a time", lambda i: i.update(start="yesterday"), "window"),
    ("vehicle empty", lambda i: i.update(vehicle_id=""), "vehicle_id"),
    ("event of another kind", lambda i: i["events"][0].update(kind="unit"), r"events\[0\]"),
    ("event bad severity", lambda i: i["events"][1].update(severity="panic"), r"events\[1\]"),
    ("unit off the globe", lambda i: i["units"][0].update(lat=91.0), r"units\[0\]"),
    ("track of an unlisted unit", lambda i: i["tracks"].update(ghost=[["2024-05-01T06:00:00Z", 30, 120]]), "ghost"),
    ("track point short", lambda i: i["tracks"]["r1"].append([1, 2]), "time, lat, lon"),
    ("track point a bool", lambda i: i["tracks"]["r1"].append(["2024-05-01T06:00:00Z", True, 120]), "time, lat"),
    ("track point off the globe", lambda i: i["tracks"]["r1"].append(["2024-05-01T06:00:00Z", 30, 200]), "globe"),
    ("track point bad time", lambda i: i["tracks"]["r1"].append(["then", 30, 120]), "tracks"),
    ("empty track", lambda i: i["tracks"].update(r1=[]), "points"),
    ("message with a list", lambda i: i["messages"][0].update(text=["x"]), "text"),
    ("message missing state", lambda i: i["messages"][0].pop("state"), r"messages\[0\]"),
    ("negative backlog", lambda i: i["backlog"].update(order=-1), "backlog"),
    ("float left out", lambda i: i["left_out"].update(events=1.5), "left_out"),
    ("left out unknown key", lambda i: i["left_out"].update(more=1), "left_out"),
]


@pytest.mark.parametrize(("spoil", "match"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE])
def test_hostile_replies_are_refused_naming_the_part(scenario_data, spoil, match):
    item = _item(scenario_data)
    spoil(item)
    with pytest.raises(ReportReplyError, match=match):
        report_from_reply(HistoryReply.create("gateway", request="r", ok=True, items=[item]))


def test_a_reply_carries_exactly_one_report(scenario_data):
    for items in ([], [_item(scenario_data)] * 2, ["report"]):
        with pytest.raises(ReportReplyError, match="exactly one object"):
            report_from_reply(HistoryReply.create("gateway", request="r", ok=True, items=items))


def test_a_refusal_carries_the_gateways_own_words():
    with pytest.raises(ReportReplyError, match="cannot read the store"):
        report_from_reply(HistoryReply.create("gateway", request="r", ok=False, error="cannot read the store x"))


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                     | st.text(max_size=30), lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=20)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(["vehicle_id", "start", "events", "alarms", "units", "tracks", "messages", "backlog",
                              "left_out", "generated"]), value=_JSON)
def test_any_json_in_any_field_is_data_or_a_clear_refusal(scenario_data, field, value):
    item = copy.deepcopy(_SCENARIO_ITEM.setdefault("item", _item(scenario_data)))
    item[field] = value
    try:
        data, _ = report_from_reply(HistoryReply.create("gateway", request="r", ok=True, items=[item]))
    except ReportReplyError as exc:
        assert str(exc)
    else:
        assert isinstance(data, ReportData)


_SCENARIO_ITEM: dict = {}


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=300) | _JSON.map(lambda v: json.dumps({"kind": "history_reply", "id": "abcdefgh",
                                                                       "ts": "2024-05-01T06:00:00Z", "src": "g",
                                                                       "request": "r", "ok": True, "items": [v]}
                                                                      ).encode()))
def test_any_bytes_decode_to_a_report_or_a_payload_error(raw):
    try:
        report_from_reply(decode(raw, HistoryReply))
    except PayloadError as exc:
        assert str(exc)
