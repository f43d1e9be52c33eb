"""The gateway against a real mosquitto and a real store."""

import signal
import subprocess
import sys

import pytest
from support import Recorder, reap, wait_until, write_config

from radios.config import load_config
from radios.gateway import Gateway
from radios.schema import (
    Event, GatewayStatus, HistoryReply, HistoryRequest, LinkState, Topics, UnitState, decode,
)
from radios.store import Store


@pytest.fixture
def gateway(broker, tmp_path):
    config = load_config(write_config(tmp_path, broker))
    store = Store(config.store_path)
    running = Gateway(config, store)
    running.start()
    assert running.bus.wait_connected(5)
    yield running
    running.stop()
    store.close()


def test_events_published_by_a_seat_are_stored_once(gateway, broker):
    event = Event.create("console@seat1", category="note", text="Levee breach reported at Gate 3", seat="commander")
    with Recorder(broker, "none") as seat:
        for _ in range(3):  # a resend carries the same id
            seat.bus.publish(gateway.topics.events, event.encode()).wait_for_publish(5)
    assert wait_until(lambda: any(e.id == event.id for e in gateway.store.events_since(None)), 5)
    assert [e.id for e in gateway.store.events_since(None)].count(event.id) == 1


def test_unit_states_become_units_and_track(gateway, broker):
    with Recorder(broker, "none") as field:
        for i in range(5):
            state = UnitState.create("sim", uid="r1", unit_kind="responder", callsign="Rescue 1",
                                     lat=30.3 + i * 0.001, lon=120.1)
            field.bus.publish(gateway.topics.unit("r1"), state.encode()).wait_for_publish(5)
    assert wait_until(lambda: len(gateway.store.track("r1", None, None)) == 5, 5)
    assert [u.uid for u in gateway.store.units()] == ["r1"]


def test_bad_payloads_are_counted_and_dropped_and_the_gateway_stays_up(gateway, broker):
    with Recorder(broker, "none") as field:
        for raw in (b"garbage", b'{"kind":"event"}', b"\xff" * 10):
            field.bus.publish(gateway.topics.events, raw).wait_for_publish(5)
        good = Event.create("sim", category="note", text="still here")
        field.bus.publish(gateway.topics.events, good.encode()).wait_for_publish(5)
    assert wait_until(lambda: any(e.id == good.id for e in gateway.store.events_since(None)), 5)
    assert gateway.bad_input.count(gateway.topics.events) == 3


def test_history_request_is_answered_from_the_store(gateway, broker):
    stored = [Event.create("sim", category="note", text=f"entry {i}") for i in range(3)]
    for event in stored:
        gateway.store.add_event(event).result(5)
    with Recorder(broker, "none") as seat:
        request = HistoryRequest.create("seat", what="events", limit=100)
        raw = seat.bus.request_sync(gateway.topics.command("history"), request.encode(), 5)
    reply = decode(raw, HistoryReply)
    assert reply.ok and reply.request == request.id
    assert {e.id for e in stored} <= {item["id"] for item in reply.items}


def test_status_and_bus_link_are_retained(gateway, broker):
    gateway.publish_status()
    with Recorder(broker, f"{gateway.topics.root}/#", "late-seat") as late:
        assert wait_until(lambda: late.on(gateway.topics.gateway), 5)
        assert wait_until(lambda: late.on(gateway.topics.link("local-bus")), 5)
        status = decode(late.on(gateway.topics.gateway)[-1], GatewayStatus)
        link = decode(late.on(gateway.topics.link("local-bus"))[-1], LinkState)
    assert status.state == "online" and link.state == "up"


def test_a_killed_gateway_is_shown_offline_by_its_will(broker, tmp_path):
    config_path = write_config(tmp_path, broker)
    topics = Topics("test-1")
    process = subprocess.Popen([sys.executable, "-m", "console", "gateway", "--config", str(config_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with Recorder(broker, topics.gateway) as watcher:
            assert wait_until(lambda: any(decode(p).state == "online" for p in watcher.on(topics.gateway)), 15)
            process.send_signal(signal.SIGKILL)
            process.wait(5)
            assert wait_until(lambda: decode(watcher.on(topics.gateway)[-1]).state == "offline", 15)
    finally:
        reap(process)


def test_gateway_stops_cleanly_on_sigterm(broker, tmp_path):
    config_path = write_config(tmp_path, broker)
    process = subprocess.Popen([sys.executable, "-m", "console", "gateway", "--config", str(config_path)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        with Recorder(broker, "mcv/v1/test-1/gateway") as watcher:
            assert wait_until(lambda: watcher.on("mcv/v1/test-1/gateway"), 15)
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
    finally:
        reap(process)
    store = Store(tmp_path / "mcv.sqlite3")
    try:
        assert any("Gateway" in e.text for e in store.events_since(None))
    finally:
        store.close()
