"""The ingest's first picture comes from the first key frame it receives (GStreamer RTSP test server).

FFmpeg waits for a key frame while it probes a new stream; a worker that lets FFmpeg drop
the probed packets (``fflags nobuffer``) throws that key frame away and shows nothing
until the next one, a whole key-frame interval later (1 s on the test server, often 2–4 s
on real cameras). These tests pin that the probed key frame is handed out and decoded.
"""

from __future__ import annotations

import threading
import time

import av
import pytest
from rtsp_peer import FakeStreamConfig

from video.ingest import RtspIngestWorker

FIRST_FRAME_WITHIN_S = 5.0


class FirstPicture:
    """Records the video packets handed out until the first decoded frame (ingest thread)."""

    def __init__(self) -> None:
        self.video_packets: list[bool] = []  # is_keyframe of each video packet, in order
        self.packets_before_frame: int | None = None
        self.decoded = threading.Event()

    def on_packet(self, packet: av.Packet) -> None:
        if packet.stream.type == "video" and not self.decoded.is_set():
            self.video_packets.append(bool(packet.is_keyframe))

    def on_frame(self, frame: av.VideoFrame) -> None:
        if not self.decoded.is_set():
            self.packets_before_frame = len(self.video_packets)
            self.decoded.set()


def play_until_first_frame(url: str, transport: str = "tcp") -> tuple[FirstPicture, float]:
    first = FirstPicture()
    worker = RtspIngestWorker(FakeStreamConfig(url=url, transport=transport), on_packet=first.on_packet,
                              on_frame=first.on_frame)
    started = time.monotonic()
    worker.start()
    try:
        assert first.decoded.wait(FIRST_FRAME_WITHIN_S), "no picture from the test server"
        return first, time.monotonic() - started
    finally:
        assert worker.stop(timeout=10)


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_the_probed_key_frame_is_the_first_packet_and_the_first_picture(rtsp_server, transport):
    server = rtsp_server()
    first, took_s = play_until_first_frame(server.url(), transport)
    assert first.video_packets[:1] == [True], f"first video packets handed out: {first.video_packets[:5]}"
    assert first.packets_before_frame == 1, "the first picture is decoded from the first packet"
    print(f"first picture over {transport} {took_s:.2f} s after the worker started")
