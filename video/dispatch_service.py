"""Video dispatch to HQ, run by the gateway: which streams go up, each one's plan, and what to log.

``DispatchService`` keeps the streams chosen for HQ (by a seat or by HQ, through the
gateway's ``cmd/dispatch``), one ``DispatchWorker`` per chosen stream, and the backhaul's
state as the uplink reports it. Whenever one of those changes, and every second as the
workers report their source's bitrate, it asks ``DispatchPolicy`` for each stream's plan
and hands each worker its own. It tells the gateway through two callbacks:
``on_event(severity, text)`` for the incident log (a stream's start, stop, change of
quality, failure, pause for the backhaul) and ``on_change()`` when what goes up changed.
Both are called on whichever thread caused the change (the bus thread for a request, the
uplink's for the backhaul, a worker's for its status), never while a lock is held.

The budget follows the backhaul's measured capacity: each worker's status report feeds
``CapacityEstimatePolicy`` (video/dispatch_capacity.py) with what the pushes deliver and
whether one falls behind its camera (or, for SRT, whether SRT's own figures show the link
full); a new estimate is logged and re-plans every stream.

Besides the config's ``[[streams]]``, a drone's or TAK device's video that the gateway's
catalogue announced (``offer``, from the bus thread) can be sent, if its url is
``rtsp://``: the gateway pulls it as announced, without credentials.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from radios.config import DispatchConfig
from video.dispatch_capacity import CONFIGURED, CapacityEstimate, CapacityEstimatePolicy, DeliverySample
from video.dispatch_policy import (
    BACKHAUL_DOWN, COPY, HOLD, TRANSCODE, DispatchBudget, DispatchPlan, DispatchPolicy,
)
from video.dispatch_target import DispatchTarget
from video.dispatch_worker import FAILED, IDLE, SENDING, TRANSCODING, DispatchStatus, DispatchWorker
from video.stream_settings import StreamSettings

log = logging.getLogger(__name__)

STOP_TIMEOUT_S = 10.0
OFFERED_SCHEMES = ("rtsp", "rtsps")  # an announced stream is pulled only as RTSP, never file:// or udp://
BACKHAUL_UP_STATES = ("up", "not_configured")  # with no uplink configured the vehicle's own link is trusted
LAG_BEHIND_S = 0.5  # a push whose camera's packets wait this long for ffmpeg is held back by the link

EventCallback = Callable[[str, str], None]


@dataclass(frozen=True)
class DispatchSnapshot:
    """What goes up to HQ right now, against the budget (for the bus)."""

    backhaul: str
    budget_kbps: int
    capacity_kbps: int | None
    target: str
    streams: tuple[DispatchStatus, ...]
    capacity_source: str = ""  # "measured" or "configured"; empty while the capacity is unknown


class DispatchService:
    """Owns the dispatch workers of one gateway; ``request`` and ``on_backhaul`` from any thread."""

    def __init__(self, config: DispatchConfig, vehicle: str, streams: Iterable[StreamSettings],
                 capacity_kbps: int | None = None, *, on_event: EventCallback | None = None,
                 on_change: Callable[[], None] | None = None, ffmpeg: str | None = None,
                 capacity: CapacityEstimatePolicy | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``capacity_kbps`` is the configured link (``[uplink] link_kbps``): the estimate's ceiling and
        first guess; without it the ceiling is what ``total_kbps`` needs. ``capacity`` replaces the
        estimator (tests pass shorter times)."""
        if not config.url:
            raise ValueError("video dispatch needs [dispatch] url")
        self.config = config
        self.vehicle = vehicle
        self.configured_kbps = capacity_kbps or None
        self.policy = DispatchPolicy(DispatchBudget(config.stream_kbps, config.total_kbps, config.headroom_percent))
        ceiling = self.configured_kbps or math.ceil(config.total_kbps * 100 / max(1, 100 - config.headroom_percent))
        self._capacity = capacity or CapacityEstimatePolicy(max(ceiling, 100))
        self._capacity_lock = threading.Lock()  # guards _capacity (workers' threads sample it)
        self._clock = clock
        self._streams = {stream.id: stream for stream in streams}
        self._ffmpeg = ffmpeg
        self._on_event = on_event
        self._on_change = on_change
        self._lock = threading.Lock()  # guards _workers, _backhaul, _announced, _failures
        self._workers: dict[str, DispatchWorker] = {}
        self._backhaul = "not_configured"
        self._announced: dict[str, tuple[object, ...]] = {}  # the output last logged per stream
        self._failures: dict[str, str] = {}
        self._retired: list[DispatchWorker] = []  # stopped on request, joined by stop()
        self._offered: dict[str, StreamSettings] = {}  # announced on the bus by a drone or TAK device
        self._stopped = False
        example = DispatchTarget.for_stream(config, vehicle, "{stream}")
        self.target_shown = example.shown_url

    # --- requests ----------------------------------------------------------------------

    def request(self, stream_id: str, action: str, by: str = "") -> str | None:
        """Start or stop sending ``stream_id`` (any thread); returns why it was refused, or None."""
        who = f" ({by})" if by else ""
        if action == "start":
            stream, refusal = self._sendable(stream_id)
            if stream is None:
                return refusal
            with self._lock:
                if self._stopped or stream_id in self._workers:
                    return None
                target = DispatchTarget.for_stream(self.config, self.vehicle, stream_id,
                                                   **({"ffmpeg": self._ffmpeg} if self._ffmpeg else {}))
                worker = DispatchWorker(stream, target, on_status=self._on_worker_status)
                self._workers[stream_id] = worker
            log.info("Sending %s to HQ at %s%s", stream_id, target.shown_url, who)
            self._event("info", f"Video {stream.name} chosen for HQ{who}")
            worker.start()
            self._replan()
            return None
        if action == "stop":
            with self._lock:
                worker = self._workers.pop(stream_id, None)
                self._announced.pop(stream_id, None)
                self._failures.pop(stream_id, None)
            if worker is None:
                return None
            worker.stop(timeout=0)  # the caller may be the bus thread: stop() joins it later
            with self._lock:
                self._retired.append(worker)
            self._event("info", f"Video {self._name(stream_id)} no longer sent to HQ{who}")
            self._replan()
            return None
        return f"action {action!r} is not start or stop"

    def offer(self, stream: StreamSettings) -> None:
        """A drone's or TAK device's video announced on the bus (any thread); the config's entry of an id wins."""
        with self._lock:
            self._offered[stream.id] = stream

    def withdraw(self, stream_id: str) -> None:
        """An announcement cleared (any thread); a stream already going up goes on until it is stopped."""
        with self._lock:
            self._offered.pop(stream_id, None)

    def is_known(self, stream_id: str) -> bool:
        """Whether ``stream_id`` is configured or announced now (any thread)."""
        with self._lock:
            return stream_id in self._streams or stream_id in self._offered

    def _sendable(self, stream_id: str) -> tuple[StreamSettings | None, str]:
        """The stream to pull for ``stream_id``, or None and why it cannot be sent."""
        with self._lock:
            stream = self._streams.get(stream_id) or self._offered.get(stream_id)
        if stream is None:
            return None, (f"stream {stream_id!r} is not in the config's [[streams]] and no drone or TAK device "
                          "announces it; only those can be sent to HQ")
        scheme = stream.url.partition("://")[0].lower()
        if stream_id not in self._streams and scheme not in OFFERED_SCHEMES:
            return None, (f"stream {stream_id!r} is announced with a {scheme}:// url; announced video is sent to "
                          "HQ only from rtsp://, so add the camera to the config's [[streams]]")
        return stream, ""

    def on_backhaul(self, state: str) -> None:
        """The backhaul's state from the uplink (any thread): down holds every push, up resumes them."""
        with self._lock:
            changed = state != self._backhaul
            self._backhaul = state
            chosen = list(self._workers)
        if changed and chosen:
            if state in BACKHAUL_UP_STATES:
                self._event("info", f"Backhaul back: video to HQ resumes ({', '.join(map(self._name, chosen))})")
            else:
                self._event("warning", f"Backhaul down: video to HQ paused ({', '.join(map(self._name, chosen))})")
        if changed:
            self._replan()

    def stop(self) -> None:
        """Stop every worker (the gateway's stop)."""
        with self._lock:
            self._stopped = True
            workers = list(self._workers.values()) + self._retired
            self._workers.clear()
            self._retired = []
        for worker in workers:
            if not worker.stop(STOP_TIMEOUT_S):
                log.warning("video dispatch of %s did not stop within %.0f s", worker.stream_id, STOP_TIMEOUT_S)

    def snapshot(self) -> DispatchSnapshot:
        """What goes up right now (any thread)."""
        with self._lock:
            workers = list(self._workers.values())
            backhaul = self._backhaul
        up = backhaul in BACKHAUL_UP_STATES
        with self._capacity_lock:
            estimate = self._capacity.estimate
        capacity = self._known(estimate, estimate.kbps)
        budget = self.policy.available_kbps(up, self._known(estimate, estimate.planned_kbps))
        return DispatchSnapshot(backhaul=backhaul, budget_kbps=budget, capacity_kbps=capacity,
                                target=self.target_shown, streams=tuple(worker.status() for worker in workers),
                                capacity_source=estimate.source if capacity else "")

    @property
    def capacity_kbps(self) -> int | None:
        """The backhaul's capacity: measured, or configured; None when unknown (any thread)."""
        with self._capacity_lock:
            estimate = self._capacity.estimate
        return self._known(estimate, estimate.kbps)

    def _planned_kbps(self) -> int | None:
        """What the budget is planned on: the capacity and what is being probed beyond it."""
        with self._capacity_lock:
            estimate = self._capacity.estimate
        return self._known(estimate, estimate.planned_kbps)

    def _known(self, estimate: CapacityEstimate, kbps: int) -> int | None:
        if estimate.source == CONFIGURED and self.configured_kbps is None:
            return None  # no link configured and none measured narrower than total_kbps needs
        return kbps

    @property
    def chosen(self) -> list[str]:
        with self._lock:
            return list(self._workers)

    # --- planning ----------------------------------------------------------------------

    def _replan(self) -> None:
        """Ask the policy for every chosen stream's plan; hand each worker its own, log what changed."""
        with self._lock:
            workers = dict(self._workers)
            up = self._backhaul in BACKHAUL_UP_STATES
        plans = self.policy.decide(up, self._planned_kbps(), [w.source() for w in workers.values()],
                                   current={sid: w.plan for sid, w in workers.items()})
        for stream_id, plan in plans.items():
            workers[stream_id].set_plan(plan)
        self._changed()

    def _on_worker_status(self, status: DispatchStatus) -> None:
        """A worker's thread: its state changed or its source was measured again."""
        with self._lock:
            worker = self._workers.get(status.stream)
        if worker is None:
            return
        if worker.plan.mode not in (HOLD,) and worker.source().kbps is not None:
            self._replan()
        self._log_status(worker, status)
        self._sample_capacity()
        self._changed()

    def _sample_capacity(self) -> None:
        """A worker's thread: feed the capacity estimate what the pushes deliver; re-plan when it moves."""
        with self._lock:
            workers = list(self._workers.values())
            up = self._backhaul in BACKHAUL_UP_STATES
        sending = [(worker, worker.status()) for worker in workers]
        sending = [(worker, status) for worker, status in sending if status.state in (SENDING, TRANSCODING)]
        settle = self._capacity.settle_s  # a push just started (x264 warming up, buffers filling) proves nothing
        wants_more = any(worker.plan.share_kbps < self.config.stream_kbps and (
            worker.plan.mode == TRANSCODE or worker.plan.mode == HOLD and worker.plan.reason != BACKHAUL_DOWN)
            for worker in workers)
        # An SRT push is never held back (lag_s stays 0); its own figures say when the link is full,
        # and then only what it sent is known, not what arrived.
        full = [(worker.link_full(), worker.sending_for_s() >= settle) for worker, _ in sending]
        sample = DeliverySample(at=self._clock(), delivered_kbps=sum(worker.delivered_kbps() for worker, _ in sending),
                                behind=any(worker.lag_s() > LAG_BEHIND_S and worker.sending_for_s() >= settle
                                           for worker, _ in sending) or any(now and old for now, old in full),
                                sending=up and bool(sending), wants_more=wants_more,
                                arrived_known=not any(now for now, _ in full))
        with self._capacity_lock:
            before = self._capacity.estimate
            after = self._capacity.observe(sample)
        if after is before:
            return
        text = describe_capacity(after, configured=self.configured_kbps is not None)
        log.info("Backhaul capacity for video to HQ %s", text)
        self._event("info", f"Backhaul to HQ {text}: video to HQ may use {self.snapshot().budget_kbps} kb/s")
        self._replan()

    def _log_status(self, worker: DispatchWorker, status: DispatchStatus) -> None:
        """One log entry per start, change of quality and new failure of a stream."""
        name = self._name(status.stream)
        plan = worker.plan
        entry: tuple[str, str] | None = None
        with self._lock:
            if status.state in (SENDING, TRANSCODING) and self._announced.get(status.stream) != plan.output_key:
                first = status.stream not in self._announced or self._announced[status.stream][0] not in (
                    COPY, TRANSCODE)
                self._announced[status.stream] = plan.output_key
                self._failures.pop(status.stream, None)
                verb = "going to HQ" if first else "to HQ now"
                entry = ("info", f"Video {name} {verb}: {describe_plan(plan)}")
            elif status.state == FAILED and self._failures.get(status.stream) != _reason(status.detail):
                self._failures[status.stream] = _reason(status.detail)
                self._announced.pop(status.stream, None)
                entry = ("warning", f"Video {name} cannot reach HQ: {_reason(status.detail)}")
            elif status.state not in (SENDING, TRANSCODING, FAILED, IDLE) and plan.mode == HOLD:
                self._announced.pop(status.stream, None)
        if entry is not None:
            self._event(*entry)

    def _name(self, stream_id: str) -> str:
        stream = self._streams.get(stream_id) or self._offered.get(stream_id)
        return stream.name if stream is not None else stream_id

    def _event(self, severity: str, text: str) -> None:
        if self._on_event is not None:
            try:
                self._on_event(severity, text)
            except Exception:
                log.exception("video dispatch: the event subscriber raised")

    def _changed(self) -> None:
        if self._on_change is not None:
            try:
                self._on_change()
            except Exception:
                log.exception("video dispatch: the change subscriber raised")


def _reason(detail: str) -> str:
    """A failure's reason without the worker's "; trying again in N s", so each reason is logged once."""
    return detail.partition("; trying again")[0]


def describe_capacity(estimate: CapacityEstimate, configured: bool = True) -> str:
    """The capacity for the log: ``measured at 1100 kb/s (the pushes fell behind …)``."""
    if estimate.source == CONFIGURED and configured:
        return f"back to its configured {estimate.kbps} kb/s ({estimate.reason})"
    if estimate.source == CONFIGURED:
        return f"no longer measured below what [dispatch] total_kbps needs ({estimate.reason})"
    return f"measured at {estimate.kbps} kb/s ({estimate.reason})"


def describe_plan(plan: DispatchPlan) -> str:
    """The quality of a sending plan, for the log: ``re-encoded to 640x360 at 15 frames/s, 520 kb/s``."""
    if plan.mode == TRANSCODE:
        return (f"re-encoded to {plan.width}x{plan.height} at {plan.fps} frames/s, {plan.video_kbps} kb/s "
                f"(share {plan.share_kbps} kb/s)")
    size = f"{plan.width}x{plan.height}, " if plan.width and plan.height else ""
    return f"as the camera sends it, {size}not re-encoded (share {plan.share_kbps} kb/s)"
