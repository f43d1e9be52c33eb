"""CapacityEstimatePolicy with plain numbers: a link that fills, one that clears, one that widens,
and samples no link could produce."""

from __future__ import annotations

import math
import random

import pytest

from video.dispatch_capacity import (
    CONFIGURED, FLOOR_KBPS, HYSTERESIS, MEASURED, CapacityEstimatePolicy, DeliverySample,
)
from video.dispatch_policy import ENCODER_FILL, DispatchBudget, DispatchPolicy

STEP_S = 0.5  # the service samples about once a second per stream; twice is harder on the policy


def feed(policy: CapacityEstimatePolicy, start: float, seconds: float, delivered: float, behind: bool,
         wants_more: bool = True) -> float:
    """The same sample every STEP_S for ``seconds``; returns the time after the last one."""
    at = start
    while at < start + seconds:
        policy.observe(DeliverySample(at, delivered, behind, wants_more=wants_more))
        at += STEP_S
    return at


def test_the_configured_link_is_the_first_guess():
    policy = CapacityEstimatePolicy(4000)
    assert (policy.estimate.kbps, policy.estimate.source, policy.estimate.probe_kbps) == (4000, CONFIGURED, 0)


def test_a_full_link_is_measured_at_what_it_delivered():
    policy = CapacityEstimatePolicy(4000)
    feed(policy, 0.0, 1.5, 1500, behind=True)
    assert policy.estimate.kbps == 4000  # a second behind is a key frame's burst, not a full link
    feed(policy, 1.5, 1.0, 1500, behind=True)
    assert (policy.estimate.kbps, policy.estimate.source) == (1500, MEASURED)
    assert "1500 kb/s" in policy.estimate.reason


def test_a_full_link_backs_off_at_least_multiplicatively_and_at_most_to_a_quarter():
    policy = CapacityEstimatePolicy(4000)
    feed(policy, 0.0, 3.0, 3900, behind=True)  # delivered nearly all: still full, so at least 15 % less
    assert policy.estimate.kbps == int(4000 * policy.backoff)
    at = feed(policy, 3.0 + policy.settle_s, 3.0, 10, behind=True)  # a trickle: not below a quarter per step
    assert policy.estimate.kbps == int(3400 * 0.25)
    feed(policy, at + policy.settle_s, 3.0, 10, behind=True)
    assert policy.estimate.kbps >= FLOOR_KBPS


def test_samples_right_after_a_change_are_ignored_while_the_pushes_restart():
    policy = CapacityEstimatePolicy(4000)
    feed(policy, 0.0, 3.0, 1500, behind=True)
    before = policy.estimate
    feed(policy, 3.0, policy.settle_s - 1.0, 200, behind=True)
    assert policy.estimate is before


def test_a_clear_link_is_probed_only_while_the_video_wants_more():
    policy = CapacityEstimatePolicy(4000)
    at = feed(policy, 0.0, 3.0, 1500, behind=True)
    at = feed(policy, at, policy.settle_s + policy.probe_after_s + 5, 1000, behind=False, wants_more=False)
    assert policy.estimate.probe_kbps == 0  # everything goes as the cameras send it: no restart for nothing
    feed(policy, at, policy.probe_after_s + 1, 1000, behind=False, wants_more=True)
    # The video delivers 1000 of 1500 planned: to try 10 % of the ceiling more (1900) it is planned 2850.
    assert policy.estimate.kbps == 1500 and policy.estimate.planned_kbps == 2850
    assert "trying 1900 kb/s" in policy.estimate.reason and policy.estimate.source == MEASURED


def test_a_probe_that_fills_the_link_measures_it_again():
    policy = CapacityEstimatePolicy(4000)
    at = feed(policy, 0.0, 3.0, 1500, behind=True)
    at = feed(policy, at, policy.settle_s + policy.probe_after_s + 1, 1000, behind=False)
    assert policy.estimate.planned_kbps == 2850
    at = feed(policy, at + policy.settle_s, 3.0, 1550, behind=True)
    assert (policy.estimate.kbps, policy.estimate.probe_kbps) == (1550, 0)
    at = feed(policy, at + policy.settle_s, policy.probe_after_s + 1, 1000, behind=False)
    assert policy.estimate.probe_kbps == 0  # the link filled at the last probe: the next one waits twice as long
    feed(policy, at, policy.probe_after_s, 1000, behind=False)
    assert policy.estimate.probe_kbps > 0


def test_a_link_carrying_more_than_known_raises_the_capacity_without_a_restart():
    policy = CapacityEstimatePolicy(4000)
    at = feed(policy, 0.0, 3.0, 1000, behind=True)
    at = feed(policy, at, policy.settle_s + policy.probe_after_s + 1, 600, behind=False)
    planned = policy.estimate.planned_kbps
    assert planned == int(1400 / 0.6)  # to deliver 1400 the video, at 60 % of its budget, needs 2333
    at = feed(policy, at + policy.settle_s, 3.0, 1400, behind=False)
    assert (policy.estimate.kbps, policy.estimate.planned_kbps, policy.estimate.source) == (1400, planned, MEASURED)
    feed(policy, at, policy.probe_after_s + 1, 1400, behind=False)
    assert "trying 2200 kb/s" in policy.estimate.reason  # found more: the next step is twice as large


