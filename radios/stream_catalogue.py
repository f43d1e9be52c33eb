"""The video catalogue on the bus: ``StreamAnnouncement`` payloads for configured and announced streams.

The gateway retains one on ``video/{stream}`` for each ``[[streams]]`` entry, each drone
that announces its video (``DroneFleet``) and each TAK device that sends ``__video``
(``TakBridge``). Urls go on the bus without ``user:password@``; a seat that needs the
credentials plays the stream from its own config entry of the same id.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable

from radios.config import StreamConfig
from radios.schema import PayloadError, StreamAnnouncement, strip_credentials

log = logging.getLogger(__name__)

REASSERT_S = 5.0
"""How often the entries of recorded streams are retained again: a drone or TAK device that
announces video under a configured stream's id replaces the entry on the bus, and with it
the word that the stream is recorded."""


def announce(src: str, stream: str, name: str, kind: str, url: str, source: str,
             unit: str | None = None, recording: bool = False) -> StreamAnnouncement | None:
    """The catalogue entry for one stream, its url stripped of credentials; None if the schema refuses it."""
    public = strip_credentials(url)
    if public is None:
        log.info("stream %s not announced: its url is not scheme://host/...", stream)
        return None
    try:
        return StreamAnnouncement.create(src, stream=stream, name=name[:128] or stream, stream_kind=kind,
                                         url=public, source=source, unit=unit, recording=recording)
    except PayloadError as exc:   # a hostile name or id from the field: leave it out of the catalogue
        log.info("stream %s not announced: %s", stream, exc)
        return None


def configured(streams: Iterable[StreamConfig], src: str,
               recording: Collection[str] = ()) -> list[StreamAnnouncement]:
    """The catalogue entries for the config's ``[[streams]]``: drones' carry the unit ``drone-{sysid}``;
    those whose id is in ``recording`` say the gateway is recording them."""
    entries = (announce(src, s.id, s.name, s.kind, s.url, "config",
                        unit=None if s.sysid is None else f"drone-{s.sysid}", recording=s.id in recording)
               for s in streams)
    return [entry for entry in entries if entry is not None]


def catalogue_due(recording: frozenset[str], published: frozenset[str], published_at: float, now: float) -> bool:
    """Whether the configured entries should be retained again: the recorded streams are not the ones
    last published, or some are recorded and their entries were retained ``REASSERT_S`` ago or more."""
    return recording != published or (bool(recording) and now - published_at >= REASSERT_S)
