"""The streams chosen for HQ survive a gateway restart: the choice is in the store, and a
restarted gateway (same store, a real camera and ffmpeg as HQ's receiver) sends them again.
A drone's announced stream can be sent too, and one chosen before the restart goes up again
once the drone announces it again."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support import Recorder, RunningGateway, wait_until

sys.path.insert(0, str(Path(__file__).parents[1] / "video"))  # the HQ receiver
from dispatch_peers import HqReceiver  # noqa: E402

from radios.broker import free_port  # noqa: E402
from radios.schema import (  # noqa: E402
    CommandReply, DispatchRequest, DispatchState, StreamAnnouncement, Topics, decode,
)
from video.fake_camera_server import FakeCameraServer, gstreamer_available  # noqa: E402

TOPICS = Topics("test-1")


@pytest.fixture
def camera():
    if not gstreamer_available():
        pytest.fail("GStreamer's RTSP server is missing: run installer/setup.sh --dev")
    server = FakeCameraServer(free_port())
    server.start()
    yield server
    server.stop()


def ask(seat: Recorder, stream: str, action: str) -> CommandReply:
    request = DispatchRequest.create("console@seat1", stream=stream, action=action, seat="commander")
    reply = seat.bus.request_sync(TOPICS.command("dispatch"), request.encode(), timeout_s=10)
    assert reply is not None, "the gateway did not answer"
    return decode(reply, CommandReply)


def states(seat: Recorder) -> list[tuple[str, str]]:
    payloads = seat.on(TOPICS.dispatch)
    return [(s["stream"], s["state"]) for s in decode(payloads[-1], DispatchState).streams] if payloads else []


def config(receiver: HqReceiver, camera: FakeCameraServer, *streams: str) -> str:
    text = f'\n[dispatch]\nurl = "{receiver.url}"\nstream_kbps = 6000\ntotal_kbps = 12000\n'
    for stream in streams:
        text += f'\n[[streams]]\nid = "{stream}"\nname = "Camera {stream}"\nkind = "fixed"\nurl = "{camera.url()}"\n'
    return text


def announce(seat: Recorder, stream: str, url: str, source: str = "mavlink") -> None:
    entry = StreamAnnouncement.create("gateway", stream=stream, name=f"Drone {stream}", stream_kind="drone", url=url,
                                      source=source, unit=f"drone-{stream}")
    seat.bus.publish(TOPICS.video(stream), entry.encode(), retain=True).wait_for_publish(5)


def test_a_restarted_gateway_sends_the_chosen_streams_again_and_an_announced_one_once_it_is_back(
        broker, camera, tmp_path):
    receiver = HqReceiver("rtmp", free_port(), tmp_path)
    try:
        receiver.start()
        with RunningGateway(broker, tmp_path, config(receiver, camera, "cam1", "cam2")) as running, \
                Recorder(broker, f"{TOPICS.root}/#", "seat1") as seat:
            assert ask(seat, "cam1", "start").ok and ask(seat, "cam2", "start").ok
            assert running.store.dispatch_choices() == ["cam1", "cam2"]  # stored before the answer
        receiver.stop()
        receiver.start()  # one ffmpeg takes one push: a fresh one for the restarted gateway

        # cam2 is taken out of the config meanwhile: it comes back as a drone's announced video.
        with RunningGateway(broker, tmp_path, config(receiver, camera, "cam1")) as running, \
                Recorder(broker, f"{TOPICS.root}/#", "seat2") as seat:
            assert wait_until(lambda: states(seat) == [("cam1", "sending")], 25), states(seat)
            assert wait_until(lambda: receiver.size() > 20_000, 10)  # HQ gets it, with nobody choosing again
            assert running.store.dispatch_choices() == ["cam1", "cam2"]  # cam2 waits for its announcement
            texts = [e.text for e in running.store.events_since(None) if e.category == "video"]
            assert any(t.startswith("Video cam2 was chosen for HQ before the restart; it goes up once") for t in texts)
            assert any(t.startswith("Video Camera cam1 chosen for HQ (chosen before the gateway restarted)")
                       for t in texts), texts

            assert ask(seat, "cam1", "stop").ok
            assert running.store.dispatch_choices() == ["cam2"]
            assert wait_until(lambda: states(seat) == [], 10), states(seat)
            receiver.stop()
            receiver.start()
            announce(seat, "cam2", camera.url())  # the drone is back, its video announced without credentials
            assert wait_until(lambda: states(seat) == [("cam2", "sending")], 25), states(seat)
            assert wait_until(lambda: receiver.size() > 20_000, 10)

            announce(seat, "tak1", "udp://0.0.0.0:5000", source="cot")
            refused = ask(seat, "tak1", "start")
            assert not refused.ok and "rtsp://" in refused.error and "[[streams]]" in refused.error
            rejected = running.gateway.bad_input.count()
            hostile = b'{"kind":"stream","stream":"x/y","url":"file:///etc"}'
            seat.bus.publish(TOPICS.video("bad"), hostile).wait_for_publish(5)
            assert wait_until(lambda: running.gateway.bad_input.count() > rejected, 5)
            assert ask(seat, "cam2", "stop").ok and running.store.dispatch_choices() == []
            for stream in ("cam2", "tak1"):  # the broker keeps retained entries: clear them
                seat.bus.publish(TOPICS.video(stream), b"", retain=True).wait_for_publish(5)

        with RunningGateway(broker, tmp_path, config(receiver, camera, "cam1")) as running:
            assert running.gateway.dispatch.service.chosen == []  # a stop is remembered too
    finally:
        receiver.stop()
