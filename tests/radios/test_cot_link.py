"""The CoT link with real peers on 127.0.0.1: pytak over UDP and TCP, a relaying TAK server, multicast on loopback."""

import socket
import struct
import sys
import threading
from pathlib import Path

import defusedxml.ElementTree as SafeET
import pytest
import takproto
from hypothesis import given, settings
from hypothesis import strategies as st
from support import wait_until

sys.path.insert(0, str(Path(__file__).parent))  # tak_peer.py sits beside this file
from tak_peer import (  # noqa: E402
    ATAK_SA, BILLION_LAUGHS, EXTERNAL_ENTITY, LOOPBACK, TakServer, free_port, pytak, pytak_receive, pytak_send,
)

from radios.config import LinkConfig  # noqa: E402
from radios.cot import MAX_EVENT_BYTES, build_unit, parse, to_protobuf  # noqa: E402
from radios.cot_link import CotLink, parse_cot_url  # noqa: E402
from radios.cot_stream import CotStreamSplitter  # noqa: E402
from radios.input_guard import BadInputLog  # noqa: E402


class Received:
    """What a link handed on (its reader thread appends)."""

    def __init__(self) -> None:
        self.events = []
        self.states = []
        self._lock = threading.Lock()

    def on_event(self, link_id, event) -> None:
        """Reader thread of the link."""
        with self._lock:
            self.events.append(event)

    def on_status(self, status) -> None:
        """Reader thread of the link."""
        with self._lock:
            self.states.append(status.state)

    def uids(self) -> list[str]:
        with self._lock:
            return [e.uid for e in self.events]


@pytest.fixture
def open_link():
    started = []

    def make(url: str, outgoing=None) -> tuple[CotLink, Received, BadInputLog]:
        received, bad = Received(), BadInputLog()
        link = CotLink(LinkConfig(id="tak", type="cot", url=url), on_event=received.on_event,
                       on_status=received.on_status, outgoing=outgoing, bad_input=bad)
        link.start()
        started.append(link)
        assert wait_until(lambda: link.is_open, 5), link.status().detail
        return link, received, bad

    yield make
    for link in started:
        link.stop()


def sa(uid: str, callsign: str = "ALPHA", lat: float = 30.27, lon: float = 120.15, cot_type: str = "a-f-G-U-C"):
    return pytak.gen_cot(lat=lat, lon=lon, uid=uid, cot_type=cot_type, callsign=callsign)


@pytest.mark.parametrize("protobuf", [False, True], ids=["xml", "protobuf"])
def test_pytak_over_udp_reaches_the_link(open_link, protobuf):
    port = free_port()
    link, received, _ = open_link(f"udp://{LOOPBACK}:{port}")
    pytak_send(f"udp+wo://{LOOPBACK}:{port}", [sa("p-1", "ALPHA"), sa("p-2", "BRAVO", cot_type="a-h-G")],
               protobuf=protobuf)
    assert wait_until(lambda: set(received.uids()) == {"p-1", "p-2"}, 5)
    assert wait_until(lambda: link.status().state == "up", 5)
    assert {e.callsign for e in received.events} == {"ALPHA", "BRAVO"}


def test_hostile_datagrams_are_counted_and_the_link_stays_up(open_link):
    port = free_port()
    link, received, bad = open_link(f"udp://{LOOPBACK}:{port}")
    hostile = [BILLION_LAUGHS, EXTERNAL_ENTITY, b"<event", b"\xbf\x01\xbf\xff\xff", b"\x00garbage",
               b"<event>" + b"x" * 60000 + b"</event>"]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as noise:
        for datagram in hostile:
            noise.sendto(datagram, (LOOPBACK, port))
        noise.sendto(ATAK_SA, (LOOPBACK, port))
    assert wait_until(lambda: "ANDROID-359975090666199" in received.uids(), 5)
    assert wait_until(lambda: bad.count("link/tak") == len(hostile), 5), bad.count()
    assert link.status().errors == len(hostile) and link.status().state != "down"


def test_multicast_on_loopback_in_and_our_units_out(open_link):
    group, port = "239.2.3.1", free_port()
    ours = build_unit("mcv-t-engine-3", "Engine 3", 30.2, 120.1)
    link, received, _ = open_link(f"udp://{group}:{port}?iface={LOOPBACK}&ttl=0&send_every=0.2",
                                  outgoing=lambda: [ours])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listener, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((group, port))
        listener.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                            socket.inet_aton(group) + socket.inet_aton(LOOPBACK))
        listener.settimeout(5)
        sender.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(LOOPBACK))
        sender.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, struct.pack("b", 0))
        sender.sendto(to_protobuf(sa("mesh-1", "MESH"), stream=False), (group, port))
        assert wait_until(lambda: "mesh-1" in received.uids(), 5)
        heard = b""
        while b"mcv-t-engine-3" not in heard:
            heard = listener.recv(65536)
    element = SafeET.fromstring(heard)
    assert element.get("type") == "a-f-G-U-C" and element.find("detail/contact").get("callsign") == "Engine 3"
    assert takproto.xml2proto(heard)
    assert link.status().messages_out >= 1
    assert "mcv-t-engine-3" not in received.uids(), "our own SA, looped back by the group, came in as news"


