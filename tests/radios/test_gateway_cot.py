"""Cursor-on-Target through the gateway: pytak as the TAK device, a real mosquitto, a real store."""

import socket
import sys
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest
import takproto
from support import Recorder, wait_until, write_config

sys.path.insert(0, str(Path(__file__).parent))  # tak_peer.py sits beside this file
from tak_peer import (  # noqa: E402
    ATAK_SA, BILLION_LAUGHS, CHAT, EMERGENCY, LOOPBACK, free_port, pytak_receive, pytak_send,
)

from radios.config import load_config  # noqa: E402
from radios.cot import parse  # noqa: E402
from radios.gateway import Gateway  # noqa: E402
from radios.schema import Message, UnitState, decode  # noqa: E402
from radios.store import Store  # noqa: E402


@pytest.fixture
def ports():
    return free_port(), free_port()


@pytest.fixture
def gateway(broker, tmp_path, ports):
    listen, peer = ports
    extra = (f'\n[[links]]\nid = "tak"\ntype = "cot"\n'
             f'url = "udp://{LOOPBACK}:{listen}?peer={LOOPBACK}:{peer}&send_every=0.2"\n')
    config = load_config(write_config(tmp_path, broker, extra))
    store = Store(config.store_path)
    running = Gateway(config, store)
    running.start()
    assert running.bus.wait_connected(5)
    assert wait_until(lambda: running.links["tak"].is_open, 5)
    yield running
    running.stop()
    store.close()


def send(ports, *events: bytes, protobuf: bool = False) -> None:
    pytak_send(f"udp+wo://{LOOPBACK}:{ports[0]}", list(events), protobuf=protobuf)


def events(gateway: Gateway, category: str):
    return [e for e in gateway.store.events_since(None) if e.category == category]


def test_a_tak_contact_appears_on_the_bus_as_a_unit_with_its_video(gateway, broker, ports):
    topics = gateway.topics
    uid = "ANDROID-359975090666199"
    with Recorder(broker, f"{topics.root}/unit/+") as seat:
        send(ports, ATAK_SA, protobuf=True)
        assert wait_until(lambda: seat.on(topics.unit(uid)), 5)
        unit = decode(seat.on(topics.unit(uid))[-1], UnitState)
    assert (unit.unit_kind, unit.callsign, unit.lat, unit.lon) == ("tak", "ALPHA-1", 30.2741, 120.1551)
    assert (unit.alt, unit.heading, unit.speed) == (21.5, 271.0, 1.5)
    assert unit.stream == "rtsp://192.168.10.40:8554/alpha"
    assert wait_until(lambda: uid in {u.uid for u in gateway.store.units()}, 5)
    assert [e.text for e in events(gateway, "video")] == ["Video from ALPHA-1: rtsp://192.168.10.40:8554/alpha"]


def test_an_emergency_is_an_open_alarm_once_and_a_cancel_is_logged(gateway, ports):
    send(ports, EMERGENCY, EMERGENCY)   # ATAK repeats an open emergency
    assert wait_until(lambda: gateway.store.alarms("active"), 5)
    cancel = EMERGENCY.replace(b"b-a-o-tbl", b"b-a-o-can").replace(b'type="911 Alert"', b'cancel="true"')
    send(ports, cancel)
    assert wait_until(lambda: any("cancelled" in e.text for e in events(gateway, "alarm")), 5)
    alarms = gateway.store.alarms("active")
    assert len(alarms) == 1, "a repeated emergency raised a second alarm"
    assert (alarms[0].alarm_kind, alarms[0].unit) == ("sos", "ANDROID-1")
    assert "911 Alert" in alarms[0].text and (alarms[0].lat, alarms[0].lon) == (30.27, 120.15)


def test_chat_becomes_a_message_in_the_log(gateway, ports):
    send(ports, CHAT, CHAT)
    assert wait_until(lambda: events(gateway, "message"), 5)
    assert wait_until(lambda: gateway.links["tak"].status().messages_in >= 2, 5)
    assert [e.text for e in events(gateway, "message")] == ["From ALPHA-1: Water rising at the <east> gate"]
    assert events(gateway, "message")[0].unit == "ANDROID-1"


