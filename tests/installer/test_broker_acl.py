"""The shipped topic rights: a real mosquitto with installer/mosquitto/mcv.acl (the vehicle) and
mcv-hq.acl (district HQ), logins made by installer/mosquitto/make_passwd.sh, and every role
trying what it may and may not do.

What a role may write is judged by a watcher allowed to read everything: each client sends
its attempts and then a marker on a topic it may write; mosquitto keeps one publisher's
order, so once the watcher has the marker it has every attempt the broker let through.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from radios.broker import LocalBroker
from radios.bus import BusSettings, MqttBus
from support import wait_until

MOSQUITTO_DIR = Path(__file__).resolve().parents[2] / "installer" / "mosquitto"
VEHICLE = "t-1"
ROOT = f"mcv/v1/{VEHICLE}"

pytestmark = [pytest.mark.broker,
              pytest.mark.skipif(shutil.which("mosquitto_passwd") is None, reason="mosquitto is not installed")]


class Watcher:
    """A client that keeps every topic it receives (bus thread appends)."""

    def __init__(self, port: int, user: str, password: str, patterns: tuple[str, ...], client_id: str) -> None:
        self.topics: list[str] = []
        self._lock = threading.Lock()
        self.bus = MqttBus(BusSettings("127.0.0.1", port, client_id, username=user, password=password),
                           on_message=self._on_message)
        for pattern in patterns:
            self.bus.subscribe(pattern)

    def _on_message(self, topic: str, payload: bytes, retained: bool) -> None:
        """Bus thread."""
        with self._lock:
            self.topics.append(topic)

    def seen(self) -> list[str]:
        with self._lock:
            return list(self.topics)

    def __enter__(self) -> Watcher:
        self.bus.start()
        assert self.bus.wait_connected(10), "the watcher could not log in"
        return self

    def __exit__(self, *exc) -> None:
        self.bus.stop()


def acl_broker(folder: Path, acl: str, users: tuple[str, ...]) -> tuple[LocalBroker, dict[str, str]]:
    """mosquitto with logins from make_passwd.sh and the shipped ``acl``; returns it and the passwords."""
    secrets = folder / "secrets"
    subprocess.run(["sh", str(MOSQUITTO_DIR / "make_passwd.sh"), str(folder / "passwd"), str(secrets), *users],
                   check=True, capture_output=True, timeout=30)
    passwords = {user: (secrets / f"{user}.password").read_text().strip() for user in users}
    for user in users:
        assert (secrets / f"{user}.password").stat().st_mode & 0o077 == 0, "a role's password file is private"
    extra = (f"allow_anonymous false\npassword_file {folder / 'passwd'}\nacl_file {MOSQUITTO_DIR / acl}\n")
    return LocalBroker(extra_config=extra).start(), passwords


def attempt(port: int, user: str, password: str, topics: list[str], marker: str) -> None:
    """Log in as ``user``, publish on every topic in ``topics`` (QoS 1), then on ``marker``."""
    bus = MqttBus(BusSettings("127.0.0.1", port, f"acl-{user}", username=user, password=password),
                  on_message=lambda *_: None)
    bus.start()
    try:
        assert bus.wait_connected(10), f"{user} could not log in"
        for topic in [*topics, marker]:
            bus.publish(topic, b"{}").wait_for_publish(5)
    finally:
        bus.stop()


@pytest.fixture
def vehicle_broker(tmp_path):
    broker, passwords = acl_broker(tmp_path, "mcv.acl", ("mcv-gateway", "commander", "comms", "drone", "field"))
    yield broker, passwords
    broker.stop()


# topic -> may this role write it; the marker is a log entry, which every role may write.
WRITES = {
    "field": {f"{ROOT}/unit/r3": True, f"{ROOT}/device/r3/position": True, f"{ROOT}/sos": True,
              f"{ROOT}/msg/receipt": True,
              f"{ROOT}/cmd/message": False, f"{ROOT}/cmd/link": False, f"{ROOT}/alarm/a1": False,
              f"{ROOT}/link/radio-1": False, f"{ROOT}/video/drone-1": False, f"{ROOT}/backhaul": False,
              f"{ROOT}/msg/r1": False, f"{ROOT}/gateway": False},
    "commander": {f"{ROOT}/cmd/message": True, f"{ROOT}/cmd/history": True, f"{ROOT}/msg/receipt": True,
                  f"{ROOT}/unit/r1": False, f"{ROOT}/alarm/a1": False, f"{ROOT}/msg/r1": False,
                  f"{ROOT}/link/radio-1": False, f"{ROOT}/sos": False},
    "comms": {f"{ROOT}/cmd/link": True, f"{ROOT}/unit/r1": False, f"{ROOT}/link/radio-1": False,
              f"{ROOT}/msg/r1": False},
    "drone": {f"{ROOT}/cmd/history": True, f"{ROOT}/unit/drone-1": False, f"{ROOT}/drone/drone-1": False},
    "mcv-gateway": {f"{ROOT}/unit/r1": True, f"{ROOT}/alarm/a1": True, f"{ROOT}/msg/r1": True,
                    "elsewhere/topic": False},
}


@pytest.mark.parametrize("role", list(WRITES))
def test_each_vehicle_role_writes_only_its_own_topics(vehicle_broker, role):
    broker, passwords = vehicle_broker
    marker = f"{ROOT}/event"
    with Watcher(broker.port, "mcv-gateway", passwords["mcv-gateway"], ("mcv/v1/#", "elsewhere/#"),
                 "watch-all") as watcher:
        attempt(broker.port, role, passwords[role], list(WRITES[role]), marker)
        assert wait_until(lambda: marker in watcher.seen(), 10), f"{role}'s log entry never arrived"
        arrived = set(watcher.seen())
    wrong = {topic: allowed for topic, allowed in WRITES[role].items() if (topic in arrived) != allowed}
    assert not wrong, f"{role}: the broker's verdict differs from mcv.acl's intent for {wrong}"


def test_a_field_device_reads_messages_to_units_and_nothing_else(vehicle_broker):
    broker, passwords = vehicle_broker
    with Watcher(broker.port, "field", passwords["field"], ("#",), "bodycam-r3") as device:
        attempt(broker.port, "mcv-gateway", passwords["mcv-gateway"],
                [f"{ROOT}/unit/r1", f"{ROOT}/cmd/message", f"{ROOT}/alarm/a1", f"{ROOT}/link/radio-1",
                 "mcv/reply/acl-drone"],
                f"{ROOT}/msg/r3")
        assert wait_until(lambda: f"{ROOT}/msg/r3" in device.seen(), 10)
        wait_until(lambda: False, 0.3)  # anything the ACL let through would have come with the message
        assert device.seen() == [f"{ROOT}/msg/r3"]


def test_a_seat_asks_the_gateway_and_only_it_reads_the_answer(vehicle_broker):
    broker, passwords = vehicle_broker
    gateway = MqttBus(BusSettings("127.0.0.1", broker.port, "gateway", username="mcv-gateway",
                                  password=passwords["mcv-gateway"]), on_message=lambda *_: None)
    gateway.serve(f"{ROOT}/cmd/history", lambda payload: b'{"answer": "' + payload + b'"}')
    seat = MqttBus(BusSettings("127.0.0.1", broker.port, "console-commander", username="commander",
                               password=passwords["commander"]), on_message=lambda *_: None)
    device = MqttBus(BusSettings("127.0.0.1", broker.port, "bodycam-r3", username="field",
                                 password=passwords["field"]), on_message=lambda *_: None)
    try:
        for bus in (gateway, seat, device):
            bus.start()
            assert bus.wait_connected(10)
        with Watcher(broker.port, "drone", passwords["drone"], ("mcv/reply/#", "#"), "console-drone") as other:
            assert seat.request_sync(f"{ROOT}/cmd/history", b"seat", 10) == b'{"answer": "seat"}'
            # A field device may not ask: its request never reaches the gateway.
            assert device.request_sync(f"{ROOT}/cmd/history", b"device", 1.5) is None
            assert "mcv/reply/console-commander" not in other.seen(), "a seat reads another seat's answers"
    finally:
        for bus in (device, seat, gateway):
            bus.stop()


def test_at_hq_a_vehicle_writes_only_under_its_own_id_and_reads_only_its_orders(tmp_path):
    broker, passwords = acl_broker(tmp_path, "mcv-hq.acl", ("t-1", "t-2", "hq-consumer", "hq-desk"))
    try:
        with Watcher(broker.port, "hq-consumer", passwords["hq-consumer"], ("#",), "hq-consumer") as hq, \
             Watcher(broker.port, "t-1", passwords["t-1"], ("mcv/v1/#",), "mcv-uplink-t-1") as vehicle:
            attempt(broker.port, "t-1", passwords["t-1"],
                    ["mcv/v1/t-2/event", "mcv/v1/t-2/unit/r1", "mcv/v1/t-1/hq/orders", "mcv/v1/t-1/unit/r1",
                     "mcv/v1/t-1/hq/acks"], "mcv/v1/t-1/event")
            attempt(broker.port, "hq-desk", passwords["hq-desk"],
                    ["mcv/v1/t-2/hq/orders", "mcv/v1/t-1/unit/forged"], "mcv/v1/t-1/hq/orders")
            attempt(broker.port, "hq-consumer", passwords["hq-consumer"], ["mcv/v1/t-1/hq/orders"],
                    "mcv/v1/t-1/uplink/ping")
            assert wait_until(lambda: "mcv/v1/t-1/event" in hq.seen(), 10)
            assert wait_until(lambda: "mcv/v1/t-1/hq/orders" in vehicle.seen(), 10)
            wait_until(lambda: False, 0.3)
            assert hq.seen() == ["mcv/v1/t-1/unit/r1", "mcv/v1/t-1/hq/acks", "mcv/v1/t-1/event",
                                 "mcv/v1/t-2/hq/orders", "mcv/v1/t-1/hq/orders"]
            assert vehicle.seen() == ["mcv/v1/t-1/hq/orders"], "a vehicle reads HQ's orders for itself only"
    finally:
        broker.stop()


@pytest.mark.parametrize("user, password", [(None, None), ("commander", "not-the-password"), ("nobody", "x")])
def test_a_client_without_a_valid_login_is_refused(vehicle_broker, user, password):
    broker, _ = vehicle_broker
    bus = MqttBus(BusSettings("127.0.0.1", broker.port, "stranger", username=user, password=password),
                  on_message=lambda *_: None)
    bus.start()
    try:
        assert not bus.wait_connected(1.5)
    finally:
        bus.stop()
