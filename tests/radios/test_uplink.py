"""UplinkWorker against two real mosquittos: the vehicle's store drains to an "HQ" broker
that is stopped, frozen and restarted by its PID."""

import sys
import threading
import time
from pathlib import Path

import pytest
from support import wait_until

sys.path.insert(0, str(Path(__file__).parent))  # uplink_peers.py sits beside this file
from uplink_peers import FAST_RECONNECT, HqBroker, HqConsumer  # noqa: E402

from radios.bus_settings import BusSettings  # noqa: E402
from radios.hq_dedup import payload_id  # noqa: E402
from radios.outbox_policy import PRIORITY_NAMES, priority_of_event  # noqa: E402
from radios.schema import BackhaulState, Event, Topics, UnitState  # noqa: E402
from radios.store import Store  # noqa: E402
from radios.uplink import UplinkSettings, UplinkWorker  # noqa: E402

TOPICS = Topics("test-1")
DETECT_S = 5.0


class Seen:
    """What the worker reported through its callbacks (uplink thread appends)."""

    def __init__(self) -> None:
        self.states: list[BackhaulState] = []
        self.events: list[Event] = []
        self.lock = threading.Lock()

    def state(self, state: BackhaulState) -> None:
        with self.lock:
            self.states.append(state)

    def event(self, event: Event) -> None:
        with self.lock:
            self.events.append(event)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "vehicle.sqlite3") as opened:
        yield opened


def make_worker(hq, store, seen, **settings) -> UplinkWorker:
    server = BusSettings(hq.host, hq.port, "mcv-uplink-test-1", persistent_session=True)
    return UplinkWorker(UplinkSettings(server, **settings), store, TOPICS, on_state=seen.state,
                        on_event=seen.event, reconnect=FAST_RECONNECT)


def mixed_items(n: int) -> list[Event | UnitState]:
    """Alarms, orders, messages, plain events and positions, interleaved."""
    kinds = [("alarm", "sos"), ("info", "order"), ("info", "message"), ("info", "note"), None]
    items: list[Event | UnitState] = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        if kind is None:
            items.append(UnitState.create("sim", uid=f"u{i % 7}", unit_kind="responder", callsign="R",
                                          lat=30.2 + i * 1e-5, lon=120.1))
        else:
            items.append(Event.create("sim", category=kind[1], severity=kind[0], text=f"report {i}"))
    return items


def priority_of(item: Event | UnitState) -> int:
    return priority_of_event(item.severity, item.category) if isinstance(item, Event) else 3


@pytest.fixture
def running(hq, store):
    seen = Seen()
    worker = make_worker(hq, store, seen)
    worker.start()
    assert wait_until(lambda: worker.is_up, 5)
    yield worker, seen
    worker.stop()


def test_an_outage_is_seen_within_5_s_and_the_backlog_arrives_once_in_priority_order(hq, store, running):
    worker, seen = running
    with HqConsumer(hq) as consumer:
        assert wait_until(lambda: worker.backhaul_state().rtt_ms is not None, 3)
        cut = time.monotonic()
        hq.stop()
        assert wait_until(lambda: not worker.is_up, DETECT_S)
        assert time.monotonic() - cut < DETECT_S
        items = mixed_items(500)
        for item in items:
            worker.enqueue(item)
        assert wait_until(lambda: store.count("outbox") == 500, 5)
        down = worker.backhaul_state()
        assert down.state == "down" and down.backlog == 500 and down.rtt_ms is None
        assert dict(down.backlog_by_priority) == {"alarm": 100, "order": 200, "event": 100, "position": 100}
        time.sleep(0.5)  # stays down while HQ is away, reconnecting as told
        hq.restart()
        assert wait_until(lambda: consumer.count() == 500, 15), consumer.count()
        assert wait_until(lambda: store.count("outbox") == 0, 5)
    expected = sorted(range(500), key=lambda i: (priority_of(items[i]), i))
    assert consumer.delivered == [items[i].id for i in expected]
    # Nothing was in flight at the cut, so one outage sends no copies. A second loss during
    # the drain (a loaded machine missing the ping) may resend what HQ had not acknowledged:
    # copies then, each of an item HQ already counted once, never a new one.
    outages = [s.state for s in seen.states].count("down")
    copies = [payload_id(payload) for _, payload in consumer.raw]
    assert len(copies) == 500 or (outages > 1 and set(copies) == set(consumer.delivered)), (outages, len(copies))
    texts = [e.text for e in seen.events]
    assert texts[0].startswith("Backhaul to HQ down") and texts[1].startswith("Backhaul to HQ restored after")
    assert [s.state for s in seen.states][-2:] == ["down", "up"]
    assert seen.states[-1].draining
    assert wait_until(lambda: not worker.backhaul_state().draining, 3)
    assert worker.backhaul_state().delivered == 500