def test_tak_server_stream_xml_and_protobuf_hostile_input_and_reconnect(open_link):
    ours = build_unit("mcv-t-drone-1", "Drone 1", 30.3, 120.3, cot_type="a-f-A-M-F-Q")
    with TakServer() as server:
        link, received, bad = open_link(f"{server.url}?send_every=0.2", outgoing=lambda: [ours])
        assert wait_until(lambda: server.clients == 1, 5)
        pytak_send(server.url, [sa("tcp-1", "CHARLIE")])
        pytak_send(server.url, [sa("tcp-2", "DELTA")], protobuf=True)
        assert wait_until(lambda: {"tcp-1", "tcp-2"} <= set(received.uids()), 5), received.uids()
        server.inject(BILLION_LAUGHS + EXTERNAL_ENTITY + b"<event>" + b"A" * (10 * 1024 * 1024) + b"</event>"
                      + b"\x01\x02junk" + sa("tcp-3", "ECHO"))
        assert wait_until(lambda: "tcp-3" in received.uids(), 10), received.uids()
        assert bad.count("link/tak") == 4 and link.status().state != "down"
        server.drop_clients()   # a TAK server restart
        assert wait_until(lambda: "down" in received.states, 5)
        assert wait_until(lambda: server.clients == 1 and link.is_open, 5)
        server.inject(to_protobuf(sa("tcp-4", "FOXTROT"), stream=True))
        assert wait_until(lambda: "tcp-4" in received.uids(), 5)


def test_our_units_reach_a_pytak_client_through_the_tak_server(open_link):
    ours = build_unit("mcv-t-engine-3", "Engine 3", 30.2, 120.1)
    with TakServer() as server:
        open_link(f"{server.url}?send_every=0.2", outgoing=lambda: [ours])
        heard = pytak_receive(server.url, lambda data: b"mcv-t-engine-3" in data, timeout_s=5)
    assert heard and b"mcv-t-engine-3" in heard[-1]
    event = parse(heard[-1].strip())
    assert (event.callsign, event.type) == ("Engine 3", "a-f-G-U-C")


def test_a_missing_server_is_down_with_a_reason_and_a_bad_url_says_how_to_write_it():
    received = Received()
    port = free_port(socket.SOCK_STREAM)
    link = CotLink(LinkConfig(id="tak", type="cot", url=f"tcp://{LOOPBACK}:{port}"), on_event=received.on_event,
                   on_status=received.on_status)
    link.start()
    try:
        assert wait_until(lambda: "down" in received.states, 5)
        assert "TAK server" in link.status().detail
    finally:
        link.stop()
    for bad in ("tls://tak", "udp://name.example:6969", "tcp://host", "udp://239.2.3.1:6969?ttl=999",
                "udp://239.2.3.1:6969?colour=red", "serial:///dev/ttyUSB0"):
        with pytest.raises(ValueError, match="CoT url"):
            parse_cot_url(bad)
    assert parse_cot_url("udp://239.2.3.1:6969?iface=10.0.0.2&ttl=0&proto=1").multicast


def test_the_stream_splitter_cuts_events_arriving_byte_by_byte():
    frame = to_protobuf(build_unit("u", "U", 1.0, 2.0), stream=True)
    stream = ATAK_SA + b"\r\n" + frame + ATAK_SA
    splitter, messages = CotStreamSplitter(), []
    for index in range(len(stream)):
        found, problems = splitter.feed(stream[index:index + 1])
        assert not problems
        messages += found
    assert messages == [ATAK_SA, frame, ATAK_SA]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=8), st.integers(1, 64))
def test_the_stream_splitter_survives_any_bytes_in_any_chunking(pieces, size):
    good = ATAK_SA
    stream = b"".join(pieces) + b"</event>" + good + to_protobuf(build_unit("u", "U", 1.0, 2.0), stream=True)
    splitter = CotStreamSplitter(max_bytes=MAX_EVENT_BYTES)
    messages = []
    for start in range(0, len(stream), size):
        found, problems = splitter.feed(stream[start:start + size])
        messages += found
        assert all(isinstance(p, str) for p in problems)
    assert all(len(m) <= MAX_EVENT_BYTES for m in messages)