def test_our_units_go_out_as_cot_and_tak_units_do_not(gateway, ports):
    ours = UnitState.create("test", uid="engine-3", unit_kind="radio", callsign="Engine 3", lat=30.2, lon=120.1,
                            alt=12.0, heading=90.0, speed=3.0, stream="rtsp://admin:secret@10.0.0.5/main")
    drone = UnitState.create("test", uid="drone-1", unit_kind="drone", callsign="Drone 1", lat=30.3, lon=120.2)
    gateway.store.add_unit_state(ours).result(5)
    gateway.store.add_unit_state(drone).result(5)
    send(ports, ATAK_SA)
    assert wait_until(lambda: len(gateway.store.units()) == 3, 5)
    by_uid = {}

    def both_heard(data: bytes) -> bool:
        by_uid[SafeET.fromstring(data).get("uid")] = data
        return {"mcv-test-1-engine-3", "mcv-test-1-drone-1"} <= set(by_uid)

    pytak_receive(f"udp://{LOOPBACK}:{ports[1]}", both_heard, timeout_s=5)
    assert {"mcv-test-1-engine-3", "mcv-test-1-drone-1"} <= set(by_uid)
    assert not any("ANDROID" in uid for uid in by_uid), "a TAK unit was echoed back to TAK"
    engine = parse(by_uid["mcv-test-1-engine-3"])
    assert (engine.type, engine.callsign, engine.hae, engine.course) == ("a-f-G-U-C", "Engine 3", 12.0, 90.0)
    assert engine.video_url == "rtsp://10.0.0.5/main", "camera credentials went out to TAK"
    drone_proto = takproto.xml2proto(by_uid["mcv-test-1-drone-1"])
    assert takproto.parse_proto(drone_proto).cotEvent.type == "a-f-A-M-F-Q"
    send(ports, by_uid["mcv-test-1-engine-3"])   # our own SA heard back, as multicast loops it
    send(ports, ATAK_SA)
    assert wait_until(lambda: gateway.links["tak"].status().messages_in >= 3, 5)
    assert {u.unit_kind for u in gateway.store.units() if u.uid.startswith("mcv-")} == set()


def test_hostile_cot_is_counted_and_the_link_stays_up(gateway, ports):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as noise:
        for _ in range(3):
            noise.sendto(BILLION_LAUGHS, (LOOPBACK, ports[0]))
            noise.sendto(b"\xbf\x01\xbf\x0a\xff", (LOOPBACK, ports[0]))
    send(ports, ATAK_SA)
    assert wait_until(lambda: gateway.bad_input.count("link/tak") == 6, 5)
    assert wait_until(lambda: "ANDROID-359975090666199" in {u.uid for u in gateway.store.units()}, 5)
    assert gateway.links["tak"].is_open and gateway.links["tak"].status().state in ("up", "degraded")
    assert not gateway.store.alarms("active")


def test_seats_messages_go_out_as_geochat_to_everyone_and_to_one_tak_user(gateway, broker, ports):
    send(ports, ATAK_SA)
    uid = "ANDROID-359975090666199"
    assert wait_until(lambda: uid in {u.uid for u in gateway.store.units()}, 5)
    to_all = Message.create("console@seat-1", to="all", text="Assemble at <gate 2> & wait", state="sent")
    to_alpha = Message.create("console@seat-1", to=uid, text="ALPHA, report", state="sent")
    chats: dict[str, object] = {}
    with Recorder(broker, "none/#", "seat-1") as seat, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as peer:
        peer.bind((LOOPBACK, ports[1]))
        peer.settimeout(0.2)

        def heard_both() -> bool:
            for message in (to_all, to_alpha):   # again until heard: the first may beat the subscription
                seat.bus.publish(gateway.topics.message(message.to), message.encode(), qos=1)
            try:
                while True:
                    event = parse(peer.recv(65536))
                    if event.is_chat:
                        chats[event.chat_text] = event
            except TimeoutError:
                pass
            return len(chats) == 2

        assert wait_until(heard_both, 10), chats
    everyone, alpha = chats["Assemble at <gate 2> & wait"], chats["ALPHA, report"]
    assert everyone.chat_recipients == ("All Chat Rooms",) and everyone.chat_sender == "Test vehicle"
    assert alpha.chat_recipients == (uid,) and alpha.uid.endswith(to_alpha.id)
    assert everyone.uid.startswith("GeoChat.mcv-test-1-console.")
