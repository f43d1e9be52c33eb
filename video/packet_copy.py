"""A demuxed packet copied off the ingest thread, and made into a packet again for a muxer.

The ingest's ``av.Packet`` belongs to its demuxer and is reused; whoever writes packets
on a thread of its own (the recorder, the relay to libvlc, the push to HQ) keeps a
``PacketCopy`` of the bytes and timing instead, and rebuilds a packet for its output
stream with ``to_packet``. ``own_copy`` does the same for a stream's parameters, the
template of an output stream made later on another thread.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from fractions import Fraction

import av


@dataclass(frozen=True)
class PacketCopy:
    """The bytes and timing of one packet; ``arrived`` is the monotonic time it was read."""

    data: bytes
    index: int
    pts: int | None
    dts: int | None
    time_base: Fraction | None
    key: bool
    video: bool
    arrived: float

    @classmethod
    def of(cls, packet: av.Packet, *, video: bool, arrived: float) -> PacketCopy:
        """Copy ``packet`` (on the thread that read it, before it is reused)."""
        return cls(bytes(packet), packet.stream_index, packet.pts, packet.dts, packet.time_base,
                   bool(packet.is_keyframe), video, arrived)

    def to_packet(self, stream: av.stream.Stream) -> av.Packet:
        """A packet of these bytes and timing for ``stream`` of an output container."""
        packet = av.Packet(self.data)
        packet.pts, packet.dts, packet.time_base = self.pts, self.dts, self.time_base
        packet.is_keyframe = self.key
        packet.stream = stream
        return packet


def own_copy(stream: av.stream.Stream) -> av.stream.Stream:
    """Ingest thread: ``stream``'s parameters in a stream of a container of our own.

    The pull closes its container on a reconnect or a stop, and that frees its streams even
    while Python still holds them: the push to HQ, which made its output from the pull's own
    stream later on its thread, crashed the process once in about 45 runs doing so. This
    copy is freed only when the last reference to it goes.
    """
    holder = av.open(io.BytesIO(), "w", format="nut")
    return holder.add_stream_from_template(stream)
