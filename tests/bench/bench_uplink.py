"""Benchmark: draining an outbox backlog to an MQTT broker through ``UplinkWorker`` against raw paho.

Run by hand: ``.venv/bin/python tests/bench/bench_uplink.py [N]``. One local mosquitto
(persistence off, unlimited queues) plays HQ. The uplink side fills a fresh store's outbox
with N event payloads (not timed), then times from ``start()`` until the outbox is empty,
so every item was published at QoS 1, acknowledged by the broker and its row deleted
(durably). The raw side publishes the same payloads at QoS 1 with one paho client
(``loop_start``, the same in-flight window) and waits for every PUBACK: no store, no
ordering, no deletes. The best of a few rounds of each is kept. The last line printed is
one JSON object with the figures.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import paho.mqtt.client as mqtt  # noqa: E402
from paho.mqtt.enums import CallbackAPIVersion  # noqa: E402

from radios.broker import LocalBroker  # noqa: E402
from radios.bus_settings import BusSettings  # noqa: E402
from radios.outbox_policy import MAX_IN_FLIGHT, priority_of_event  # noqa: E402
from radios.schema import Event, Topics  # noqa: E402
from radios.store import Store  # noqa: E402
from radios.uplink import UplinkSettings, UplinkWorker  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
ROUNDS = 3
GOAL = 0.5
TOPICS = Topics("bench-1")


def make_events(n: int) -> list[Event]:
    return [Event.create("bench", category="link", text=f"report {i}", severity="info", unit="u1",
                         lat=48.1, lon=11.5) for i in range(n)]


def uplink_per_s(events: list[Event], broker: LocalBroker, folder: Path, round_no: int) -> float:
    with Store(folder / f"uplink-{round_no}.db") as store:
        receipts = [store.outbox_put(e.id, priority_of_event(e.severity, e.category), TOPICS.events, e.encode())
                    for e in events]
        assert all(r.result(60) for r in receipts)
        server = BusSettings(broker.host, broker.port, f"bench-uplink-{round_no}", persistent_session=True)
        worker = UplinkWorker(UplinkSettings(server), store, TOPICS)
        start = time.perf_counter()
        worker.start()
        try:
            while store.count("outbox"):
                time.sleep(0.005)
            elapsed = time.perf_counter() - start
        finally:
            worker.stop()
    return len(events) / elapsed


def raw_per_s(events: list[Event], broker: LocalBroker, round_no: int) -> float:
    payloads = [e.encode() for e in events]
    done = threading.Event()
    acked = [0]

    def on_publish(client, userdata, mid, reason_code, properties) -> None:
        acked[0] += 1
        if acked[0] == len(payloads):
            done.set()

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-raw-{round_no}", protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(MAX_IN_FLIGHT)
    client.max_queued_messages_set(0)
    client.on_publish = on_publish
    client.connect(broker.host, broker.port)
    client.loop_start()
    try:
        start = time.perf_counter()
        for payload in payloads:
            client.publish(TOPICS.events, payload, qos=1)
        assert done.wait(120), f"only {acked[0]} of {len(payloads)} acknowledged"
        elapsed = time.perf_counter() - start
    finally:
        client.disconnect()
        client.loop_stop()
    return len(payloads) / elapsed


def main() -> None:
    events = make_events(N)
    uplink, raw = [], []
    with LocalBroker(extra_config="max_queued_messages 0\n") as broker, \
            tempfile.TemporaryDirectory(prefix="mcv-bench-uplink-") as folder:
        for round_no in range(ROUNDS):
            raw.append(raw_per_s(events, broker, round_no))
            uplink.append(uplink_per_s(events, broker, Path(folder), round_no))
            print(f"round {round_no + 1}: uplink {uplink[-1]:,.0f}/s, raw paho {raw[-1]:,.0f}/s")
    best_uplink, best_raw = max(uplink), max(raw)
    ratio = best_uplink / best_raw
    print(f"drain of {N:,} outbox items through UplinkWorker: {best_uplink:,.0f} items/s "
          f"(published, acknowledged and deleted)")
    print(f"raw paho QoS 1 publishing of the same payloads: {best_raw:,.0f} msg/s")
    print(f"ratio {ratio:.2f} (goal >= {GOAL})")
    print(json.dumps({"n": N, "uplink_per_s": round(best_uplink), "raw_paho_per_s": round(best_raw),
                      "ratio": round(ratio, 3), "goal": GOAL, "rounds": ROUNDS}))


if __name__ == "__main__":
    main()