def test_a_silent_link_is_declared_down_within_5_s(hq, store, running):
    worker, seen = running
    hq.freeze()  # the socket stays open, nothing answers
    try:
        cut = time.monotonic()
        assert wait_until(lambda: not worker.is_up, DETECT_S, 0.02)
        assert time.monotonic() - cut < DETECT_S
        assert "no answer from HQ" in worker.backhaul_state().detail
    finally:
        hq.thaw()
    assert wait_until(lambda: worker.is_up, 5)


def test_nothing_leaves_the_outbox_before_hq_acknowledges_it(hq, store):
    seen = Seen()
    items = mixed_items(2000)
    for item in items:
        store.outbox_put(item.id, priority_of(item), TOPICS.events, item.encode())
    store.outbox_put("sentinel", 9, TOPICS.events, items[0].encode()).result(5)
    # About 600 kB to send at 100 kB/s: the cut comes mid-drain.
    worker = make_worker(hq, store, seen, link_kbps=1600, drain_share_percent=50)
    with HqConsumer(hq) as consumer:
        worker.start()
        try:
            assert wait_until(lambda: worker.backhaul_state().delivered > 200, 10)
            hq.stop()
            assert wait_until(lambda: not worker.is_up, DETECT_S)
            acked = worker.backhaul_state().delivered  # final: nothing is acknowledged while down
            assert store.count("outbox") + acked >= 2001  # deletes may lag the PUBACKs, never lead them
            assert wait_until(lambda: store.count("outbox") + acked == 2001, 3)
            assert store.count("outbox") > 500
            assert {row[1] for row in store.outbox_peek(5000)} >= {"sentinel"}
            hq.restart()
            assert wait_until(lambda: store.count("outbox") == 0, 20), store.count("outbox")
            assert wait_until(lambda: consumer.count() == 2000, 5)  # the sentinel repeats an id
        finally:
            worker.stop()
    assert set(consumer.delivered) == {item.id for item in items}


def test_an_alarm_raised_mid_drain_overtakes_the_backlog(hq, store):
    seen = Seen()
    notes = [Event.create("sim", category="note", text=f"note {i}") for i in range(2000)]
    for note in notes:
        store.outbox_put(note.id, priority_of(note), TOPICS.events, note.encode())
    worker = make_worker(hq, store, seen, link_kbps=1600, drain_share_percent=50)  # ~3 s of backlog
    sos = Event.create("console@commander", category="sos", severity="alarm", text="Firefighter down, Block 7")
    with HqConsumer(hq) as consumer:
        worker.start()
        try:
            assert wait_until(lambda: consumer.count() > 300, 10)
            worker.enqueue(sos)
            assert wait_until(lambda: sos.id in consumer.delivered, 3)
            at = consumer.delivered.index(sos.id)
        finally:
            worker.stop()
    assert at < 1000  # behind what was already on its way, ahead of the rest of the backlog


def test_hq_refusing_the_credentials_is_a_clear_state_and_nothing_is_lost(tmp_path, store):
    hq = HqBroker(tmp_path / "locked", "allow_anonymous false\n")
    hq.start()
    seen = Seen()
    worker = make_worker(hq, store, seen)
    worker.enqueue(mixed_items(1)[0]).result(5)
    worker.start()
    try:
        assert wait_until(lambda: "refused" in worker.backhaul_state().detail, 5)
        state = worker.backhaul_state()
        assert state.state == "down" and state.backlog == 1
        assert "Not authorized" in state.detail
    finally:
        worker.stop()
        hq.stop()
    assert store.count("outbox") == 1


