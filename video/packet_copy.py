"""A demuxed packet copied off the ingest thread, and made into a packet again for a muxer.

The ingest's ``av.Packet`` belongs to its demuxer and is reused; whoever writes packets
on a thread of its own (the recorder, the relay to libvlc, the push to HQ) keeps a
``PacketCopy`` of the bytes and timing instead, and rebuilds a packet for its output
stream with ``to_packet``.
"""

from __future__ import annotations

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
