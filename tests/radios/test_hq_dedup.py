"""HQ drops a vehicle's resent reports by id: the seen-id table, and a real resend end to end."""

import sys
from pathlib import Path

from support import wait_until

sys.path.insert(0, str(Path(__file__).parent))  # uplink_peers.py sits beside this file
from uplink_peers import FAST_RECONNECT, HqBroker, HqConsumer  # noqa: E402

from radios.bus_settings import BusSettings  # noqa: E402
from radios.hq_dedup import HqDedup, payload_id  # noqa: E402
from radios.schema import Event, Topics  # noqa: E402
from radios.store import Store  # noqa: E402
from radios.uplink import UplinkSettings, UplinkWorker  # noqa: E402


def test_an_id_is_accepted_once_and_remembered_across_a_restart(tmp_path):
    path = tmp_path / "hq-seen.sqlite3"
    with HqDedup(path) as dedup:
        assert dedup.accept("a" * 32) is True
        assert dedup.accept("a" * 32) is False
        assert dedup.duplicates == 1
    with HqDedup(path) as reopened:
        assert reopened.accept("a" * 32) is False
        assert reopened.accept("b" * 32) is True


def test_the_table_is_bounded_and_forgets_the_oldest_first():
    with HqDedup(capacity=3) as dedup:
        for n in range(5):
            assert dedup.accept(f"id-{n}")
        assert dedup.accept("id-4") is False and dedup.accept("id-2") is False
        assert dedup.accept("id-0") is True  # long forgotten: a copy this late cannot come


def test_payload_ids_come_from_the_json_and_junk_passes_through():
    event = Event.create("sim", category="note", text="x")
    assert payload_id(event.encode()) == event.id
    for junk in (b"\xff", b"[]", b'{"id": 5}', b"not json"):
        assert payload_id(junk) is None
    with HqDedup() as dedup:
        assert dedup.accept_payload(b"not json") and dedup.accept_payload(b"not json")
        assert dedup.accept_payload(event.encode()) and not dedup.accept_payload(event.encode())


def test_a_resent_item_reaches_hq_twice_and_is_delivered_once(tmp_path):
    hq = HqBroker(tmp_path / "hq").start()
    topics = Topics("test-1")
    store = Store(tmp_path / "vehicle.sqlite3")
    server = BusSettings(hq.host, hq.port, "mcv-uplink-test-1", persistent_session=True)
    worker = UplinkWorker(UplinkSettings(server), store, topics, reconnect=FAST_RECONNECT)
    order = Event.create("console@commander", category="order", text="Hold the levee at Gate 3")
    try:
        with HqConsumer(hq) as consumer:
            worker.start()
            worker.enqueue(order).result(5)
            assert wait_until(lambda: store.count("outbox") == 0 and consumer.raw, 5)
            # The gateway died after HQ acknowledged but before the delete committed: the row is back.
            worker.enqueue(order).result(5)
            assert wait_until(lambda: store.count("outbox") == 0 and len(consumer.raw) == 2, 5)
            assert consumer.raw[0][1] == consumer.raw[1][1]  # the same payload, the same id
            assert consumer.delivered == [order.id] and consumer.dedup.duplicates == 1
    finally:
        worker.stop()
        store.close()
        hq.stop()
