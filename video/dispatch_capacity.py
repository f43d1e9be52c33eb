"""What the backhaul to HQ really carries, estimated from what the pushes deliver, as a pure decision.

``CapacityEstimatePolicy.observe`` takes one ``DeliverySample`` at a time — the bytes the
pushes to HQ got onto the link over the last seconds and whether any push falls behind
its camera — and returns the ``CapacityEstimate`` the dispatch budget is taken from. The
configured figure (``[uplink] link_kbps``, or what ``[dispatch] total_kbps`` needs) is the
ceiling and the first guess, not the truth:

- a push that falls behind its camera for ``confirm_s`` means the link is full: what it
  delivers then is the link's rate, so the capacity becomes the mean rate delivered while
  behind, and drops by at least ``backoff`` of what was planned (multiplicative decrease,
  as TCP and WebRTC's GCC do; BBR takes a maximum instead, but a push's write rate
  overshoots while kernel buffers fill, so a mean is the honest figure here);
- a link that carried more than the capacity over ``window_s`` shows it can: the
  capacity rises to that;
- a link that stays clean for ``probe_after_s`` while the video wants more than it gets
  is probed: the budget is planned on capacity + ``probe_kbps``, chosen so that the video
  (which uses a known share of its budget, measured while clean) delivers
  ``probe_step_percent`` of the ceiling more than the capacity. If the link carries it,
  the capacity rises and the next step is twice as large; if it fills, the capacity is
  measured again and the next probe waits twice as long (up to ``PROBE_MAX_S``). At the
  ceiling the configured figure holds again. Only video uses the link enough to show its
  limit: with the headroom kept for the outbox, a budget planned on the capacity alone
  never fills it, so without probing a link that got wider would never be found.

A push that cannot count what arrives while the link is full (SRT: HQ acknowledges past the
packets it gave up on, so the sender's figures count them as delivered) sends samples with
``arrived_known`` False and ``delivered_kbps`` = its guess, on the low side, of what arrived.
The link then carried at least that, and at least what it last carried clear (kept across
changes, lowered with each drop): the capacity drops to the larger. The multiplicative
decrease still applies, and probing finds the rest from below.

Every change is at least ``HYSTERESIS`` of the planned figure and none comes within
``settle_s`` of the last (a new quality restarts the push; its first seconds say
nothing), so the quality at HQ does not flap. Times are plain numbers from the caller's clock.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

MEASURED, CONFIGURED = "measured", "configured"
CAPACITY_SOURCES = (MEASURED, CONFIGURED)

HYSTERESIS = 0.10  # a smaller move of the plan changes nothing: each change restarts the pushes
MIN_BACKOFF = 0.25  # a congested link's plan drops at most to this share per step
FLOOR_KBPS = 100  # below this no picture goes anyway (DispatchPolicy holds streams under 120 kb/s)
PROBE_MAX_S = 120.0  # a link that filled at each probe is probed again at most this rarely


@dataclass(frozen=True)
class DeliverySample:
    """The pushes to HQ at ``at``: what they delivered (kb/s, summed), whether one falls behind.

    ``sending`` is False while no push carries video (nothing can be learnt then);
    ``wants_more`` is True while a stream gets less than it would use (re-encoded down, or
    held for a thin share), the only case where probing for more is worth a restart.
    """

    at: float
    delivered_kbps: float
    behind: bool
    sending: bool = True
    wants_more: bool = False
    arrived_known: bool = True  # False: the link is full and delivered_kbps a low guess of what arrived (SRT)


@dataclass(frozen=True)
class CapacityEstimate:
    """The backhaul's capacity (kb/s) and how it is known; ``probe_kbps`` more is being tried.

    ``reason`` says why it last changed, for the log.
    """

    kbps: int
    source: str = CONFIGURED
    probe_kbps: int = 0
    reason: str = ""

    @property
    def planned_kbps(self) -> int:
        """What the budget is planned on: the capacity and the probe."""
        return self.kbps + self.probe_kbps


@dataclass
class CapacityEstimatePolicy:
    """Estimates one backhaul's capacity from delivery samples; one instance per backhaul."""

    ceiling_kbps: int
    confirm_s: float = 2.0  # a push behind this long is congestion, not a key frame's burst
    window_s: float = 4.0  # the delivered rate is averaged over at most this window
    settle_s: float = 6.0  # after a change, samples this young are ignored: the pushes restart
    probe_after_s: float = 15.0  # clean this long while the video wants more: probe up
    probe_step_percent: int = 10  # of the ceiling, per probe
    backoff: float = 0.85  # on congestion the plan drops at least to this share
    estimate: CapacityEstimate = field(init=False)
    _delivered: deque = field(init=False, repr=False)
    _behind_since: float | None = field(default=None, init=False, repr=False)
    _clean_since: float | None = field(default=None, init=False, repr=False)
    _changed_at: float | None = field(default=None, init=False, repr=False)
    _probe_wait_s: float = field(default=0.0, init=False, repr=False)  # grows while probes fill the link
    _probe_step: float = field(default=0.0, init=False, repr=False)  # grows while probes find more
    _probing: bool = field(default=False, init=False, repr=False)  # the last change was a probe
    _clear_kbps: float = field(default=0.0, init=False, repr=False)  # the most carried clear; lowered by drops
    _clear_unknown: bool = field(default=False, init=False, repr=False)  # this clear stretch had unknown samples

    def __post_init__(self) -> None:
        if self.ceiling_kbps < FLOOR_KBPS:
            raise ValueError(f"the capacity's ceiling must be at least {FLOOR_KBPS} kb/s, not {self.ceiling_kbps}")
        self.estimate = CapacityEstimate(self.ceiling_kbps, CONFIGURED)
        self._delivered = deque()
        self._reset_probing()

    def _reset_probing(self) -> None:
        self._probe_wait_s = self.probe_after_s
        self._probe_step = self.ceiling_kbps * self.probe_step_percent / 100

    def observe(self, sample: DeliverySample) -> CapacityEstimate:
        """Take one sample; returns the estimate, a new object only when it changed."""
        if not sample.sending:
            self._behind_since = self._clean_since = None
            self._delivered.clear()
            return self.estimate
        if self._changed_at is not None and 0 <= sample.at - self._changed_at < self.settle_s:
            return self.estimate  # the pushes restart with the new budget: nothing to learn yet
        delivered = max(0.0, sample.delivered_kbps) if math.isfinite(sample.delivered_kbps) else 0.0
        self._delivered.append((sample.at, delivered))
        while self._delivered and not sample.at - self.window_s <= self._delivered[0][0] <= sample.at:
            self._delivered.popleft()
        now = self.estimate
        if sample.behind:
            self._clean_since = None
            if self._behind_since is None or self._behind_since > sample.at:
                self._behind_since = sample.at
            if sample.at - self._behind_since >= self.confirm_s:
                best = self._mean_since(self._behind_since)
                reason = f"the pushes fell behind; the link carried {best:.0f} kb/s"
                if not sample.arrived_known:  # what arrived is a guess: take what surely went through
                    best = max(self._clear_kbps, best)
                    reason = f"the link did not carry what was sent; it carried about {best:.0f} kb/s"
                planned = now.planned_kbps
                dropped = min(max(best, planned * MIN_BACKOFF), planned * self.backoff)
                self._clear_kbps = min(self._clear_kbps, dropped)
                if self._probing:  # the probe filled the link: it is what was measured; probe less often
                    self._probe_wait_s = min(PROBE_MAX_S, self._probe_wait_s * 2)
                    self._probe_step = self.ceiling_kbps * self.probe_step_percent / 100
                    self._probing = False
                return self._change(sample.at, dropped, 0, reason)
            return now
        self._behind_since = None
        if self._clean_since is None or self._clean_since > sample.at:
            self._clean_since = sample.at
            self._clear_unknown = False
        # A young push is not yet judged behind, but one that cannot tell what arrived shows nothing clear.
        self._clear_unknown = self._clear_unknown or not sample.arrived_known
        best = self._mean_since(self._clean_since) if sample.at - self._clean_since >= self.confirm_s else 0.0
        if self._clear_unknown:
            best = 0.0
        self._clear_kbps = max(self._clear_kbps, best)
        if min(best, now.planned_kbps) > now.kbps * (1 + HYSTERESIS):
            # The plan stays (nothing restarts): only what is known of the link grows.
            kbps = int(min(best, now.planned_kbps))
            if self._probing:  # the probe found more: probe again soon, in a larger step
                self._probe_wait_s = self.probe_after_s
                self._probe_step = min(self.ceiling_kbps, self._probe_step * 2)
                self._probing = False
            self.estimate = CapacityEstimate(kbps, MEASURED, now.planned_kbps - kbps,
                                             f"the link carried {best:.0f} kb/s")
            return self.estimate
        if (sample.wants_more and now.planned_kbps < self.ceiling_kbps
                and sample.at - self._clean_since >= self._probe_wait_s):
            target = now.kbps + self._probe_step
            use = best / now.planned_kbps  # the share of its budget the video delivers, measured clear
            planned = target / use if use > 0.1 else now.planned_kbps + self._probe_step
            planned = max(planned, now.planned_kbps * (1 + HYSTERESIS))
            self._probing = True
            return self._change(sample.at, now.kbps, int(planned) - now.kbps,
                                f"clear for {sample.at - self._clean_since:.0f} s: trying {target:.0f} kb/s")
        return now

    def _mean_since(self, since: float) -> float:
        """The mean delivered rate of the window's samples from ``since`` on."""
        rates = [kbps for at, kbps in self._delivered if at >= since]
        return sum(rates) / len(rates) if rates else 0.0

    def _change(self, at: float, kbps: float, probe_kbps: int, reason: str) -> CapacityEstimate:
        kbps = int(max(FLOOR_KBPS, min(self.ceiling_kbps, kbps)))
        probe_kbps = max(0, min(probe_kbps, self.ceiling_kbps - kbps))
        source = MEASURED
        if kbps + probe_kbps >= self.ceiling_kbps:
            kbps, probe_kbps, source = self.ceiling_kbps, 0, CONFIGURED  # nothing shows the link narrower
        self._changed_at = at
        self._behind_since = self._clean_since = None
        self._delivered.clear()
        if (kbps, probe_kbps, source) != (self.estimate.kbps, self.estimate.probe_kbps, self.estimate.source):
            self.estimate = CapacityEstimate(kbps, source, probe_kbps, reason)
        return self.estimate
