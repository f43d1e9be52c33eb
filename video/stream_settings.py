"""What the video package reads from a stream's settings, without depending on who made them.

``radios.config.StreamConfig`` (a frozen dataclass read from the TOML file) fits this
protocol, and so do ``AnnouncedStream`` (a stream from the bus's video catalogue) and a
test's ``SimpleNamespace``.
The video code takes the settings as a snapshot when a worker starts; a change of
settings means a new worker. URLs may carry camera credentials: show them only through
``radios.config.mask_url``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class StreamSettings(Protocol):
    """One video stream as the ingest sees it (read-only attributes)."""

    @property
    def id(self) -> str:
        """Stable identifier, also the stream's bus topic level."""

    @property
    def name(self) -> str:
        """Name shown to people."""

    @property
    def kind(self) -> str:
        """``drone``, ``bodycam``, ``mast`` or ``fixed``."""

    @property
    def url(self) -> str:
        """Main stream URL; may carry ``user:password@``."""

    @property
    def sub_url(self) -> str | None:
        """Optional lower-resolution sub-stream URL for small tiles."""

    @property
    def transport(self) -> str:
        """RTP transport under RTSP: ``tcp`` or ``udp``."""

    @property
    def latency_ms(self) -> int:
        """Latency target; bounds the demuxer's reordering delay."""


@dataclass(frozen=True)
class AnnouncedStream:
    """A stream the bus's video catalogue announced, as a settings snapshot; its url has no credentials."""

    id: str
    name: str
    kind: str
    url: str
    sub_url: str | None = None
    transport: str = "tcp"
    latency_ms: int = 200
    unit: str | None = None  # the unit carrying the camera (a drone, a TAK device), if the announcement named one
    source: str = "config"  # who announced it: the gateway's config, a drone (mavlink) or a TAK device (cot)
