"""The uplink's hard days, against real mosquittos: a 10,000-item backlog after an outage, the
uplink's process killed with SIGKILL mid-drain, and an HQ whose TLS certificate is wrong."""

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support import wait_until

sys.path.insert(0, str(Path(__file__).parent))  # uplink_peers.py sits beside this file
from tls_certs import make_ca, make_certificate  # noqa: E402
from uplink_peers import FAST_RECONNECT, HqBroker, HqConsumer  # noqa: E402

from radios.broker import free_port  # noqa: E402
from radios.bus_settings import BusSettings  # noqa: E402
from radios.child_process import die_with_parent  # noqa: E402
from radios.outbox_policy import (  # noqa: E402
    PRIORITY_ALARM, PRIORITY_BULK, PRIORITY_EVENT, PRIORITY_NAMES, PRIORITY_ORDER, PRIORITY_POSITION,
)
from radios.schema import Event, Payload, Topics, UnitState  # noqa: E402
from radios.store import Store  # noqa: E402
from radios.uplink import UplinkSettings, UplinkWorker  # noqa: E402

pytestmark = pytest.mark.broker

TOPICS = Topics("test-1")
CLIENT_ID = "mcv-uplink-test-1"
DETECT_S = 5.0
# Of every 20 items: 1 alarm, 3 orders, 12 events, 3 positions, 1 bulk (positions stay below
# the compaction threshold, so everything queued must arrive).
MIX = [PRIORITY_ALARM] + [PRIORITY_ORDER] * 3 + [PRIORITY_EVENT] * 12 + [PRIORITY_POSITION] * 3 + [PRIORITY_BULK]


def backlog(n: int) -> list[tuple[str, Payload, int]]:
    """``n`` (topic, payload, priority) with the priorities interleaved as MIX says."""
    items = []
    for i in range(n):
        priority = MIX[i % len(MIX)]
        if priority == PRIORITY_POSITION:
            state = UnitState.create("sim", uid=f"u{i % 7}", unit_kind="responder", callsign="R",
                                     lat=30.2 + i * 1e-6, lon=120.1)
            items.append((TOPICS.unit(state.uid), state, priority))
        else:
            severity = "alarm" if priority == PRIORITY_ALARM else "info"
            category = {PRIORITY_ORDER: "order", PRIORITY_BULK: "snapshot"}.get(priority, "note")
            topic = f"{TOPICS.root}/snapshot" if priority == PRIORITY_BULK else TOPICS.events
            items.append((topic, Event.create("sim", category=category, severity=severity, text=f"report {i}"),
                          priority))
    return items


def outbox_count(path: Path) -> int:
    """Rows in a store's outbox, read without opening a ``Store`` (another process writes it)."""
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    finally:
        conn.close()


def test_a_10000_item_backlog_arrives_once_each_in_priority_order(hq, tmp_path):
    with Store(tmp_path / "vehicle.sqlite3") as store, HqConsumer(hq) as consumer:
        server = BusSettings(hq.host, hq.port, CLIENT_ID, persistent_session=True)
        worker = UplinkWorker(UplinkSettings(server), store, TOPICS, reconnect=FAST_RECONNECT)
        worker.start()
        try:
            assert wait_until(lambda: worker.is_up, 5)
            hq.stop()
            assert wait_until(lambda: not worker.is_up, DETECT_S)
            items = backlog(10_000)
            receipts = [worker.enqueue_payload(topic, payload, priority) for topic, payload, priority in items]
            assert all(receipt.result(30) for receipt in receipts)
            down = worker.backhaul_state()
            assert down.state == "down" and down.backlog == 10_000
            assert dict(down.backlog_by_priority) == {"alarm": 500, "order": 1500, "event": 6000,
                                                      "position": 1500, "bulk": 500}
            hq.restart()
            assert wait_until(lambda: consumer.count() == 10_000, 30), consumer.count()
            assert wait_until(lambda: store.count("outbox") == 0, 5)
        finally:
            worker.stop()
    position = {payload.id: (priority, i) for i, (_, payload, priority) in enumerate(items)}
    arrived = [position[id] for id in consumer.delivered]
    assert len(set(consumer.delivered)) == len(consumer.delivered) == 10_000
    # Each priority class arrives as one block, the classes in order ...
    classes = [priority for priority, _ in arrived]
    blocks = [p for k, p in enumerate(classes) if k == 0 or classes[k - 1] != p]
    assert blocks == sorted(PRIORITY_NAMES)
    # ... and within a class, in the order the items were queued.
    assert arrived == sorted(arrived)
    assert len(consumer.raw) == 10_000  # nothing was in flight at the cut: not even a copy


