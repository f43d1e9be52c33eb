"""Video dispatch through the gateway: a seat and HQ choose streams on the bus, the backhaul to a
real HQ broker is cut and restored (a socat hop killed by its PID), and each step is in the log."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from support import Recorder, RunningGateway, wait_until

sys.path.insert(0, str(Path(__file__).parents[1] / "video"))  # the HQ receiver
from dispatch_peers import HqReceiver  # noqa: E402

from radios.broker import free_port  # noqa: E402
from radios.bus import BusSettings, MqttBus  # noqa: E402
from radios.schema import CommandReply, DispatchRequest, DispatchState, Topics, decode  # noqa: E402
from video.fake_camera_server import FakeCameraServer, gstreamer_available  # noqa: E402

TOPICS = Topics("test-1")


def ask(seat: Recorder, stream: str, action: str) -> CommandReply:
    request = DispatchRequest.create("console@seat1", stream=stream, action=action, seat="commander")
    reply = seat.bus.request_sync(TOPICS.command("dispatch"), request.encode(), timeout_s=10)
    assert reply is not None, "the gateway did not answer"
    return decode(reply, CommandReply)


def latest(seat: Recorder) -> DispatchState | None:
    payloads = seat.on(TOPICS.dispatch)
    return decode(payloads[-1], DispatchState) if payloads else None


def states(seat: Recorder) -> list[tuple[str, str]]:
    state = latest(seat)
    return [(s["stream"], s["state"]) for s in state.streams] if state else []


def test_without_a_dispatch_url_requests_are_refused_saying_what_to_set(broker, tmp_path):
    with RunningGateway(broker, tmp_path) as running, Recorder(broker, f"{TOPICS.root}/#", "seat") as seat:
        reply = ask(seat, "cam1", "start")
        assert not reply.ok and "[dispatch] url" in reply.error
        raw = seat.bus.request_sync(TOPICS.command("dispatch"), b'{"kind":"dispatch_request","stream":"a/b"}', 10)
        assert raw is not None and not decode(raw, CommandReply).ok
        assert running.gateway.bad_input.count() >= 1


@pytest.fixture
def camera():
    if not gstreamer_available():
        pytest.fail("GStreamer's RTSP server is missing: run installer/setup.sh --dev")
    server = FakeCameraServer(free_port())
    server.start()
    yield server
    server.stop()


def test_seat_and_hq_choose_streams_the_backhaul_pauses_them_and_every_step_is_logged(
        broker, hq, backhaul, camera, tmp_path):
    receiver = HqReceiver("rtmp", free_port(), tmp_path).start()
    extra = (f'\n[uplink]\nurl = "mqtt://127.0.0.1:{backhaul.port}"\n'
             f'\n[dispatch]\nurl = "{receiver.url}"\nstream_kbps = 6000\ntotal_kbps = 6000\n'
             f'\n[[streams]]\nid = "cam1"\nname = "Gate camera"\nkind = "fixed"\nurl = "{camera.url()}"\n')
    hq_desk = MqttBus(BusSettings(hq.host, hq.port, "hq-video-desk"), on_message=lambda *message: None)
    try:
        with RunningGateway(broker, tmp_path, extra) as running, \
                Recorder(broker, f"{TOPICS.root}/#", "seat") as seat:
            gateway = running.gateway
            assert wait_until(lambda: gateway.uplink.is_up, 10)
            refused = ask(seat, "nope", "start")
            assert not refused.ok and "[[streams]]" in refused.error
            assert ask(seat, "cam1", "start").ok
            assert wait_until(lambda: states(seat) == [("cam1", "sending")], 20), states(seat)
            sent = latest(seat)
            assert sent.backhaul == "up" and sent.budget_kbps > 0 and sent.target.startswith("rtmp://127.0.0.1")
            assert wait_until(lambda: latest(seat).streams[0]["out_kbps"] > 0, 5)

            backhaul.cut()
            assert wait_until(lambda: states(seat) == [("cam1", "waiting_backhaul")], 10), states(seat)
            assert wait_until(lambda: receiver.process.poll() is not None, 10)  # HQ saw the push end
            receiver.stop()
            receiver.start()
            backhaul.restore()
            assert wait_until(lambda: states(seat) == [("cam1", "sending")], 20), states(seat)
            assert wait_until(lambda: receiver.size() > 50_000, 10)

            hq_desk.start()
            assert hq_desk.wait_connected(5)
            order = DispatchRequest.create("hq-duty-officer", stream="cam1", action="stop")
            hq_desk.publish(TOPICS.hq_orders, order.encode(), qos=1).wait_for_publish(5)
            assert wait_until(lambda: latest(seat).streams == [], 10), states(seat)
            texts = [e.text for e in running.store.events_since(None) if e.category == "video"]
    finally:
        hq_desk.stop()
        receiver.stop()
    expected = ["Video Gate camera chosen for HQ (commander)", "Video Gate camera going to HQ: as the camera sends it",
                "Backhaul down: video to HQ paused (Gate camera)", "Backhaul back: video to HQ resumes (Gate camera)",
                "Video Gate camera no longer sent to HQ (HQ)"]
    for start in expected:
        assert any(text.startswith(start) for text in texts), (start, texts)
