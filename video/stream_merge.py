"""One tile per camera: which stream a wall shows when a configured one and an announced one are the same video.

A drone with a ``[[streams]]`` entry for its system id that also announces its video
(MAVLink VIDEO_STREAM_INFORMATION) reaches a seat twice: as the configured entry (id of
the operator's choosing, unit ``drone-{sysid}``) and as the drone's own catalogue entry
(id and unit ``drone-{sysid}``). ``StreamMergePolicy.decide`` says what the wall does with a
stream that arrives, given the streams it shows:

- the **configured** entry wins over an announced one for the same unit. Only the config
  holds the camera's credentials, its sub-stream and transport; its id is the one the
  gateway records evidence under (the tile's REC dot) and the one layouts and people
  know. The announced entry becomes an alias of the configured tile, so asking for it
  (by id or by url, as a unit's ``stream`` does) focuses that tile;
- an announced entry that arrived first gives way when the configured one arrives
  (``replace``), and its id and url stay aliases;
- two configured entries for one unit (a drone's main and thermal cameras) are both shown,
  and so are streams that name no unit.

Pure: no Qt, no socket; the wall (``console/video_wall.py``) carries out the decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from video.stream_settings import StreamSettings

ACTIONS = ("add", "known", "alias", "replace")


def stream_unit(stream: StreamSettings) -> str | None:
    """The unit carrying the camera: the announcement's ``unit``, or ``drone-{sysid}`` of a configured drone stream."""
    unit = getattr(stream, "unit", None)
    if unit:
        return unit
    sysid = getattr(stream, "sysid", None)
    return f"drone-{sysid}" if sysid is not None else None


def is_configured(stream: StreamSettings) -> bool:
    """A config entry (this seat's, or the gateway's from the catalogue), not a drone's or TAK device's announcement."""
    return getattr(stream, "source", "config") == "config"


@dataclass(frozen=True)
class MergeDecision:
    """``add`` a tile, the id is ``known`` already, ``alias`` it to ``target``, or ``replace`` ``target`` with it."""

    action: str
    target: str | None = None


class StreamMergePolicy:
    """Decides whether an arriving stream gets a tile of its own (see the module's rules)."""

    @staticmethod
    def decide(shown: Mapping[str, StreamSettings], incoming: StreamSettings) -> MergeDecision:
        if incoming.id in shown:
            return MergeDecision("known", incoming.id)
        unit = stream_unit(incoming)
        if unit is None:
            return MergeDecision("add")
        same_unit = [stream for stream in shown.values() if stream_unit(stream) == unit]
        configured = next((stream for stream in same_unit if is_configured(stream)), None)
        if not is_configured(incoming):
            if configured is not None:
                return MergeDecision("alias", configured.id)
            return MergeDecision("add")
        announced = next((stream for stream in same_unit if not is_configured(stream)), None)
        if announced is not None and configured is None:
            return MergeDecision("replace", announced.id)
        return MergeDecision("add")