UPLINK_PROCESS = """
import sys, threading
from radios.bus_settings import BusSettings
from radios.reconnect_policy import ReconnectPolicy
from radios.schema import Topics
from radios.store import Store
from radios.uplink import UplinkSettings, UplinkWorker

path, port, link_kbps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
server = BusSettings("127.0.0.1", port, "%s", persistent_session=True)
worker = UplinkWorker(UplinkSettings(server, link_kbps=link_kbps), Store(path), Topics("test-1"),
                      reconnect=ReconnectPolicy(first_delay_s=0.1, max_delay_s=0.3))
worker.start()
threading.Event().wait()
""" % CLIENT_ID


def start_uplink(store_path: Path, hq: HqBroker, link_kbps: int) -> subprocess.Popen:
    """An UplinkWorker alone in a process (as in the gateway), on the store file ``store_path``."""
    return subprocess.Popen([sys.executable, "-c", UPLINK_PROCESS, str(store_path), str(hq.port), str(link_kbps)],
                            stdin=subprocess.DEVNULL, preexec_fn=die_with_parent)


def test_an_uplink_killed_mid_drain_loses_nothing_and_dedup_absorbs_the_copies(hq, tmp_path):
    path = tmp_path / "vehicle.sqlite3"
    items = backlog(5000)
    with Store(path) as store:
        receipts = [store.outbox_put(payload.id, priority, topic, payload.encode())
                    for topic, payload, priority in items]
        assert all(receipt.result(30) for receipt in receipts)
    with HqConsumer(hq) as consumer:
        # About 1.3 MB at 400 kB/s: SIGKILL lands in the middle of the drain.
        process = start_uplink(path, hq, link_kbps=6400)
        try:
            assert wait_until(lambda: consumer.count() >= 1500, 15), consumer.count()
            os.kill(process.pid, signal.SIGKILL)
            process.wait(5)
            left = outbox_count(path)
            assert 0 < left <= 5000 - 1000
            process = start_uplink(path, hq, link_kbps=0)
            assert wait_until(lambda: outbox_count(path) == 0, 20), outbox_count(path)
            assert wait_until(lambda: consumer.count() == 5000, 5), consumer.count()
        finally:
            process.kill()
            process.wait(5)
    assert set(consumer.delivered) == {payload.id for _, payload, _ in items}
    copies = len(consumer.raw) - 5000
    assert copies == consumer.dedup.duplicates  # every extra copy was one dedup dropped
    assert copies <= 1000  # only what was in flight or acknowledged-not-yet-deleted at the kill


# -- TLS ------------------------------------------------------------------------------


@pytest.fixture
def certs(tmp_path):
    """Two CAs; HQ's server certificate (for 127.0.0.1) comes from ``hq-ca``, which the vehicle
    was not given: it trusts ``vehicle-ca`` only."""
    folder = tmp_path / "certs"
    folder.mkdir()
    for ca in ("hq-ca", "vehicle-ca"):
        make_ca(folder, ca)
    make_certificate(folder, "hq", "hq-ca", ip="127.0.0.1")
    for path in folder.iterdir():
        path.chmod(0o644)
    return folder


def test_a_wrong_hq_certificate_is_a_clear_down_state_and_nothing_is_lost(tmp_path, certs):
    tls_port = free_port()
    hq = HqBroker(tmp_path / "hq", f"listener {tls_port} 127.0.0.1\ncafile {certs / 'hq-ca.crt'}\n"
                                    f"certfile {certs / 'hq.crt'}\nkeyfile {certs / 'hq.key'}\n").start()
    items = backlog(40)
    try:
        with Store(tmp_path / "vehicle.sqlite3") as store, HqConsumer(hq) as consumer:
            def worker_trusting(ca: str) -> UplinkWorker:
                server = BusSettings(hq.host, tls_port, CLIENT_ID, tls=True, ca_file=str(certs / ca),
                                     persistent_session=True)
                return UplinkWorker(UplinkSettings(server), store, TOPICS, reconnect=FAST_RECONNECT)

            worker = worker_trusting("vehicle-ca.crt")
            for topic, payload, priority in items:
                worker.enqueue_payload(topic, payload, priority).result(5)
            worker.start()
            try:
                assert wait_until(lambda: "certificate" in worker.backhaul_state().detail, 5)
                state = worker.backhaul_state()
                assert state.state == "down" and state.backlog == 40
                assert "TLS certificate" in state.detail and "not trusted" in state.detail
                assert "ca_file" in state.detail  # what to fix
                assert worker.in_outage
            finally:
                worker.stop()
            assert store.count("outbox") == 40 and consumer.count() == 0

            # Given HQ's CA (the fix the state names), the same outbox drains: nothing was lost.
            worker = worker_trusting("hq-ca.crt")
            worker.start()
            try:
                assert wait_until(lambda: consumer.count() == 40, 10), worker.backhaul_state().detail
            finally:
                worker.stop()
    finally:
        hq.stop()
    assert set(consumer.delivered) == {payload.id for _, payload, _ in items}

