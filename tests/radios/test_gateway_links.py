"""The gateway's serial links end to end: a pty NMEA radio and GPS, a real mosquitto, a real store."""

import sys
from pathlib import Path

import pytest
from support import Recorder, wait_until, write_config

sys.path.insert(0, str(Path(__file__).parent))  # pty_peer.py sits beside this file
from pty_peer import Feeder, PtyPair, gga  # noqa: E402

from radios.config import load_config  # noqa: E402
from radios.gateway import Gateway  # noqa: E402
from radios.schema import LinkState, UnitState, decode  # noqa: E402
from radios.store import Store  # noqa: E402


@pytest.fixture
def cables(tmp_path):
    (tmp_path / "radio").mkdir()
    (tmp_path / "gps").mkdir()
    with PtyPair(tmp_path / "radio") as radio, PtyPair(tmp_path / "gps") as gps:
        yield radio, gps


@pytest.fixture
def gateway(broker, tmp_path, cables):
    radio, gps = cables
    links = (
        f'\n[[links]]\nid = "radio-1"\ntype = "serial"\nurl = "{radio.device}"\nprofile = "nmea"\n'
        'unit = "engine-3"\nbaud = 4800\n'
        f'\n[[links]]\nid = "gps"\ntype = "serial"\nurl = "{gps.device}"\nprofile = "gps"\n'
        '\n[[links]]\nid = "spare"\ntype = "serial"\nurl = "/dev/ttyUSB9"\nenabled = false\n'
    )
    config = load_config(write_config(tmp_path, broker, links))
    store = Store(config.store_path)
    running = Gateway(config, store)
    running.start()
    assert running.bus.wait_connected(5)
    assert wait_until(lambda: all(link.is_open for link in running.links.values()), 5)
    yield running
    running.stop()
    store.close()


def retained(recorder: Recorder, topic: str, kind):
    payloads = recorder.on(topic)
    return decode(payloads[-1], kind) if payloads else None


def test_nmea_positions_become_retained_units_and_link_states(gateway, broker, cables):
    radio, gps = cables
    topics = gateway.topics
    with Feeder(radio, gga("3016.500", "12010.250")), Feeder(gps, gga("3015.000", "12009.000")):
        assert wait_until(lambda: {u.uid for u in gateway.store.units()} == {"engine-3", "test-1"}, 10)
        assert wait_until(lambda: gateway.links["radio-1"].status().state == "up", 5)
        assert wait_until(lambda: gateway.links["gps"].status().state == "up", 5)
        gateway.publish_status()
        with Recorder(broker, f"{topics.root}/#", "late-seat") as seat:
            assert wait_until(lambda: seat.on(topics.unit("engine-3")) and seat.on(topics.unit("test-1")), 5)
            assert wait_until(lambda: seat.on(topics.link("spare")), 5)
            engine = retained(seat, topics.unit("engine-3"), UnitState)
            vehicle = retained(seat, topics.unit("test-1"), UnitState)
            link = retained(seat, topics.link("radio-1"), LinkState)
            spare = retained(seat, topics.link("spare"), LinkState)
    assert (engine.unit_kind, engine.lat) == ("radio", pytest.approx(30.275))
    assert (vehicle.unit_kind, vehicle.callsign) == ("vehicle", "Test vehicle")
    assert link.state == "up" and link.messages_in > 0 and link.last_seen
    assert spare.state == "disabled"
    track = gateway.store.track("engine-3")
    assert len(track) == len({state.id for state in track}), "a position came back from the bus and was stored twice"
    ups = [e for e in gateway.store.events_since(None) if e.category == "link" and "radio-1 up" in e.text]
    assert ups and ups[0].severity == "info"


def test_unplug_is_a_down_event_and_replug_brings_the_link_back(gateway, broker, cables):
    radio, _ = cables
    topics = gateway.topics
    link = gateway.links["radio-1"]
    with Feeder(radio, gga()):
        assert wait_until(lambda: link.status().state == "up", 5)
        radio.unplug()
        assert wait_until(lambda: link.status().state == "down", 2)
        assert wait_until(lambda: any(e.severity == "warning" and "radio-1 down" in e.text
                                      for e in gateway.store.events_since(None)), 5)
        with Recorder(broker, topics.link("radio-1"), "tech-seat") as seat:
            assert wait_until(lambda: seat.on(topics.link("radio-1")), 5)
            assert retained(seat, topics.link("radio-1"), LinkState).state == "down"
        radio.plug()
        assert wait_until(lambda: link.status().state == "up", 2.5)


def test_garbled_sentences_are_counted_and_the_link_stays_up(gateway, cables):
    radio, _ = cables
    good = gga()
    for raw in (b"$GPGGA,garbage*00\r\n", good[:-5] + b"00\r\n", "$GPGGA,ü*41\r\n".encode(), good):
        assert radio.send(raw)
    assert wait_until(lambda: gateway.links["radio-1"].status().messages_in == 1, 5)
    assert gateway.bad_input.count("link/radio-1") == 3
    assert gateway.links["radio-1"].status().errors == 3
    assert gateway.links["radio-1"].status().state == "up"
