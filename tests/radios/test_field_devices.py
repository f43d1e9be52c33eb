"""MQTT field devices: the device formats fuzzed, and the link against real mosquitto brokers
(a password listener, a TLS listener with a client certificate, and a 3.1.1-only gatekeeper)."""

import json
import re
import select
import socket
import subprocess
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import Recorder, wait_until, write_config

from radios.broker import LocalBroker, free_port
from radios.bus import BusSettings, MqttBus, protocol_after_refusal
from radios.config import ConfigError, DeviceMappingConfig, load_config
from radios.device_format import DeviceError, DeviceFormat, own_format
from radios.gateway import Gateway
from radios.schema import LinkState, Topics, UnitState, decode
from radios.store import Store

sys.path.insert(0, str(Path(__file__).parent))  # tls_certs.py sits beside this file
from tls_certs import make_ca, make_certificate  # noqa: E402

TOPICS = Topics("test-1")
ACME = DeviceMappingConfig(id="acme", topic="acme/+/gps", lat="gps.latitude", lon="gps.longitude",
                           heading="gps.course", speed="gps.speed", battery="power.level", ts="time",
                           callsign="owner.name")
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=timezone.utc)

# -- device formats (pure) -------------------------------------------------------------


def test_own_format_reads_the_documented_json():
    own = DeviceFormat(own_format(TOPICS))
    topic = "mcv/v1/test-1/device/bodycam-r2/position"
    assert own.matches(topic) and not own.matches("mcv/v1/test-1/device/r2/status")
    body = {"lat": 30.32, "lon": 120.16, "alt": 12.5, "heading": 370, "speed": 1.4, "battery": 81,
            "ts": "2026-11-29T09:59:58Z", "callsign": "Rescue 2"}
    position = own.decode(topic, json.dumps(body).encode(), NOW)
    assert (position.device, position.callsign, position.heading, position.ts) == (
        "bodycam-r2", "Rescue 2", 10.0, "2026-11-29T09:59:58.000Z")
    state = position.to_unit_state("gateway/field")
    assert (state.unit_kind, state.uid, state.lat, state.alt, state.speed) == ("responder", "bodycam-r2", 30.32, 12.5, 1.4)
    assert own.decode(topic, b'{"lat": 1, "lon": 2}', NOW).ts == "2026-11-29T10:00:00.000Z"
    assert own.decode(topic, b'{"lat": 1, "lon": 2, "heading": -1e-20}', NOW).heading == 0.0


def test_a_devices_own_topic_and_fields_are_mapped():
    acme = DeviceFormat(ACME)
    body = {"gps": {"latitude": "30.3", "longitude": 120.1, "course": 90, "speed": 2},
            "power": {"level": 55}, "time": 1795946390123, "owner": {"name": "Medic 1"}}
    position = acme.decode("acme/cam-7/gps", json.dumps(body).encode(), NOW)
    assert (position.device, position.lat, position.lon, position.heading, position.battery, position.callsign) == (
        "cam-7", 30.3, 120.1, 90.0, 55.0, "Medic 1")
    assert position.ts.startswith("2026-11-29T")  # epoch milliseconds
    by_field = DeviceFormat(DeviceMappingConfig(id="x", topic="fleet/#", device="meta.serial", lat="fix.0",
                                                lon="fix.1"))
    assert by_field.matches("fleet/a/b") and not by_field.matches("other/a")
    position = by_field.decode("fleet/a", b'{"meta": {"serial": 4711}, "fix": [30.1, 120.2]}', NOW)
    assert (position.device, position.lat, position.lon) == ("4711", 30.1, 120.2)


