"""A field device's battery: from its JSON through a real gateway and mosquitto onto the unit state and the store."""

import json

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from support import Recorder, RunningGateway, wait_until

from radios.schema import PayloadError, UnitState, decode, new_id, utc_now

LINK = '\n[[links]]\nid = "trackers"\ntype = "mqtt"\nurl = "{url}"\n'


def unit(**fields) -> UnitState:
    return UnitState(id=new_id(), ts=utc_now(), src="test", uid="r2", unit_kind="responder", callsign="Rescue 2",
                     lat=30.3, lon=120.1, **fields)


def test_a_devices_battery_reaches_the_bus_and_the_store(broker, tmp_path):
    with RunningGateway(broker, tmp_path, LINK.format(url=broker.url)) as running:
        topics = running.gateway.topics
        assert running.gateway.links["trackers"].bus.wait_connected(5)
        with Recorder(broker, topics.unit("bodycam-r2"), "seat") as seat:
            device = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bodycam-r2")
            device.connect(broker.host, broker.port)
            device.loop_start()
            try:
                for battery in (81, 80.5):
                    body = {"lat": 30.32, "lon": 120.16, "battery": battery, "callsign": "Rescue 2"}
                    device.publish(f"{topics.root}/device/bodycam-r2/position", json.dumps(body), qos=1)
                    assert wait_until(lambda: any(decode(p, UnitState).battery == battery
                                                  for p in seat.on(topics.unit("bodycam-r2"))), 5)
            finally:
                device.disconnect()
                device.loop_stop()
        assert wait_until(lambda: [u.battery for u in running.store.units() if u.uid == "bodycam-r2"] == [80.5], 5)
        assert [p.battery for p in running.store.track("bodycam-r2")] == [81, 80.5]


def test_a_unit_without_a_battery_says_nothing_about_it():
    state = unit()
    assert state.battery is None and decode(state.encode(), UnitState).battery is None


@pytest.mark.parametrize("battery", [-0.1, 100.01, float("nan"), float("inf"), True, "80", [80]])
def test_a_battery_that_is_not_a_percentage_is_refused(battery):
    with pytest.raises(PayloadError):
        unit(battery=battery)


@pytest.mark.parametrize("raw", [b'"battery": 1e999', b'"battery": -5', b'"battery": null, "battery": 101'])
def test_hostile_battery_json_on_the_bus_is_refused(raw):
    good = unit(battery=50.0).encode()
    with pytest.raises(PayloadError):
        decode(good.replace(b'"battery":50.0', raw.replace(b": ", b":")), UnitState)
