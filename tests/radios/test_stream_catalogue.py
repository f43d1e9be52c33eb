"""The video catalogue on the bus: configured streams, a pymavlink fake drone's announced video and a
TAK device's ``__video`` retained on ``video/{stream}`` by a real gateway on a real mosquitto."""

import socket
import sys
from pathlib import Path

import pytest
from support import Recorder, RunningGateway, wait_until

sys.path.insert(0, str(Path(__file__).parent))  # the peers sit beside this file
from mavlink_peer import free_udp_port  # noqa: E402
from tak_peer import ATAK_SA, LOOPBACK, free_port  # noqa: E402

from radios.fake_drone import FakeDrone  # noqa: E402
from radios.schema import PayloadError, StreamAnnouncement, decode, strip_credentials  # noqa: E402


@pytest.fixture
def ports():
    return free_udp_port(), free_port()


@pytest.fixture
def gateway(broker, tmp_path, ports):
    drone_port, tak_port = ports
    extra = (f'\n[[links]]\nid = "drones"\ntype = "mavlink"\nurl = "udpin:127.0.0.1:{drone_port}"\n'
             f'\n[[links]]\nid = "tak"\ntype = "cot"\nurl = "udp://{LOOPBACK}:{tak_port}?peer={LOOPBACK}:{free_port()}"\n'
             '\n[[streams]]\nid = "mast-1"\nname = "Mast"\nkind = "mast"\n'
             'url = "rtsp://admin:s3cret-pw@192.168.10.21:554/main"\n')
    with RunningGateway(broker, tmp_path, extra) as running:
        assert wait_until(lambda: running.gateway.links["tak"].is_open, 5)
        yield running.gateway


def retained(seat: Recorder, topic: str) -> StreamAnnouncement:
    return decode(seat.on(topic)[-1], StreamAnnouncement)


def test_configured_drone_and_tak_streams_are_retained_without_credentials(gateway, broker, ports):
    topics = gateway.topics
    drone = FakeDrone(ports[0], sysid=3, video_uri="rtsp://pilot:dr0ne-pw@127.0.0.1:8554/drone-3").start()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tak:
            tak.sendto(ATAK_SA, (LOOPBACK, ports[1]))
        with Recorder(broker, f"{topics.root}/video/+", client_id="stream-seat") as seat:
            assert wait_until(lambda: seat.on(topics.video("drone-3")), 10)
            assert wait_until(lambda: seat.on(topics.video("ANDROID-359975090666199")), 5)
            assert wait_until(lambda: seat.on(topics.video("mast-1")), 5)
            mast, flying = retained(seat, topics.video("mast-1")), retained(seat, topics.video("drone-3"))
            alpha = retained(seat, topics.video("ANDROID-359975090666199"))
            raw = b"".join(payload for _, payload, _ in seat.messages)
    finally:
        drone.stop()
    assert (mast.stream_kind, mast.source, mast.url) == ("mast", "config", "rtsp://192.168.10.21:554/main")
    assert (flying.stream_kind, flying.source, flying.unit, flying.name) == ("drone", "mavlink", "drone-3", "Drone 3")
    assert flying.url == "rtsp://127.0.0.1:8554/drone-3"
    assert (alpha.stream_kind, alpha.source, alpha.name, alpha.url) == (
        "tak", "cot", "ALPHA-1", "rtsp://192.168.10.40:8554/alpha")
    assert b"s3cret-pw" not in raw and b"dr0ne-pw" not in raw


def test_the_schema_refuses_a_url_with_credentials():
    good = dict(stream="cam", name="Cam", stream_kind="fixed", url="rtsp://10.0.0.1/x", source="config")
    StreamAnnouncement.create("gateway", **good)
    for url in ("rtsp://u:p@10.0.0.1/x", "rtsp://u@10.0.0.1/x", "10.0.0.1/x", "rtsp://[::1/x"):
        with pytest.raises(PayloadError):
            StreamAnnouncement.create("gateway", **{**good, "url": url})
    for field, value in (("stream_kind", "satellite"), ("source", "hq"), ("stream", "a/b"), ("name", " ")):
        with pytest.raises(PayloadError):
            StreamAnnouncement.create("gateway", **{**good, field: value})
    assert strip_credentials("rtsp://u:p@10.0.0.1:554/x?a=1") == "rtsp://10.0.0.1:554/x?a=1"
    assert strip_credentials("not a url") is None