@pytest.mark.parametrize("body, why", [
    (b"", "JSON"), (b"\xff\xfe", "JSON"), (b"[1, 2]", "object"), (b'{"lat": NaN, "lon": 1}', "number"),
    (b'{"lat": 1e999, "lon": 1}', "finite"), (b'{"lat": 91, "lon": 1}', "globe"), (b'{"lat": true, "lon": 1}', "number"),
    (b'{"lon": 1}', "no position"), (b'{"lat": "north", "lon": 1}', "number"),
    (b'{"lat": 1, "lon": 1, "battery": 300}', "percentage"), (b'{"lat": 1, "lon": 1, "speed": -3}', "negative"),
    (b'{"lat": 1, "lon": 1, "ts": "yesterday"}', "ISO"), (b'{"lat": 1, "lon": 1, "ts": "2026-11-29T10:00:00"}', "zone"),
    (b'{"lat": 1, "lon": 1, "ts": "2099-01-01T00:00:00Z"}', "future"), (b'{"lat": 1, "lon": 1, "ts": 5}', "2000"),
    (b'{"lat": 1, "lon": 1, "ts": 1e300}', "time"), (b"[" * 10_000, "JSON"), (b" " * 20_000, "limit"),
    (b'{"lat": 1' + b"0" * 400 + b', "lon": 1}', "too large"), (b'{"lat": 1' + b"0" * 5000 + b', "lon": 1}', "JSON"),
    (b'{"lat": 1, "lon": 1, "ts": 1' + b"0" * 30 + b"}", "time"),
])
def test_malformed_device_json_is_refused_with_a_reason(body, why):
    with pytest.raises(DeviceError, match=why):
        DeviceFormat(own_format(TOPICS)).decode("mcv/v1/test-1/device/r1/position", body, NOW)


def test_a_device_id_that_cannot_name_a_unit_is_refused():
    by_field = DeviceFormat(DeviceMappingConfig(id="x", topic="fleet/+", device="id"))
    for body in (b'{"id": "a/b", "lat": 1, "lon": 1}', b'{"id": " ", "lat": 1, "lon": 1}', b'{"lat": 1, "lon": 1}',
                 b'{"id": ["x"], "lat": 1, "lon": 1}'):
        with pytest.raises(DeviceError, match="device id"):
            by_field.decode("fleet/x", body, NOW)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=10**300, max_value=10**320) | st.floats()
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(body=st.dictionaries(st.sampled_from(["lat", "lon", "alt", "heading", "speed", "battery", "ts", "callsign",
                                             "gps", "x"]), json_values, max_size=8),
       device=st.text(max_size=20))
def test_hostile_json_gives_a_position_or_a_device_error(body, device):
    own = DeviceFormat(own_format(TOPICS))
    try:
        raw = json.dumps(body).encode()
    except ValueError:
        return
    try:
        position = own.decode(f"mcv/v1/test-1/device/{device}/position", raw, NOW)
    except DeviceError:
        return
    position.to_unit_state("gateway/field")  # whatever decodes is a valid bus payload


@settings(max_examples=200, deadline=None)
@given(raw=st.binary(max_size=300))
def test_hostile_bytes_give_a_device_error(raw):
    try:
        DeviceFormat(ACME).decode("acme/cam/gps", raw, NOW).to_unit_state("gateway/field")
    except DeviceError:
        pass


def test_only_a_broker_refusing_mqtt5_makes_the_bus_fall_back():
    assert protocol_after_refusal(mqtt.MQTTv5, 0x01) == mqtt.MQTTv311
    assert protocol_after_refusal(mqtt.MQTTv5, 0x84) == mqtt.MQTTv311
    assert protocol_after_refusal(mqtt.MQTTv5, 0x86) is None  # bad user name or password
    assert protocol_after_refusal(mqtt.MQTTv5, 0x87) is None  # not authorised
    assert protocol_after_refusal(mqtt.MQTTv311, 0x01) is None  # once only


# -- config ----------------------------------------------------------------------------

LINK = '\n[[links]]\nid = "field"\ntype = "mqtt"\nurl = "{url}"\n{extra}'


