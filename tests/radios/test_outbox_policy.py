"""OutboxPolicy and TokenBucket: what goes next, how much, how fast — plain numbers, no sockets."""

import pytest

from radios.outbox_policy import (
    PRIORITY_ALARM, PRIORITY_BULK, PRIORITY_EVENT, PRIORITY_NAMES, PRIORITY_ORDER, PRIORITY_POSITION,
    OutboxItem, OutboxPolicy, TokenBucket, drain_rate, priority_of_event,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def item(seq: int, priority: int, size: int = 10) -> OutboxItem:
    return OutboxItem(seq, f"id-{seq}", priority, "t", b"x" * size, "2024-05-01T12:00:00.000Z", 0)


def test_priorities_order_alarm_order_event_position_bulk():
    assert PRIORITY_ALARM < PRIORITY_ORDER < PRIORITY_EVENT < PRIORITY_POSITION < PRIORITY_BULK
    assert [PRIORITY_NAMES[p] for p in sorted(PRIORITY_NAMES)] == ["alarm", "order", "event", "position", "bulk"]
    assert priority_of_event("alarm", "order") == PRIORITY_ALARM  # an alarm outranks its category
    assert priority_of_event("info", "order") == PRIORITY_ORDER
    assert priority_of_event("warning", "message") == PRIORITY_ORDER
    assert priority_of_event("warning", "link") == PRIORITY_EVENT


def test_choose_goes_by_priority_then_age_and_skips_busy_rows():
    rows = [item(5, PRIORITY_POSITION), item(1, PRIORITY_EVENT), item(9, PRIORITY_ALARM), item(2, PRIORITY_EVENT)]
    chosen = OutboxPolicy().choose(rows, busy={"id-1"}, in_flight=0)
    assert [i.seq for i in chosen] == [9, 2, 5]
    assert [i.retain for i in chosen] == [False, False, True]  # HQ keeps the latest position


def test_choose_stops_at_the_in_flight_limit_and_slots_wait_for_acks():
    policy = OutboxPolicy(max_in_flight=10, refill_at=4)
    rows = [item(n, PRIORITY_EVENT) for n in range(20)]
    assert len(policy.choose(rows, busy=set(), in_flight=7)) == 3
    assert policy.slots(0) == 10 and policy.slots(6) == 4 and policy.slots(7) == 0


def test_drain_rate_is_a_share_of_the_link():
    assert drain_rate(0, 50) is None  # link rate unknown: no throttle
    assert drain_rate(800, 25) == pytest.approx(25_000)  # 800 kbit/s = 100 kB/s, a quarter of it


def test_token_bucket_allows_burst_then_the_rate():
    clock = FakeClock()
    bucket = TokenBucket(rate=1000, burst=500, clock=clock)
    assert bucket.try_take(400) and not bucket.try_take(350)
    assert bucket.wait_s(350) == pytest.approx(0.25)
    clock.now += 0.25
    assert bucket.try_take(350)
    clock.now += 10  # idle time does not pile up beyond the burst
    assert bucket.try_take(500) and not bucket.try_take(1)
    clock.now += 1
    assert bucket.try_take(2000)  # larger than the burst: waits for a full bucket, then borrows
    assert bucket.wait_s(1) == pytest.approx(1.501)
    with pytest.raises(ValueError):
        TokenBucket(rate=0, burst=1, clock=clock)


def test_a_throttled_drain_keeps_order_within_a_priority():
    clock = FakeClock()
    policy = OutboxPolicy.for_link(link_kbps=8, share_percent=50, clock=clock)  # 500 bytes/s, burst 500
    rows = [item(1, PRIORITY_EVENT, 300), item(2, PRIORITY_EVENT, 300), item(3, PRIORITY_EVENT, 10)]
    assert [i.seq for i in policy.choose(rows, busy=set(), in_flight=0)] == [1]  # 3 would fit but must wait
    clock.now += 0.5
    assert [i.seq for i in policy.choose(rows[1:], busy=set(), in_flight=1)] == [2, 3]


def test_compaction_only_when_positions_pile_up():
    policy = OutboxPolicy(compact_above=100)
    assert not policy.should_compact(100)
    assert policy.should_compact(101)