def test_probing_up_to_the_ceiling_gives_the_configured_figure_back():
    policy = CapacityEstimatePolicy(2000, probe_step_percent=50)
    at = feed(policy, 0.0, 3.0, 1000, behind=True)
    for _ in range(3):
        at = feed(policy, at, policy.settle_s + policy.probe_after_s + 1, 700, behind=False)
    assert (policy.estimate.kbps, policy.estimate.source, policy.estimate.probe_kbps) == (2000, CONFIGURED, 0)


def test_no_sending_teaches_nothing_and_resets_the_clocks():
    policy = CapacityEstimatePolicy(4000)
    feed(policy, 0.0, 1.5, 1500, behind=True)
    policy.observe(DeliverySample(1.5, 0, behind=False, sending=False))
    feed(policy, 2.0, 1.5, 1500, behind=True)
    assert policy.estimate.kbps == 4000  # never 2 s behind in a row


@pytest.mark.parametrize("delivered", [math.nan, math.inf, -math.inf, -5000.0, 1e308])
def test_figures_no_link_could_deliver_leave_a_sane_estimate(delivered):
    policy = CapacityEstimatePolicy(4000)
    at = feed(policy, 0.0, 3.0, delivered, behind=True)
    assert FLOOR_KBPS <= policy.estimate.kbps <= 4000
    feed(policy, at + policy.settle_s, 20.0, delivered, behind=False)
    assert FLOOR_KBPS <= policy.estimate.planned_kbps <= 4000
    assert isinstance(policy.estimate.kbps, int) and isinstance(policy.estimate.probe_kbps, int)


def test_a_clock_going_backwards_does_not_wedge_or_crash_it():
    policy = CapacityEstimatePolicy(4000)
    feed(policy, 100.0, 3.0, 1500, behind=True)
    feed(policy, 50.0, 3.0, 1200, behind=True)  # a stepped clock: samples "before" the change
    assert FLOOR_KBPS <= policy.estimate.kbps <= 4000


def test_a_ceiling_below_any_picture_is_refused():
    with pytest.raises(ValueError, match="ceiling"):
        CapacityEstimatePolicy(10)


def test_random_samples_never_flap_the_plan():
    rng = random.Random(11)
    policy = CapacityEstimatePolicy(4000)
    changes: list[tuple[float, int]] = [(-100.0, policy.estimate.planned_kbps)]
    at = 0.0
    for _ in range(4000):
        estimate = policy.observe(DeliverySample(at, rng.uniform(0, 5000), rng.random() < 0.5,
                                                 sending=rng.random() < 0.95, wants_more=rng.random() < 0.7))
        if estimate.planned_kbps != changes[-1][1]:
            changes.append((at, estimate.planned_kbps))
        at += rng.uniform(0.05, 1.5)
    assert len(changes) > 10
    for (before_at, before), (after_at, after) in zip(changes, changes[1:]):
        assert after_at - before_at >= policy.settle_s
        assert abs(after - before) >= HYSTERESIS * before * 0.99 or after in (FLOOR_KBPS, 4000)


def simulate(link_kbps, seconds: float, policy: CapacityEstimatePolicy, start: float = 0.0,
             source_kbps: float = 3000, restart_s: float = 4.0, srt: bool = False) -> list[tuple[float, int, int]]:
    """A closed loop on a model link: the budget from the estimate, one stream re-encoded to it
    (video at ENCODER_FILL of its share plus 6 % of MPEG-TS), falling behind when it sends more
    than the link carries. ``srt``: a full push only guesses, low, what arrived.
    Returns (time, capacity, planned) every second."""
    budget = DispatchPolicy(DispatchBudget(stream_kbps=4000, total_kbps=4000, headroom_percent=30))
    trace = []
    at, restarted = start, start
    planned = policy.estimate.planned_kbps
    while at < start + seconds:
        share = budget.available_kbps(True, policy.estimate.planned_kbps)
        if policy.estimate.planned_kbps != planned:
            planned, restarted = policy.estimate.planned_kbps, at
        sends = min(source_kbps, share * ENCODER_FILL * 1.06)
        link = link_kbps(at) if callable(link_kbps) else link_kbps
        sending = at - restarted >= restart_s
        full = sends > link
        # A full SRT push guesses low what arrived (as if a fifth more was lost than the link dropped).
        arrived = min(sends, link) if not (srt and full) else max(0.0, sends - 1.2 * (sends - link))
        policy.observe(DeliverySample(at, arrived, full, sending=sending,
                                      wants_more=sends < source_kbps, arrived_known=not (srt and full)))
        trace.append((at, policy.estimate.kbps, policy.estimate.planned_kbps))
        at += 1.0
    return trace