def test_config_maps_devices_and_hides_the_password(tmp_path, broker):
    (tmp_path / "field.pass").write_text("s3cret\n")
    (tmp_path / "field.pass").chmod(0o600)
    mapping = ('username = "mcv"\npassword_file = "field.pass"\n\n[[links.mapping]]\nid = "acme"\n'
               'topic = "acme/+/gps"\nlat = "gps.latitude"\nlon = "gps.longitude"\n')
    config = load_config(write_config(tmp_path, broker, LINK.format(url="mqtts://field.example:8884", extra=mapping)))
    link = config.links[0]
    assert link.password == "s3cret" and "s3cret" not in repr(link)
    assert link.mapping[0].lat == "gps.latitude"


@pytest.mark.parametrize("url, extra, complaint", [
    ("/dev/ttyUSB0", "", "does not start with mqtt://"),
    ("mqtt://u:p@host", "", "carries a password"),
    ("mqtt://host", '\n[[links.mapping]]\nid = "a"\ntopic = "acme/gps"\n', "no '+' level"),
    ("mqtt://host", '\n[[links.mapping]]\nid = "a"\ntopic = "acme/#/gps"\n', "not an MQTT topic filter"),
    ("mqtt://host", '\n[[links.mapping]]\nid = "a"\ntopic = "a/+"\nlat = "gps..lat"\n', "not a JSON field path"),
    ("mqtt://host", 'cert_file = "missing.pem"\n', "does not exist"),
])
def test_bad_field_link_config_names_the_key(tmp_path, broker, url, extra, complaint):
    with pytest.raises(ConfigError, match=re.escape(complaint)):
        load_config(write_config(tmp_path, broker, LINK.format(url=url, extra=extra)))


# -- real brokers ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """A CA, a server certificate for 127.0.0.1, a client certificate, and a CA nobody uses."""
    folder = tmp_path_factory.mktemp("certs")
    for ca in ("ca", "other-ca"):
        make_ca(folder, ca)
    make_certificate(folder, "server", "ca", ip="127.0.0.1")
    make_certificate(folder, "client", "ca")
    for path in folder.iterdir():
        path.chmod(0o600 if path.name == "client.key" else 0o644)  # the gateway's key stays private
    folder.chmod(0o755)
    return folder


@pytest.fixture
def field_broker(tmp_path, certs):
    """mosquitto with a password listener and a TLS listener that wants a client certificate."""
    folder = tmp_path / "field"
    folder.mkdir(mode=0o755)
    passwords = folder / "passwd"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(passwords), "mcv", "s3cret"], check=True, timeout=10,
                   capture_output=True)
    subprocess.run(["mosquitto_passwd", "-b", str(passwords), "bodycam", "cam-pass"], check=True, timeout=10,
                   capture_output=True)
    passwords.chmod(0o644)
    tls_port = free_port()
    extra = (f"password_file {passwords}\n"
             f"listener {tls_port} 127.0.0.1\ncafile {certs / 'ca.crt'}\ncertfile {certs / 'server.crt'}\n"
             f"keyfile {certs / 'server.key'}\nrequire_certificate true\n")
    with LocalBroker(extra_config=extra) as running:
        running.tls_port = tls_port
        yield running


def start_gateway(tmp_path: Path, vehicle_broker: LocalBroker, link: str):
    (tmp_path / "field.pass").write_text("s3cret\n")
    (tmp_path / "field.pass").chmod(0o600)
    config = load_config(write_config(tmp_path, vehicle_broker, link))
    store = Store(config.store_path)
    gateway = Gateway(config, store)
    gateway.start()
    assert gateway.bus.wait_connected(5)
    return gateway, store


def link_state(recorder: Recorder, link: str = "field") -> LinkState | None:
    payloads = recorder.on(TOPICS.link(link))
    return decode(payloads[-1], LinkState) if payloads else None


MAPPED = ('username = "mcv"\npassword_file = "field.pass"\n\n[[links.mapping]]\nid = "acme"\ntopic = "acme/+/gps"\n'
          'lat = "gps.latitude"\nlon = "gps.longitude"\ncallsign = "owner"\n')


