"""What each stream sent to HQ may use of the backhaul, and in what quality, as a pure decision.

``DispatchPolicy.decide`` takes the backhaul's state and capacity, the budget from
``[dispatch]`` and what each chosen stream's camera sends, and returns one ``DispatchPlan``
per stream: sent as it is (``copy``, no re-encoding) when its source fits its share,
otherwise re-encoded down (``transcode``: a resolution, frame rate and bitrate from a
ladder that fits the share), ``hold`` while the backhaul is down or the share is too thin
for a picture worth sending, ``probe`` while the source's bitrate is not measured yet.
The IO (``DispatchWorker``) only carries plans out; the policy touches no socket and no
clock, so it is tested with plain numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

COPY, TRANSCODE, HOLD, PROBE = "copy", "transcode", "hold", "probe"

COPY_MARGIN = 1.2
"""A source is copied only when its measured bitrate times this fits its share: a camera's
bitrate swings with the scene and with each key frame."""

ENCODER_FILL = 0.8
"""Share of a stream's budget given to the encoder's video bitrate; MPEG-TS or FLV framing
and the SRT/RTMP headers take the rest."""

BACKHAUL_DOWN = "the backhaul to HQ is down"  # the reason of every plan held for the backhaul

MIN_STREAM_KBPS = 120
"""Below this a stream's share gives no picture worth watching; it is held instead."""

# (video kbps at least, height, frames/s): the first rung the budget reaches is used.
LADDER: tuple[tuple[int, int, int], ...] = (
    (2500, 720, 25),
    (1200, 540, 25),
    (700, 360, 25),
    (400, 360, 15),
    (200, 240, 12),
    (0, 180, 10),
)


@dataclass(frozen=True)
class DispatchBudget:
    """The ``[dispatch]`` budget: at most per stream, at most in total, headroom of a known link."""

    stream_kbps: int
    total_kbps: int
    headroom_percent: int = 30


@dataclass(frozen=True)
class SourceInfo:
    """One chosen stream as its camera sends it; ``kbps`` None until measured."""

    stream: str
    kbps: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None


@dataclass(frozen=True)
class DispatchPlan:
    """How one stream goes up: ``mode`` and, for ``transcode``, the picture and bitrate to encode.

    ``share_kbps`` is what the stream may use on the backhaul; ``reason`` says why it is
    held, for people.
    """

    stream: str
    mode: str
    share_kbps: int = 0
    video_kbps: int = 0
    width: int | None = None
    height: int | None = None
    fps: int | None = None
    reason: str = ""

    @property
    def sends(self) -> bool:
        return self.mode in (COPY, TRANSCODE)

    @property
    def output_key(self) -> tuple[object, ...]:
        """What the stream at HQ looks like; plans with equal keys need no restart of the push."""
        if self.mode == TRANSCODE:
            return (self.mode, self.width, self.height, self.fps, self.video_kbps)
        return (self.mode, self.reason) if self.mode == HOLD else (self.mode,)


@dataclass(frozen=True)
class DispatchPolicy:
    """Splits the budget evenly between the chosen streams and picks each one's quality."""

    budget: DispatchBudget

    def available_kbps(self, backhaul_up: bool, capacity_kbps: int | None) -> int:
        """What all dispatched video together may use now: the total budget, less where the link is known smaller."""
        if not backhaul_up:
            return 0
        available = self.budget.total_kbps
        if capacity_kbps:
            available = min(available, int(capacity_kbps * (100 - self.budget.headroom_percent) / 100))
        return max(0, available)

    def decide(self, backhaul_up: bool, capacity_kbps: int | None, sources: Sequence[SourceInfo],
               current: Mapping[str, DispatchPlan] | None = None) -> dict[str, DispatchPlan]:
        """One plan per source; ``capacity_kbps`` None or 0 means the link's capacity is unknown.

        ``current`` holds the plans being carried out: a stream already copied stays copied
        while its source fits the share without the margin, and a stream re-encoded stays so
        until its share changes, so a camera's bitrate swinging around the threshold does
        not flip it back and forth (each flip restarts the push at HQ).
        """
        if not sources:
            return {}
        if not backhaul_up:
            return {s.stream: DispatchPlan(s.stream, HOLD, reason=BACKHAUL_DOWN) for s in sources}
        available = self.available_kbps(backhaul_up, capacity_kbps)
        share = min(self.budget.stream_kbps, available // len(sources))
        current = current or {}
        return {s.stream: self._plan(s, share, current.get(s.stream)) for s in sources}

    def _plan(self, source: SourceInfo, share: int, current: DispatchPlan | None) -> DispatchPlan:
        if share < MIN_STREAM_KBPS:
            return DispatchPlan(source.stream, HOLD, share_kbps=share, reason=(
                f"its share of the backhaul, {share} kb/s, is below the {MIN_STREAM_KBPS} kb/s a picture needs; "
                "send fewer streams or raise [dispatch] total_kbps"))
        if source.kbps is None:
            return DispatchPlan(source.stream, PROBE, share_kbps=share)
        if current is not None and current.mode == TRANSCODE and current.share_kbps == share:
            return current  # the camera's bitrate swinging changes nothing the encoder does
        copying = current is not None and current.mode == COPY
        if source.kbps * (1.0 if copying else COPY_MARGIN) <= share:
            return DispatchPlan(source.stream, COPY, share_kbps=share, width=source.width, height=source.height)
        video_kbps = int(share * ENCODER_FILL)
        _, height, fps = next(rung for rung in LADDER if video_kbps >= rung[0])
        if source.height:
            height = min(height, source.height)  # never scale up
        width = _width_for(height, source.width, source.height)
        return DispatchPlan(source.stream, TRANSCODE, share_kbps=share, video_kbps=video_kbps,
                            width=width, height=height, fps=fps)


def _width_for(height: int, source_width: int | None, source_height: int | None) -> int:
    """The width keeping the source's aspect (16:9 when unknown), rounded to an even number."""
    if source_width and source_height:
        width = height * source_width / source_height
    else:
        width = height * 16 / 9
    return max(2, int(round(width / 2)) * 2)