def test_old_positions_are_compacted_per_unit_when_the_backlog_is_large(hq, store, monkeypatch):
    from radios import uplink

    monkeypatch.setattr(uplink, "COMPACT_EVERY_S", 0.2)
    seen = Seen()
    worker = make_worker(hq, store, seen, positions_kept_per_unit=3)
    worker._policy.compact_above = 50
    hq.stop()  # an outage from the start: everything queues
    states = [UnitState.create("sim", uid=f"u{i % 4}", unit_kind="responder", callsign="R", lat=30.0 + i * 1e-4,
                               lon=120.0) for i in range(200)]
    alarm = Event.create("sim", category="sos", severity="alarm", text="SOS")
    for state in states:
        worker.enqueue(state)
    worker.enqueue(alarm).result(5)
    worker.start()
    try:
        assert wait_until(lambda: store.count("outbox") == 13, 5), store.count("outbox")
        kept = {row[1] for row in store.outbox_peek(100)}
        assert kept == {alarm.id} | {s.id for s in states[-12:]}  # the newest 3 of each of 4 units
        assert dict(worker.backhaul_state().backlog_by_priority) == {PRIORITY_NAMES[0]: 1, "position": 12}
    finally:
        worker.stop()


def test_the_gateway_queues_what_it_stores_and_tells_every_seat_about_the_backhaul(broker, hq, tmp_path):
    from support import Recorder, write_config

    from radios.config import load_config
    from radios.gateway import Gateway
    from radios.schema import decode

    config = load_config(write_config(tmp_path, broker, f'\n[uplink]\nurl = "{hq.url}"\n'))
    store = Store(config.store_path)
    gateway = Gateway(config, store)
    topics = gateway.topics

    def backhaul(seat) -> BackhaulState | None:
        raw = seat.on(topics.backhaul)
        return decode(raw[-1], BackhaulState) if raw else None

    with HqConsumer(hq) as consumer, Recorder(broker, topics.backhaul, "seat") as seat:
        gateway.start()
        try:
            assert wait_until(lambda: backhaul(seat) is not None and backhaul(seat).state == "up", 5)
            assert wait_until(lambda: gateway.uplink.backhaul_state().rtt_ms is not None, 3)
            gateway.publish_status()  # the heartbeat carries the round trip
            assert wait_until(lambda: backhaul(seat).rtt_ms is not None, 3)
            order = Event.create("console@commander", category="order", text="Evacuate Block 7", seat="commander")
            position = UnitState.create("sim", uid="r1", unit_kind="responder", callsign="Rescue 1",
                                        lat=30.3, lon=120.1)
            seat.bus.publish(topics.events, order.encode()).wait_for_publish(5)
            seat.bus.publish(topics.unit("r1"), position.encode()).wait_for_publish(5)
            assert wait_until(lambda: {order.id, position.id} <= set(consumer.delivered), 5)
            hq.stop()
            cut = time.monotonic()
            assert wait_until(lambda: backhaul(seat).state == "down", DETECT_S)
            assert time.monotonic() - cut < DETECT_S
            late = Event.create("console@commander", category="note", text="Written during the outage")
            seat.bus.publish(topics.events, late.encode()).wait_for_publish(5)
            assert wait_until(lambda: backhaul(seat).backlog >= 2, 3)  # the outage event and the note
            hq.restart()
            assert wait_until(lambda: late.id in consumer.delivered, 10)
            assert wait_until(lambda: backhaul(seat).state == "up", 3)
            texts = [e.text for e in store.events_since(None)]
            assert any(t.startswith("Backhaul to HQ down") for t in texts)
            assert wait_until(lambda: any(t.startswith("Backhaul to HQ restored")
                                          for t in [e.text for e in store.events_since(None)]), 3)
        finally:
            gateway.stop()
            store.close()
    assert len(consumer.delivered) == len(set(consumer.delivered))


def test_without_an_uplink_the_gateway_says_not_configured(broker, tmp_path):
    from support import Recorder, write_config

    from radios.config import load_config
    from radios.gateway import Gateway
    from radios.schema import decode

    config = load_config(write_config(tmp_path, broker))
    with Store(config.store_path) as vehicle_store:
        gateway = Gateway(config, vehicle_store)
        assert gateway.uplink is None
        gateway.start()
        try:
            with Recorder(broker, gateway.topics.backhaul, "seat") as seat:
                gateway.publish_status()
                assert wait_until(lambda: seat.on(gateway.topics.backhaul), 5)
                assert decode(seat.on(gateway.topics.backhaul)[-1], BackhaulState).state == "not_configured"
        finally:
            gateway.stop()
        assert vehicle_store.count("outbox") == 0  # nothing is queued for an HQ that is not there
