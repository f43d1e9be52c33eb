"""The video catalogue says which streams the gateway records: a real gateway on a real mosquitto,
recording a stream from the GStreamer RTSP test server, seen by a seat subscribed to ``video/+``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from support import Recorder, RunningGateway, wait_until

sys.path.insert(0, str(Path(__file__).parents[1] / "video"))  # the RTSP peers live with the video tests
from rtsp_peer import RtspTestServer, free_port  # noqa: E402

from radios.schema import PayloadError, StreamAnnouncement, decode  # noqa: E402
from radios import stream_catalogue  # noqa: E402
from radios.stream_catalogue import REASSERT_S, announce, catalogue_due  # noqa: E402

RECORDING_S = 15.0  # first key frame ~1.5 s after the camera answers, on a loaded machine much later


@pytest.fixture
def camera():
    server = RtspTestServer(free_port(), ("mast",))
    server.start()
    yield server
    server.stop()


def streams(camera: RtspTestServer) -> str:
    return (f'\n[[streams]]\nid = "mast-1"\nname = "Mast"\nkind = "mast"\nurl = "{camera.url("mast")}"\nrecord = true\n'
            f'\n[[streams]]\nid = "door"\nname = "Door"\nkind = "fixed"\nurl = "{camera.url("mast")}"\n')


def latest(seat: Recorder, topic: str) -> StreamAnnouncement | None:
    payloads = seat.on(topic)
    return decode(payloads[-1], StreamAnnouncement) if payloads else None


def test_the_catalogue_marks_a_stream_recording_once_its_recorder_writes(broker, tmp_path, camera):
    with RunningGateway(broker, tmp_path, streams(camera)) as running:
        gateway = running.gateway
        topics = gateway.topics
        with Recorder(broker, f"{topics.root}/video/+", client_id="rec-seat") as seat:
            assert wait_until(lambda: latest(seat, topics.video("door")) is not None, 5)

            def says_recording() -> bool:
                gateway.publish_status()  # the heartbeat, as run_until does every second
                entry = latest(seat, topics.video("mast-1"))
                return entry is not None and entry.recording

            assert wait_until(says_recording, RECORDING_S, interval_s=0.2)
            assert gateway.recordings.recording_ids() == {"mast-1"}
            assert latest(seat, topics.video("door")).recording is False, "only the stream marked record = true"
            published = len(seat.on(topics.video("mast-1")))
            for _ in range(3):
                gateway.publish_status()
            assert wait_until(lambda: len(seat.on(topics.video("mast-1"))) == published, 0.5)
            assert len(seat.on(topics.video("mast-1"))) == published, "retained again only when it changes"
            with Recorder(broker, f"{topics.root}/video/+", client_id="late-seat") as late:
                assert wait_until(lambda: latest(late, topics.video("mast-1")) is not None, 5)
                assert latest(late, topics.video("mast-1")).recording, "a seat that starts later sees it (retained)"
    with Recorder(broker, f"{topics.root}/video/+", client_id="after-seat") as after:  # the gateway has stopped
        assert wait_until(lambda: latest(after, topics.video("mast-1")) is not None, 5)
        assert latest(after, topics.video("mast-1")).recording is False, "a stopped gateway records nothing"


def test_recording_is_optional_and_must_be_true_or_false():
    entry = announce("gateway", "cam", "Cam", "fixed", "rtsp://127.0.0.1/cam", "config")
    assert entry.recording is False
    data = json.loads(entry.encode())
    assert data["recording"] is False
    del data["recording"]
    assert decode(json.dumps(data).encode(), StreamAnnouncement).recording is False  # an older gateway's entry
    for hostile in ("yes", 1, None, [True], {"on": True}):
        data["recording"] = hostile
        with pytest.raises(PayloadError):
            decode(json.dumps(data).encode(), StreamAnnouncement)


def test_a_drone_announcing_under_a_recorded_id_does_not_hide_the_recording(broker, tmp_path, camera, monkeypatch):
    monkeypatch.setattr(stream_catalogue, "REASSERT_S", 0.5)  # the real 5 s, shortened
    with RunningGateway(broker, tmp_path, streams(camera)) as running:
        gateway = running.gateway
        topics = gateway.topics
        with Recorder(broker, f"{topics.root}/video/+", client_id="rec-seat") as seat:

            def heartbeat_says_recording() -> bool:
                gateway.publish_status()
                entry = latest(seat, topics.video("mast-1"))
                return entry is not None and entry.source == "config" and entry.recording

            assert wait_until(heartbeat_says_recording, RECORDING_S, interval_s=0.2)
            drone = announce("gateway", "mast-1", "Mast", "mast", "rtsp://127.0.0.1:9/mast", "mavlink", unit="mast-1")
            seat.bus.publish(topics.video("mast-1"), drone.encode(), qos=1, retain=True).wait_for_publish(5)
            assert wait_until(lambda: latest(seat, topics.video("mast-1")).source == "mavlink", 5)
            assert wait_until(heartbeat_says_recording, 5, interval_s=0.2), "the configured entry is retained again"


@pytest.mark.parametrize(("recording", "published", "age_s", "due"), [
    (frozenset(), frozenset(), 999.0, False),                # nothing recorded, nothing to repeat
    (frozenset({"a"}), frozenset(), 0.0, True),              # a recorder started
    (frozenset(), frozenset({"a"}), 0.0, True),              # a recorder stopped
    (frozenset({"a"}), frozenset({"a"}), 0.1, False),        # said a moment ago
    (frozenset({"a"}), frozenset({"a"}), REASSERT_S, True),  # said long enough ago to say again
    (frozenset({"a", "b"}), frozenset({"a"}), 0.0, True),
])
def test_catalogue_due_decides_when_to_retain_the_entries_again(recording, published, age_s, due):
    assert catalogue_due(recording, published, 100.0, 100.0 + age_s) is due