def test_mapped_and_own_devices_become_retained_responders_and_garbage_is_counted(tmp_path, broker, field_broker):
    gateway, store = start_gateway(tmp_path, broker, LINK.format(url=field_broker.url, extra=MAPPED))
    link = gateway.links["field"]
    device = MqttBus(BusSettings(field_broker.host, field_broker.port, "bodycam-7", "bodycam", "cam-pass"),
                     on_message=lambda *a: None)
    try:
        with Recorder(broker, f"{TOPICS.root}/#", "seat") as seat:
            device.start()
            assert device.wait_connected(5) and wait_until(lambda: link.status().state != "down", 5)
            device.publish("acme/cam-7/gps", b'{"gps": {"latitude": 30.31, "longitude": 120.15}, "owner": "Medic 1"}')
            device.publish("mcv/v1/test-1/device/bodycam-r2/position", b'{"lat": 30.32, "lon": 120.16, "heading": 45}')
            for garbage in (b"{", b'{"gps": {"latitude": NaN}}', b"\x00" * 100, b'{"gps": []}'):
                device.publish("acme/cam-8/gps", garbage)
            assert wait_until(lambda: {u.uid for u in store.units()} >= {"cam-7", "bodycam-r2"}, 10)
            assert wait_until(lambda: seat.on(TOPICS.unit("cam-7")), 5)
            unit = decode(seat.on(TOPICS.unit("cam-7"))[-1], UnitState)
            assert (unit.unit_kind, unit.callsign, unit.lat) == ("responder", "Medic 1", 30.31)
            assert wait_until(lambda: link.status().errors == 4, 5)
            status = link.status()
            assert (status.state, status.messages_in) == ("degraded", 2) and "malformed" in status.detail
            for n in range(10):  # good reports outweigh the burst of garbage again
                device.publish(f"acme/cam-{n}/gps", b'{"gps": {"latitude": 30.3, "longitude": 120.1}}')
            assert wait_until(lambda: link.status().messages_in == 12 and link.status().state == "up", 5)
            assert "11 device(s) seen" in link.status().detail
            assert gateway.bad_input.count("link/field") == 4
            gateway.publish_status()
            assert wait_until(lambda: (s := link_state(seat)) is not None and s.errors == 4, 5)
            # a broker restart: the persistent session and resubscription bring the devices back
            field_broker.stop()
            assert wait_until(lambda: link.status().state == "down", 5)
            field_broker.start()
            assert wait_until(lambda: link.status().state != "down", 10)
            assert device.wait_connected(10)
            device.publish("acme/cam-99/gps", b'{"gps": {"latitude": 30.3, "longitude": 120.1}}')
            assert wait_until(lambda: "cam-99" in {u.uid for u in store.units()}, 10)
    finally:
        device.stop()
        gateway.stop()
        store.close()


def test_a_wrong_password_is_a_clear_down_state(tmp_path, broker, field_broker):
    (tmp_path / "wrong.pass").write_text("guess\n")
    (tmp_path / "wrong.pass").chmod(0o600)
    extra = 'username = "mcv"\npassword_file = "wrong.pass"\n'
    gateway, store = start_gateway(tmp_path, broker, LINK.format(url=field_broker.url, extra=extra))
    try:
        with Recorder(broker, f"{TOPICS.root}/#", "seat") as seat:
            assert wait_until(lambda: (s := link_state(seat)) is not None and s.state == "down", 10)
            state = link_state(seat)
            assert "check username and password_file" in state.detail and "guess" not in state.detail
            assert gateway.bus.is_connected  # the vehicle bus stays up
    finally:
        gateway.stop()
        store.close()


