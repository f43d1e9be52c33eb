"""video/packet_copy.py: packets and stream parameters that outlive the pull's container."""

from __future__ import annotations

import gc
import io

import av
import numpy as np

from video.packet_copy import PacketCopy, own_copy


def clip(frames: int = 10) -> bytes:
    """A small H.264 clip in MPEG-TS, made here."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mpegts") as output:
        stream = output.add_stream("libx264", rate=25, options={"g": "5"})
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for n in range(frames):
            picture = np.full((240, 320, 3), n * 20, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                output.mux(packet)
        for packet in stream.encode():
            output.mux(packet)
    return buffer.getvalue()


def test_a_streams_own_copy_still_makes_an_output_after_the_pull_closed_its_container():
    source = av.open(io.BytesIO(clip()))
    video = source.streams.video[0]
    template = own_copy(video)
    copies = [PacketCopy.of(packet, video=True, arrived=0.0) for packet in source.demux(video) if packet.size]
    source.close()  # as the pull does on a reconnect: its streams are freed now
    del source, video
    gc.collect()

    written = io.BytesIO()
    with av.open(written, "w", format="nut") as output:
        stream = output.add_stream_from_template(template)
        assert (stream.codec_context.codec.id, stream.codec_context.width, stream.codec_context.height) == \
            (av.Codec("h264").id, 320, 240)
        for copy in copies:
            output.mux(copy.to_packet(stream))
    written.seek(0)
    with av.open(written) as check:
        assert sum(1 for _ in check.decode(video=0)) == len(copies) == 10
