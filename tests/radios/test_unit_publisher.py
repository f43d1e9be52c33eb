"""UnitPublishWorker against a real store and a real mosquitto: every position stored, each unit's latest out."""

from support import Recorder, wait_until

from radios.bus import BusSettings, MqttBus
from radios.schema import Topics, UnitState, decode, new_id, utc_now
from radios.store import Store
from radios.unit_publisher import UnitPublishWorker

TOPICS = Topics("test-1")


def position(uid: str, n: int) -> UnitState:
    return UnitState(id=new_id(), ts=utc_now(), src="gateway/test", uid=uid, unit_kind="responder", callsign=uid,
                     lat=30.0 + n * 1e-4, lon=120.0, heading=float(n % 360))


def test_every_position_is_stored_and_each_units_latest_goes_out_once_durable(broker, tmp_path):
    store = Store(tmp_path / "mcv.sqlite3")
    bus = MqttBus(BusSettings(broker.host, broker.port, "unit-publisher-test"), on_message=lambda *a: None)
    worker = UnitPublishWorker(store, TOPICS, bus.publish, coalesce_s=0.2)
    with Recorder(broker, TOPICS.all_units) as recorder:
        bus.start()
        assert bus.wait_connected(5)
        worker.start()
        try:
            sent = [position(f"dev-{i % 10}", i) for i in range(500)]
            receipts = [worker.submit(state) for state in sent]
            assert all(receipt.result(timeout=10) for receipt in receipts)
            latest = {state.uid: state for state in sent}
            assert wait_until(lambda: all(recorder.on(TOPICS.unit(uid)) for uid in latest), 10)
            assert wait_until(lambda: all(decode(recorder.on(TOPICS.unit(uid))[-1], UnitState).id == state.id
                                          for uid, state in latest.items()), 10)
            assert store.count("positions") == 500
            assert worker.published + worker.coalesced == 500
            assert worker.coalesced > 0  # 50 positions a unit inside one tick are not 50 publishes
            for uid, state in latest.items():  # what a seat sees is what the store holds
                assert store.track(uid)[-1].id == state.id
        finally:
            worker.stop()
            bus.stop()
            store.close()


def test_nothing_goes_on_the_bus_before_its_write_commits(tmp_path):
    store = Store(tmp_path / "mcv.sqlite3")
    published: list[tuple[str, bytes]] = []
    committed_when_published: list[bool] = []

    def publish(topic: str, payload: bytes, **_: object) -> None:
        """Worker thread: record whether the store already holds this position."""
        state = decode(payload, UnitState)
        committed_when_published.append(any(p.id == state.id for p in store.track(state.uid)))
        published.append((topic, payload))

    worker = UnitPublishWorker(store, TOPICS, publish, coalesce_s=0.01)
    worker.start()
    try:
        for n in range(50):
            worker.submit(position(f"unit-{n % 3}", n))
        assert wait_until(lambda: len(published) >= 3 and not worker._latest, 10)
    finally:
        worker.stop()
        store.close()
    assert committed_when_published and all(committed_when_published)


def test_each_published_state_is_handed_on_once_after_its_publish_and_a_failing_watcher_stops_nothing(tmp_path):
    store = Store(tmp_path / "mcv.sqlite3")
    events: list[tuple[str, str]] = []

    def publish(topic: str, payload: bytes, **_: object) -> None:
        events.append(("published", topic.rsplit("/", 1)[-1]))

    def on_published(state) -> None:
        events.append(("handed on", state.uid))
        if state.uid == "unit-1":
            raise RuntimeError("a watcher's bug")

    worker = UnitPublishWorker(store, TOPICS, publish, on_published=on_published, coalesce_s=0.01)
    worker.start()
    try:
        for n in range(3):
            worker.submit(position(f"unit-{n}", n))
            assert wait_until(lambda: ("handed on", f"unit-{n}") in events, 10)
    finally:
        worker.stop()
        store.close()
    assert events == [(what, f"unit-{n}") for n in range(3) for what in ("published", "handed on")]


def test_a_unit_refused_by_a_full_bus_goes_out_next_round(tmp_path):
    import paho.mqtt.client as mqtt

    store = Store(tmp_path / "mcv.sqlite3")
    calls: list[str] = []

    class Refused:
        rc = mqtt.MQTT_ERR_QUEUE_SIZE

    def publish(topic: str, payload: bytes, **_: object):
        """Worker thread: the bus's queue is full the first time."""
        calls.append(topic)
        return Refused() if len(calls) == 1 else None

    worker = UnitPublishWorker(store, TOPICS, publish, coalesce_s=0.01)
    worker.start()
    try:
        state = position("unit-1", 1)
        worker.submit(state)
        assert wait_until(lambda: len(calls) == 2, 10)
        assert worker.published == 1 and calls == [TOPICS.unit("unit-1")] * 2
    finally:
        worker.stop()
        store.close()