@pytest.mark.parametrize("ca, up", [("ca", True), ("other-ca", False)])
def test_tls_with_a_client_certificate(tmp_path, broker, field_broker, certs, ca, up):
    extra = (f'ca_file = "{certs / (ca + ".crt")}"\ncert_file = "{certs / "client.crt"}"\n'
             f'key_file = "{certs / "client.key"}"\n')
    url = f"mqtts://127.0.0.1:{field_broker.tls_port}"
    gateway, store = start_gateway(tmp_path, broker, LINK.format(url=url, extra=extra))
    link = gateway.links["field"]
    try:
        if up:
            assert wait_until(lambda: link.bus.is_connected, 10)
            with Recorder(field_broker, "#", "probe") as probe:  # the gateway said so on the field broker too
                assert wait_until(lambda: (s := link_state(probe)) is not None and s.state == "up", 5)
        else:
            assert wait_until(lambda: link.status().state == "down" and "ca_file" in link.status().detail, 10)
    finally:
        gateway.stop()
        store.close()


class MqttV311Gatekeeper:
    """A broker front that speaks only MQTT 3.1.1, like an old field broker: it refuses an
    MQTT 5 CONNECT with "unacceptable protocol version" and relays everything else to mosquitto."""

    def __init__(self, upstream: LocalBroker) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.refused = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="gatekeeper")
        self._thread.start()

    def _serve(self) -> None:
        pairs: list[tuple[socket.socket, socket.socket]] = []
        try:
            while not self._stop.is_set():
                ends = [self.listener] + [end for pair in pairs for end in pair]
                readable, _, _ = select.select(ends, [], [], 0.05)
                for end in readable:
                    if end is self.listener:
                        pair = self._admit(self.listener.accept()[0])
                        if pair:
                            pairs.append(pair)
                        continue
                    pair = next((p for p in pairs if end in p), None)
                    if pair is None:  # its other end closed earlier in this round
                        continue
                    try:
                        data = end.recv(65536)
                        if data:
                            (pair[1] if end is pair[0] else pair[0]).sendall(data)
                    except OSError:
                        data = b""
                    if not data:
                        pairs.remove(pair)
                        for side in pair:
                            side.close()
        finally:
            for pair in pairs:
                for side in pair:
                    side.close()
            self.listener.close()

    def _admit(self, client: socket.socket):
        client.settimeout(2)
        first = client.recv(65536)  # CONNECT: header, length, "\0\4MQTT", protocol level
        level = first[first.find(b"MQTT") + 4] if b"MQTT" in first else 0
        if level == 5:
            self.refused += 1
            client.sendall(b"\x20\x02\x00\x01")
            client.close()
            return None
        upstream = socket.create_connection((self.upstream.host, self.upstream.port))
        upstream.sendall(first)
        client.settimeout(None)
        return client, upstream

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)


def test_a_bus_whose_broker_refuses_mqtt5_speaks_mqtt311_to_it(broker):
    gatekeeper = MqttV311Gatekeeper(broker)
    bus = MqttBus(BusSettings(host="127.0.0.1", port=gatekeeper.port, client_id="old-broker"),
                  on_message=lambda topic, payload, retained: None)
    try:
        assert bus.protocol == mqtt.MQTTv5
        bus.start()
        assert wait_until(lambda: bus.is_connected, 10)
        assert gatekeeper.refused == 1 and bus.protocol == mqtt.MQTTv311
    finally:
        bus.stop()
        gatekeeper.close()


def test_a_field_link_speaks_mqtt311_so_an_old_field_broker_takes_it_at_once(tmp_path, broker):
    gatekeeper = MqttV311Gatekeeper(broker)
    gateway, store = start_gateway(tmp_path, broker, LINK.format(url=f"mqtt://127.0.0.1:{gatekeeper.port}", extra=""))
    link = gateway.links["field"]
    try:
        assert wait_until(lambda: link.bus.is_connected, 10)
        assert gatekeeper.refused == 0 and link.bus.protocol == mqtt.MQTTv311
        with Recorder(broker, "#", "device") as device:
            device.bus.publish("mcv/v1/test-1/device/r9/position", b'{"lat": 30.0, "lon": 120.0}')
            assert wait_until(lambda: "r9" in {u.uid for u in store.units()}, 10)
    finally:
        gateway.stop()
        store.close()
        gatekeeper.close()
