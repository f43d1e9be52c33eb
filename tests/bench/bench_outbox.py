"""Benchmark: durable enqueue into the outbox, and draining a backlog to HQ, each next to its raw floor.

Run by hand: ``.venv/bin/python tests/bench/bench_outbox.py [N]`` (N = 10,000 items).

Enqueue, per second, every row committed durably (WAL, ``synchronous=FULL``):
- ``store``: ``Store.outbox_put`` of N payloads from one thread, then waiting for every
  receipt (the store's writer batches them into a few transactions);
- ``uplink``: ``UplinkWorker.enqueue`` of the same items from one thread, as the gateway's
  bus thread calls it for every live event and position, then waiting for every receipt;
- ``raw``: one ``sqlite3`` connection with the store's pragmas, ``executemany`` of the
  same rows into the same table in one transaction: the floor no queue can beat.

Drain: an N-item backlog through ``UplinkWorker`` to a local mosquitto (from ``start()``
until the outbox is empty: published at QoS 1, acknowledged, rows durably deleted), against
one raw paho client publishing the same payloads at QoS 1 to the same broker in the same
run and waiting for every PUBACK. The best of ROUNDS rounds of each is kept. The last line
printed is one JSON object with the figures.
"""

from __future__ import annotations

import json
import sqlite3
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
from radios.schema import Event, Topics, utc_now  # noqa: E402
from radios.store import Store  # noqa: E402
from radios.uplink import UplinkSettings, UplinkWorker  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
ROUNDS = 5
ENQUEUE_GOAL = 5000
DRAIN_GOAL = 0.5
TOPICS = Topics("bench-1")


def make_events(n: int) -> list[Event]:
    kinds = [("alarm", "sos"), ("info", "order"), ("info", "note"), ("info", "link")]
    return [Event.create("bench", category=kinds[i % 4][1], severity=kinds[i % 4][0], text=f"report {i}",
                         unit="u1", lat=30.25, lon=120.16) for i in range(n)]


def rows_of(events: list[Event]) -> list[tuple]:
    return [(e.id, priority_of_event(e.severity, e.category), TOPICS.events, e.encode(), utc_now()) for e in events]


def store_enqueue_per_s(events: list[Event], path: Path) -> float:
    with Store(path) as store:
        start = time.perf_counter()
        receipts = [store.outbox_put(e.id, priority_of_event(e.severity, e.category), TOPICS.events, e.encode())
                    for e in events]
        assert all(r.result(60) for r in receipts)
        elapsed = time.perf_counter() - start
        assert store.count("outbox") == len(events)
    return len(events) / elapsed


def uplink_enqueue_per_s(events: list[Event], path: Path) -> float:
    with Store(path) as store:
        worker = UplinkWorker(UplinkSettings(BusSettings("127.0.0.1", 1, "bench-enqueue")), store, TOPICS)
        start = time.perf_counter()  # the worker is not started: this is the enqueue alone
        receipts = [worker.enqueue(event) for event in events]
        assert all(r.result(60) for r in receipts)
        elapsed = time.perf_counter() - start
        assert store.count("outbox") == len(events)
    return len(events) / elapsed


def raw_enqueue_per_s(events: list[Event], path: Path) -> float:
    with Store(path):
        pass  # the same schema
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        rows = rows_of(events)
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT OR IGNORE INTO outbox (id, priority, topic, payload, created) VALUES (?, ?, ?, ?, ?)",
                         rows)
        conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
    finally:
        conn.close()
    return len(events) / elapsed


def drain_per_s(events: list[Event], broker: LocalBroker, path: Path, round_no: int) -> float:
    with Store(path) as store:
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


def raw_paho_per_s(events: list[Event], broker: LocalBroker, round_no: int) -> float:
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
    figures: dict[str, list[float]] = {"store": [], "uplink": [], "raw_sqlite": [], "drain": [], "raw_paho": []}
    with LocalBroker(extra_config="max_queued_messages 0\n") as broker, \
            tempfile.TemporaryDirectory(prefix="mcv-bench-outbox-") as folder:
        for r in range(ROUNDS):
            figures["raw_sqlite"].append(raw_enqueue_per_s(events, Path(folder) / f"raw-{r}.db"))
            figures["store"].append(store_enqueue_per_s(events, Path(folder) / f"store-{r}.db"))
            figures["uplink"].append(uplink_enqueue_per_s(events, Path(folder) / f"uplink-{r}.db"))
            figures["raw_paho"].append(raw_paho_per_s(events, broker, r))
            figures["drain"].append(drain_per_s(events, broker, Path(folder) / f"drain-{r}.db", r))
            print(f"round {r + 1}: " + ", ".join(f"{name} {values[-1]:,.0f}/s" for name, values in figures.items()))
    best = {name: max(values) for name, values in figures.items()}
    ratio = best["drain"] / best["raw_paho"]
    print(f"durable enqueue of {N:,} items: Store.outbox_put {best['store']:,.0f}/s, "
          f"UplinkWorker.enqueue {best['uplink']:,.0f}/s (goal >= {ENQUEUE_GOAL:,}), "
          f"raw sqlite3 executemany {best['raw_sqlite']:,.0f}/s")
    print(f"drain of {N:,} items through UplinkWorker {best['drain']:,.0f}/s against raw paho QoS 1 "
          f"{best['raw_paho']:,.0f}/s: ratio {ratio:.2f} (goal >= {DRAIN_GOAL})")
    print(json.dumps({"n": N, "rounds": ROUNDS, "enqueue_store_per_s": round(best["store"]),
                      "enqueue_uplink_per_s": round(best["uplink"]),
                      "enqueue_raw_sqlite_per_s": round(best["raw_sqlite"]),
                      "enqueue_goal": ENQUEUE_GOAL, "drain_per_s": round(best["drain"]),
                      "raw_paho_per_s": round(best["raw_paho"]), "drain_ratio": round(ratio, 3),
                      "drain_goal": DRAIN_GOAL}))


if __name__ == "__main__":
    main()
