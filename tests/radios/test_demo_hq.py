"""The demo's HQ: a real mosquitto that is cut and restored on its port, and a consumer that
handles each item once by id and is back after the cut."""

import pytest
from support import wait_until

from radios.broker import broker_answers
from radios.bus import BusSettings, MqttBus
from radios.demo_hq import DemoHq
from radios.schema import Event

pytestmark = pytest.mark.broker

TOPIC = "mcv/v1/demo-1/event"


def vehicle_client(hq: DemoHq) -> MqttBus:
    bus = MqttBus(BusSettings(hq.broker.host, hq.broker.port, "uplink-test"), on_message=lambda *_: None)
    bus.start()
    assert bus.wait_connected(5)
    return bus


def test_hq_handles_each_item_once_and_ignores_the_uplinks_pings(tmp_path):
    hq = DemoHq(tmp_path / "hq", "demo-1").start()
    try:
        bus = vehicle_client(hq)
        try:
            event = Event.create("gateway", category="note", text="sent twice, as after a lost PUBACK")
            for _ in range(2):
                bus.publish(TOPIC, event.encode(), qos=1).wait_for_publish(5)
            bus.publish("mcv/v1/demo-1/uplink/ping", b"1", qos=0)
            bus.publish(TOPIC, b"not json at all", qos=1).wait_for_publish(5)  # no id: handled, not counted
            assert wait_until(lambda: hq.copies == 3, 5), hq.copies
            assert hq.received_ids() == {event.id}
            assert hq.dedup.duplicates == 1
        finally:
            bus.stop()
    finally:
        hq.close()


def test_the_consumer_is_back_with_hq_after_the_cut(tmp_path):
    hq = DemoHq(tmp_path / "hq", "demo-1").start()
    try:
        hq.cut()
        assert not broker_answers("127.0.0.1", hq.broker.port, 0.2) and not hq.is_up
        hq.restore()
        assert hq.is_up
        bus = vehicle_client(hq)
        try:
            event = Event.create("gateway", category="note", text="after the backhaul returned")
            bus.publish(TOPIC, event.encode(), qos=1).wait_for_publish(5)
            assert wait_until(lambda: event.id in hq.received_ids(), 10), "the consumer did not come back"
        finally:
            bus.stop()
    finally:
        hq.close()
