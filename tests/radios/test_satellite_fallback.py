"""Satellite fallback: alarms and orders go by SBD while IP is down, and HQ handles each once.

Real peers: the modem emulator on a socat pty, the store, and in the last test the
gateway with a local mosquitto and an "HQ" mosquitto stopped and restarted by its PID.
"""

import sys
from pathlib import Path

import pytest
from support import wait_until

sys.path.insert(0, str(Path(__file__).parent))  # pty_peer.py and uplink_peers.py sit beside this file
from pty_peer import PtyPair  # noqa: E402
from uplink_peers import HqBroker, HqConsumer  # noqa: E402

from radios.at_modem import AtModem, ModemSettings  # noqa: E402
from radios.config import LinkConfig  # noqa: E402
from radios.hq_dedup import payload_id  # noqa: E402
from radios.hq_sbd import accept_sbd  # noqa: E402
from radios.modem_emulator import ModemEmulator  # noqa: E402
from radios.outbox_policy import (  # noqa: E402
    PRIORITY_ALARM, PRIORITY_EVENT, PRIORITY_ORDER, PRIORITY_POSITION, OutboxItem,
)
from radios.satellite_fallback import SatelliteFallback, next_for_satellite, should_send  # noqa: E402
from radios.sbd_codec import decode  # noqa: E402
from radios.schema import Alarm, Event, UnitState  # noqa: E402
from radios.store import Store  # noqa: E402


def _row(seq, priority, id=None):
    return OutboxItem(seq, id or f"id-{seq:04d}", priority, "t", b"{}", "", 0)


def test_only_alarms_and_orders_not_yet_sent_are_chosen_alarms_first():
    rows = [_row(1, PRIORITY_POSITION), _row(2, PRIORITY_EVENT), _row(3, PRIORITY_ORDER), _row(4, PRIORITY_ALARM)]
    assert next_for_satellite(rows, set()).seq == 4
    assert next_for_satellite(rows, {"id-0004"}).seq == 3
    assert next_for_satellite(rows, {"id-0004", "id-0003"}) is None
    assert next_for_satellite([], set()) is None


def test_a_session_starts_only_while_ip_is_down_the_modem_is_ready_and_no_back_off_runs():
    assert should_send(ip_up=False, modem_ready=True, now=10.0, retry_at=10.0)
    assert not should_send(ip_up=True, modem_ready=True, now=10.0, retry_at=0.0)
    assert not should_send(ip_up=False, modem_ready=False, now=10.0, retry_at=0.0)
    assert not should_send(ip_up=False, modem_ready=True, now=9.9, retry_at=10.0)


@pytest.fixture
def cable(tmp_path):
    with PtyPair(tmp_path) as pair:
        yield pair


def _put(store, item, priority):
    store.outbox_put(item.id, priority, "mcv/v1/test-1/event", item.encode()).result(5)


def test_the_outbox_alarms_and_orders_go_by_sbd_only_while_ip_is_down(cable, tmp_path):
    ip = {"up": True}
    store = Store(tmp_path / "store.sqlite3")
    position = UnitState.create("sim", uid="r1", unit_kind="responder", callsign="R1", lat=30.0, lon=120.0)
    note = Event.create("console@commander", category="note", text="Crowd at the gate")
    order = Event.create("console@commander", category="order", text="Evacuate Block 7", seat="commander")
    alarm = Event.create("gateway", category="alarm", severity="alarm", text="SOS: Rescue 2", unit="r2")
    for item, priority in ((position, PRIORITY_POSITION), (note, PRIORITY_EVENT), (order, PRIORITY_ORDER),
                           (alarm, PRIORITY_ALARM)):
        _put(store, item, priority)
    logged: list[Event] = []
    emulator = ModemEmulator(str(cable.far_end)).start()
    assert emulator.wait_open()
    modem = AtModem(LinkConfig(id="satcom", type="modem", url=str(cable.device), profile="sbd"),
                    ModemSettings(poll_s=0.1, command_timeout_s=1.5, sbdix_timeout_s=3.0, retries=1))
    fallback = SatelliteFallback(store, modem, lambda: ip["up"], on_event=logged.append, retry_after_s=0.3,
                                 tick_s=0.05)
    polls = lambda: emulator.commands.count("AT+CSQ")  # noqa: E731 - the modem's own clock, seen from outside
    try:
        modem.start()
        fallback.start()
        assert wait_until(lambda: modem.can_send, 5)
        seen = polls()
        assert wait_until(lambda: polls() >= seen + 3, 5)
        assert emulator.messages() == []  # IP is up: the uplink's job

        emulator.sbdix_status = 18  # the first session fails: tried again after the back-off
        ip["up"] = False
        assert wait_until(lambda: fallback.failures >= 1, 5)
        emulator.sbdix_status = 0
        assert wait_until(lambda: len(emulator.messages()) == 2, 5)
        assert [decode(m).id for m in emulator.messages()] == [alarm.id, order.id]
        sent_order = decode(emulator.messages()[1])
        assert (sent_order.category, sent_order.seat, sent_order.text) == ("order", "commander", "Evacuate Block 7")
        seen = polls()
        assert wait_until(lambda: polls() >= seen + 3, 5)
        assert len(emulator.messages()) == 2  # the note and the position never go by satellite
        assert fallback.sent_ids() == {alarm.id, order.id}
        assert [e.text.split(":")[0] for e in logged] == ["Backhaul down"] * 2
        assert store.outbox_counts() == {PRIORITY_ALARM: 1, PRIORITY_ORDER: 1, PRIORITY_EVENT: 1,
                                         PRIORITY_POSITION: 1}  # rows stay until HQ acknowledges over IP

        ip["up"] = True
        late = Event.create("gateway", category="alarm", severity="alarm", text="SOS: Rescue 4")
        _put(store, late, PRIORITY_ALARM)
        seen = polls()
        assert wait_until(lambda: polls() >= seen + 3, 5)
        assert len(emulator.messages()) == 2
    finally:
        fallback.stop()
        modem.stop()
        emulator.stop()
        store.close()


