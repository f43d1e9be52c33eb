"""The comms seat's link commands end to end: a real gateway, mosquitto, socat ptys and a seat asking on cmd/link."""

import sys
import threading
from pathlib import Path

import pytest
from support import Recorder, wait_until, write_config

sys.path.insert(0, str(Path(__file__).parent))  # pty_peer.py sits beside this file
from pty_peer import Feeder, PtyPair, gga  # noqa: E402

from radios.bus import BusSettings, MqttBus  # noqa: E402
from radios.config import load_config  # noqa: E402
from radios.gateway import Gateway  # noqa: E402
from radios.schema import (  # noqa: E402
    CommandReply, LinkCommand, LinkState, LinkTraffic, PayloadError, SerialPorts, decode,
)
from radios.store import Store  # noqa: E402


@pytest.fixture
def cables(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with PtyPair(tmp_path / "a") as first, PtyPair(tmp_path / "b") as second:
        yield first, second


@pytest.fixture
def gateway(broker, tmp_path, cables):
    first, _ = cables
    links = (f'\n[[links]]\nid = "radio-1"\ntype = "serial"\nurl = "{first.device}"\nprofile = "nmea"\n'
             'unit = "engine-3"\nbaud = 4800\n'
             '\n[[links]]\nid = "field"\ntype = "mqtt"\nurl = "mqtt://127.0.0.1:1"\n'
             '\n[[links]]\nid = "tak"\ntype = "cot"\nurl = "udp://127.0.0.1:0"\nenabled = false\n')
    config = load_config(write_config(tmp_path, broker, links))
    store = Store(config.store_path)
    running = Gateway(config, store)
    running.start()
    assert running.bus.wait_connected(5)
    assert wait_until(lambda: running.links["radio-1"].is_open, 5)
    yield running
    running.stop()
    store.close()


@pytest.fixture
def seat(broker):
    bus = MqttBus(BusSettings(broker.host, broker.port, "comms-seat"), on_message=lambda *a: None)
    bus.start()
    assert bus.wait_connected(5)
    yield bus
    bus.stop()


def ask(seat: MqttBus, gateway: Gateway, action: str, link: str = "radio-1", url: str | None = None) -> CommandReply:
    command = LinkCommand.create("console@test", link=link, action=action, seat="comms", url=url)
    raw = seat.request_sync(gateway.topics.command("link"), command.encode(), timeout_s=10)
    assert raw is not None, "the gateway did not answer"
    reply = decode(raw, CommandReply)
    assert reply.request == command.id
    return reply


def link_events(gateway: Gateway) -> list[str]:
    return [e.text for e in gateway.store.events_since(None) if e.category == "link"]


def test_disable_stops_the_worker_and_enable_brings_positions_back(gateway, seat, broker, cables):
    first, _ = cables
    topics = gateway.topics
    with Feeder(first, gga()), Recorder(broker, topics.link("radio-1"), "watcher") as watcher:
        assert wait_until(lambda: gateway.links["radio-1"].status().state == "up", 5)
        assert ask(seat, gateway, "disable").ok
        assert "radio-1" not in gateway.links
        assert wait_until(lambda: decode(watcher.on(topics.link("radio-1"))[-1], LinkState).state == "disabled", 5)
        assert "Link radio-1 disabled by comms" in link_events(gateway)
        gateway.publish_status()  # the heartbeat keeps saying disabled
        assert wait_until(lambda: decode(watcher.on(topics.link("radio-1"))[-1], LinkState).state == "disabled", 5)
        stored = len(gateway.store.track("engine-3"))
        assert ask(seat, gateway, "enable").ok
        assert wait_until(lambda: gateway.links["radio-1"].status().state == "up", 5)
        assert wait_until(lambda: len(gateway.store.track("engine-3")) > stored, 5)
        assert "Link radio-1 enabled by comms" in link_events(gateway)


def test_reconnect_starts_a_new_worker_on_the_same_port(gateway, seat, cables):
    first, _ = cables
    before = gateway.links["radio-1"]
    with Feeder(first, gga()):
        assert ask(seat, gateway, "reconnect").ok
        after = gateway.links["radio-1"]
        assert after is not before
        assert len([t for t in threading.enumerate() if t.name == "serial-radio-1"]) == 1  # the old reader ended
        assert wait_until(lambda: after.status().state == "up", 5)
    assert "Link radio-1 reconnected by comms" in link_events(gateway)


def test_set_url_moves_a_serial_link_to_another_port(gateway, seat, cables):
    first, second = cables
    reply = ask(seat, gateway, "set_url", url=str(second.device))
    assert reply.ok and reply.item["url"] == str(second.device)
    assert gateway.links["radio-1"].config.url == str(second.device)
    with Feeder(second, gga("3017.000", "12011.000")):
        assert wait_until(lambda: any(abs(p.lat - 30.2833) < 1e-3 for p in gateway.store.track("engine-3")), 5)
    assert any("moved from" in text and str(second.device) in text for text in link_events(gateway))


def test_refusals_name_the_link_and_the_fix(gateway, seat):
    unknown = ask(seat, gateway, "reconnect", link="nope")
    assert not unknown.ok and "no link 'nope'" in unknown.error and "radio-1" in unknown.error
    tak = ask(seat, gateway, "enable", link="tak")
    assert not tak.ok and "restart the gateway" in tak.error
    mqtt_port = ask(seat, gateway, "set_url", link="field", url="/dev/ttyUSB0")
    assert not mqtt_port.ok and "not a serial port" in mqtt_port.error
    assert gateway.links["radio-1"].is_open  # nothing else moved


@pytest.mark.parametrize("raw", [b"", b"\xff\xfe", b"[]", b'{"kind":"link_command"}', b"{" * 5000,
                                 LinkCommand.create("x", link="radio-1", action="disable", seat="s").encode()
                                 .replace(b'"disable"', b'"format_disk"')])
def test_hostile_commands_are_refused_and_counted(gateway, seat, raw):
    before = gateway.bad_input.count("cmd/link")
    reply = seat.request_sync(gateway.topics.command("link"), raw, timeout_s=10)
    assert reply is not None and not decode(reply, CommandReply).ok
    assert gateway.bad_input.count("cmd/link") == before + 1
    assert gateway.links["radio-1"].is_open


def test_watch_copies_raw_frames_garbage_included(gateway, seat, broker, cables):
    first, _ = cables
    topics = gateway.topics

    def frames() -> list[bytes]:
        gateway.link_control.tap.flush()  # what the heartbeat does every second
        return [bytes.fromhex(data) for raw in monitor.on(topics.link_traffic("radio-1"))
                for direction, data in decode(raw, LinkTraffic).frames]

    with Recorder(broker, topics.link_traffic("radio-1"), "monitor") as monitor:
        assert first.send(b"not watched yet\r\n")
        assert wait_until(lambda: gateway.bad_input.count("link/radio-1") == 1, 5)
        assert ask(seat, gateway, "watch").ok
        assert first.send(gga() + b"\x00\x01garbage\xff\r\n")
        assert wait_until(lambda: any(b"garbage\xff" in frame for frame in frames()), 5)
        seen = frames()
    assert gga().rstrip(b"\r\n") in seen
    assert not any(b"not watched" in frame for frame in seen)


def test_the_port_list_is_retained_for_every_seat(gateway, broker):
    with Recorder(broker, gateway.topics.serial_ports, "late-seat") as late:
        assert wait_until(lambda: late.on(gateway.topics.serial_ports), 5)
        ports = decode(late.on(gateway.topics.serial_ports)[-1], SerialPorts).ports
    assert all(port["device"] for port in ports)


@pytest.mark.parametrize("ports", [[{"device": ""}], [{"device": 3}], ["ttyS0"], [{"device": "x", "hwid": 7}]])
def test_malformed_port_lists_are_refused(ports):
    with pytest.raises(PayloadError):
        SerialPorts.create("gateway", ports=ports)
