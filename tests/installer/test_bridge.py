"""The documented bridge to HQ: two real mosquittos on loopback, the vehicle's bridged to HQ's
with a config made from installer/mosquitto/mcv-bridge.conf.example, cut and restored."""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
import uuid
from pathlib import Path

import pytest

from radios.broker import LocalBroker
from radios.bus import BusSettings, MqttBus
from radios.hq_dedup import HqDedup, payload_id
from radios.reconnect_policy import ReconnectPolicy
from support import wait_until

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "installer" / "mosquitto" / "mcv-bridge.conf.example"
VEHICLE = "t-1"
FAST_RECONNECT = ReconnectPolicy(first_delay_s=0.1, max_delay_s=0.3)

pytestmark = [
    pytest.mark.broker,
    pytest.mark.skipif(shutil.which("mosquitto", path="/usr/sbin:/usr/local/sbin:/usr/bin") is None,
                       reason="mosquitto is not installed"),
]


def bridge_config(hq_port: int) -> str:
    """The example with its placeholders filled in, and retries fast enough for a test."""
    text = EXAMPLE.read_text()
    for placeholder, value in {"VEHICLE_ID": VEHICLE, "HQ_HOST": "127.0.0.1", "HQ_PORT": str(hq_port),
                               "HQ_PASSWORD": "unused-here"}.items():
        assert placeholder in text, f"the example has no {placeholder}"
        text = text.replace(placeholder, value)
    text, count = re.subn(r"^restart_timeout .*$", "restart_timeout 1", text, flags=re.MULTILINE)
    assert count == 1
    return text


class Hq:
    """HQ's mosquitto (persistent, so its consumer's session survives a restart on the same port)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir()
        self.config = f"persistence true\npersistence_location {folder}/\nmax_queued_messages 0\n"
        self.broker = LocalBroker(extra_config=self.config).start()
        self.port = self.broker.port

    def restart(self) -> None:
        self.broker = LocalBroker(port=self.port, extra_config=self.config).start()


class Receiver:
    """A QoS 1 subscriber with a persistent session; ``ids`` are the distinct payload ids, in order."""

    def __init__(self, port: int, pattern: str, client_id: str) -> None:
        self.raw: list[tuple[str, bytes]] = []
        self.ids: list[str] = []
        self.dedup = HqDedup()
        self._lock = threading.Lock()
        self.bus = MqttBus(BusSettings("127.0.0.1", port, client_id, persistent_session=True),
                           on_message=self._on_message, policy=FAST_RECONNECT)
        self.bus.subscribe(pattern, qos=1)

    def _on_message(self, topic: str, payload: bytes, retained: bool) -> None:
        """Bus thread."""
        with self._lock:
            self.raw.append((topic, payload))
            if self.dedup.accept_payload(payload):
                self.ids.append(payload_id(payload))

    def count(self) -> int:
        with self._lock:
            return len(self.ids)

    def __enter__(self) -> Receiver:
        self.bus.start()
        assert self.bus.wait_connected(5)
        return self

    def __exit__(self, *exc) -> None:
        self.bus.stop()
        self.dedup.close()


def payload(n: int) -> tuple[str, bytes]:
    item_id = str(uuid.uuid4())
    return item_id, json.dumps({"id": item_id, "ts": "2026-01-01T00:00:00Z", "src": "test", "n": n}).encode()


def publish_all(bus: MqttBus, topic: str, count: int) -> list[str]:
    ids, infos = [], []
    for n in range(count):
        item_id, body = payload(n)
        ids.append(item_id)
        infos.append(bus.publish(topic, body, qos=1))
    for info in infos:
        info.wait_for_publish(5)  # the vehicle broker has it (PUBACK), whatever HQ's state
    return ids


def test_the_bridge_carries_the_vehicles_topics_and_loses_nothing_when_hq_is_cut(tmp_path):
    hq = Hq(tmp_path / "hq")
    vehicle = LocalBroker(extra_config="max_queued_messages 0\n" + bridge_config(hq.port))
    try:
        vehicle.start()
        with Receiver(hq.port, f"mcv/v1/{VEHICLE}/#", "hq-consumer") as at_hq, \
                Receiver(vehicle.port, f"mcv/v1/{VEHICLE}/hq/#", "vehicle-seat") as in_vehicle, \
                Receiver(vehicle.port, f"$SYS/broker/connection/mcv-bridge-{VEHICLE}/state", "comms") as bridge:
            publisher = MqttBus(BusSettings("127.0.0.1", vehicle.port, "vehicle-gateway"),
                                on_message=lambda *a: None)
            publisher.start()
            try:
                assert publisher.wait_connected(5)
                # Up: the vehicle's topics reach HQ; the bridge's state is on the vehicle's $SYS.
                assert wait_until(lambda: bridge.raw and bridge.raw[-1][1] == b"1", 10)
                first = publish_all(publisher, f"mcv/v1/{VEHICLE}/event", 10)
                first += publish_all(publisher, f"mcv/v1/{VEHICLE}/unit/r1", 10)
                assert wait_until(lambda: set(first) <= set(at_hq.ids), 5)

                # HQ's orders for this vehicle come in, and are not echoed back to HQ.
                hq_desk = MqttBus(BusSettings("127.0.0.1", hq.port, "hq-desk"), on_message=lambda *a: None)
                hq_desk.start()
                try:
                    assert hq_desk.wait_connected(5)
                    order_id = publish_all(hq_desk, f"mcv/v1/{VEHICLE}/hq/orders", 1)[0]
                finally:
                    hq_desk.stop()
                assert wait_until(lambda: in_vehicle.ids == [order_id], 5)
                time.sleep(0.3)
                assert [payload_id(p) for t, p in at_hq.raw].count(order_id) == 1

                # Cut: HQ stopped by its PID; the vehicle broker queues for the bridge.
                hq.broker.stop()
                assert wait_until(lambda: bridge.raw[-1][1] == b"0", 5)
                before = at_hq.count()
                queued = publish_all(publisher, f"mcv/v1/{VEHICLE}/event", 200)
                time.sleep(0.5)
                assert at_hq.count() == before
                hq.restart()
                assert wait_until(lambda: set(queued) <= set(at_hq.ids), 20), \
                    f"{len(set(queued) & set(at_hq.ids))} of 200 arrived"
            finally:
                publisher.stop()
        wanted = set(queued)
        copies = [payload_id(body) for _, body in at_hq.raw if payload_id(body) in wanted]
        assert len(set(copies)) == 200  # all arrived (a resend after the cut would be a copy)
        assert [i for i in at_hq.ids if i in wanted] == queued  # once each by id, and in order
    finally:
        vehicle.stop()
        hq.broker.stop()