def test_an_alarm_raised_during_an_outage_goes_by_satellite_and_hq_handles_it_once(broker, cable, tmp_path):
    from support import Recorder, write_config

    from radios.config import load_config
    from radios.gateway import Gateway

    hq = HqBroker(tmp_path / "hq").start()
    emulator = ModemEmulator(str(cable.far_end), signal=4).start()
    assert emulator.wait_open()
    config = load_config(write_config(tmp_path, broker, (
        f'\n[uplink]\nurl = "{hq.url}"\n\n'
        f'[[links]]\nid = "satcom"\ntype = "modem"\nurl = "{cable.device}"\nprofile = "sbd"\nbaud = 19200\n')))
    store = Store(config.store_path)
    gateway = Gateway(config, store)
    topics = gateway.topics
    handled_by_satellite: list[str] = []  # what HQ's SBD intake handled (accept_sbd), in order
    try:
        with HqConsumer(hq) as consumer, Recorder(broker, topics.events, "seat") as seat:
            gateway.start()
            modem = gateway.links["satcom"]
            assert wait_until(lambda: gateway.uplink.is_up and modem.can_send, 10)
            assert "signal 4/5" in modem.status().detail and modem.status().state == "up"

            hq.stop()
            assert wait_until(lambda: gateway.uplink.in_outage, 5)
            note = Event.create("console@commander", category="note", text="Written during the outage")
            seat.bus.publish(topics.events, note.encode()).wait_for_publish(5)
            sos = Alarm.create("bodycam-r2", alarm_kind="sos", text="Rescue 2: SOS pressed", unit="r2",
                               lat=30.3216, lon=120.166)
            seat.bus.publish(topics.sos, sos.encode(), qos=1).wait_for_publish(5)

            assert wait_until(lambda: len(emulator.messages()) == 1, 10)
            raised = next(e for e in store.events_since(None) if e.severity == "alarm")
            for message in emulator.messages():
                item = accept_sbd(consumer.dedup, message)  # HQ's intake from the satellite operator
                if item is not None:
                    handled_by_satellite.append(item.id)
            assert handled_by_satellite == [raised.id]
            assert decode(emulator.messages()[0]).text == "SOS: Rescue 2: SOS pressed"
            assert wait_until(lambda: any("sent to HQ by satellite" in e.text for e in store.events_since(None)), 5)

            hq.restart()
            ip_copies = lambda: [payload_id(p) for _, p in consumer.raw]  # noqa: E731
            assert wait_until(lambda: raised.id in ip_copies() and note.id in consumer.delivered, 15)
            assert wait_until(lambda: PRIORITY_ALARM not in store.outbox_counts(), 5)  # acknowledged over IP
            assert raised.id not in consumer.delivered  # the IP copy was dropped by id ...
            assert (handled_by_satellite + consumer.delivered).count(raised.id) == 1  # ... so HQ handled it once
            assert len(emulator.messages()) == 1  # the note and the log entries never went by satellite
    finally:
        gateway.stop()
        store.close()
        emulator.stop()
        hq.stop()


def test_a_modem_link_with_an_unknown_profile_is_shown_disabled_with_the_fix(broker, tmp_path):
    from support import write_config

    from radios.config import load_config
    from radios.gateway import Gateway

    config = load_config(write_config(tmp_path, broker, (
        '\n[[links]]\nid = "satcom"\ntype = "modem"\nurl = "/dev/null-modem"\nprofile = "iridium"\n')))
    store = Store(config.store_path)
    try:
        gateway = Gateway(config, store)
        assert "satcom" not in gateway.links and gateway.satellite is None
        idle = gateway._idle_links["satcom"]
        assert idle.state == "disabled" and "use one of sbd, cellular" in idle.detail
    finally:
        store.close()