def test_closed_loop_on_a_1500_kbps_link_converges_and_follows_a_wider_link():
    policy = CapacityEstimatePolicy(4000)
    trace = simulate(1500, 120, policy)
    converged = next(at for at, capacity, _ in trace if abs(capacity - 1500) <= 0.25 * 1500)
    assert converged <= 10, trace[:15]
    assert all(abs(capacity - 1500) <= 0.25 * 1500 for at, capacity, _ in trace if at >= converged), trace
    restarts = len({planned for _, _, planned in trace})
    assert restarts <= 12, trace  # one probe in ~15 s of clear link at most, no flapping
    wider = simulate(lambda at: 3000, 200, policy, start=120)
    followed = next(at for at, _, planned in wider if planned * 0.7 * ENCODER_FILL * 1.06 >= 0.75 * 3000 * 0.7)
    assert followed - 120 <= 150, wider


def test_a_full_push_that_cannot_count_what_arrived_drops_to_the_most_that_surely_went_through():
    policy = CapacityEstimatePolicy(4000)
    for at in range(4):  # full from the start, nothing carried clear yet: the push's guess
        policy.observe(DeliverySample(at, 1500, behind=True, arrived_known=False))
    assert policy.estimate.kbps == 1500 and "about 1500 kb/s" in policy.estimate.reason
    at = feed(policy, 10.0, 4.0, 1200, behind=False)  # clear at 1200: below the capacity, nothing changes
    assert policy.estimate.kbps == 1500
    for step in range(5):  # full again, guessing low: down to what it carried clear
        policy.observe(DeliverySample(at + step, 700, behind=True, arrived_known=False))
    assert policy.estimate.kbps == 1200  # 1200 carried clear (and at least 15 % below the plan of 1500)
    at += 5 + policy.settle_s
    for step in range(5):  # and full again at 1200: what was carried clear is no longer known to fit
        policy.observe(DeliverySample(at + step, 700, behind=True, arrived_known=False))
    assert policy.estimate.kbps == 1020  # 15 % below the plan


def test_a_young_push_that_cannot_count_what_arrived_shows_nothing_clear():
    policy = CapacityEstimatePolicy(4000)
    for at in range(4):  # not yet judged behind (young), but SRT says the link is full: nothing learnt
        policy.observe(DeliverySample(at, 3500, behind=False, arrived_known=False))
    assert policy.estimate.kbps == 4000
    for at in range(4, 8):  # then behind: its guess, not the 3500 "clear" before
        policy.observe(DeliverySample(at, 1750, behind=True, arrived_known=False))
    assert policy.estimate.kbps == 1750


def test_closed_loop_with_srt_on_a_1500_kbps_link_converges_from_below_and_follows_a_wider_link():
    policy = CapacityEstimatePolicy(3000)
    trace = simulate(1500, 240, policy, srt=True)
    converged = next(at for at, capacity, _ in trace if abs(capacity - 1500) <= 0.25 * 1500)
    assert converged <= 60, trace[:60]
    # Measured from below: within 25 % of the link from then on, but while a probe that reached the
    # ceiling runs (the configured figure) — a full SRT push cannot tell how far over the link it was.
    assert all(abs(capacity - 1500) <= 0.25 * 1500 or capacity == 3000
               for at, capacity, _ in trace if at >= converged), trace
    assert sum(capacity == 3000 for at, capacity, _ in trace if at >= converged) <= 40, trace
    wider = simulate(lambda at: 3000, 300, policy, start=240, srt=True)
    followed = next(at for at, _, planned in wider if planned * 0.7 * ENCODER_FILL * 1.06 >= 0.75 * 3000 * 0.7)
    assert followed - 240 <= 200, wider


def test_the_rate_while_behind_is_averaged_so_buffers_filling_before_do_not_inflate_it():
    policy = CapacityEstimatePolicy(4000)
    at = feed(policy, 0.0, 2.0, 2300, behind=False)  # kernel buffers fill: writes run ahead of the link
    for delivered in (900, 1100, 950, 1050, 1000):
        policy.observe(DeliverySample(at, delivered, behind=True))
        at += STEP_S
    assert policy.estimate.kbps == 1000


def test_the_service_budgets_on_the_measured_capacity_and_says_how_it_is_known():
    from radios.config import DispatchConfig
    from video.dispatch_service import DispatchService, describe_capacity

    config = DispatchConfig(url="srt://127.0.0.1:9", stream_kbps=2500, total_kbps=2100, headroom_percent=30)
    unknown = CapacityEstimatePolicy(3000)  # what total_kbps needs: 2100 / 70 %
    service = DispatchService(config, "test-1", [], capacity=unknown)
    snap = service.snapshot()
    assert (snap.capacity_kbps, snap.capacity_source, snap.budget_kbps) == (None, "", 2100)
    feed(unknown, 0.0, 3.0, 1000, behind=True)
    snap = service.snapshot()
    assert (snap.capacity_kbps, snap.capacity_source, snap.budget_kbps) == (1000, MEASURED, 700)
    assert describe_capacity(unknown.estimate).startswith("measured at 1000 kb/s")
    service.stop()

    configured = CapacityEstimatePolicy(2000)
    service = DispatchService(config, "test-1", [], 2000, capacity=configured)
    snap = service.snapshot()
    assert (snap.capacity_kbps, snap.capacity_source, snap.budget_kbps) == (2000, CONFIGURED, 1400)
    service.stop()
