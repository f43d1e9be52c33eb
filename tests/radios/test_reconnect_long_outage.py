"""A link that stays down for hours keeps retrying at the cap: the backoff never overflows.

Found by the one-hour soak: the demo's HQ consumer (retrying at most every second) died
with ``OverflowError`` from ``factor ** failures`` after about 1,024 failures in a row, so
HQ never came back; the uplink (capped at 5 s) would have died the same way after about
an hour and a half of backhaul outage.
"""

from __future__ import annotations

from support import wait_until

from radios.broker import LocalBroker, free_port
from radios.bus import BusSettings, MqttBus
from radios.reconnect_policy import ReconnectPolicy, ReconnectState
from radios.uplink import UPLINK_RECONNECT


def test_thousands_of_failures_in_a_row_keep_the_capped_delay():
    for policy in (ReconnectPolicy(), ReconnectPolicy(first_delay_s=0.2, max_delay_s=1.0), UPLINK_RECONNECT):
        state = ReconnectState()
        for _ in range(5000):
            decision = policy.decide(state, "failed", now=0.0)
            state = decision.state
        assert decision.delay_s == policy.max_delay_s
        assert state.failures == 5000


def test_a_huge_failure_count_and_a_steep_factor_still_give_the_cap():
    policy = ReconnectPolicy(first_delay_s=1.0, max_delay_s=60.0, factor=1e10)
    assert policy.decide(ReconnectState(failures=10**6), "lost", now=0.0).delay_s == 60.0


def test_a_held_connection_after_a_long_outage_starts_over_at_the_first_delay():
    policy = ReconnectPolicy()
    state = policy.decide(ReconnectState(failures=10**6), "connected", now=100.0).state
    assert policy.decide(state, "lost", now=100.0 + policy.stable_after_s).delay_s == policy.first_delay_s


def test_a_bus_that_failed_over_a_thousand_times_still_connects_when_its_broker_returns():
    port = free_port()
    downs = []
    bus = MqttBus(BusSettings("127.0.0.1", port, "test-long-outage"), on_message=lambda *_: None,
                  on_state=lambda state, detail: downs.append(1) if state == "down" else None,
                  # A steep factor reaches the overflow after about 103 failures instead of 1,024, so a
                  # loaded machine gets there in time; the path through the bus thread is the same.
                  policy=ReconnectPolicy(first_delay_s=0.0005, max_delay_s=0.001, factor=1e3))
    bus.start()
    try:
        assert wait_until(lambda: len(downs) > 150, 90), f"only {len(downs)} failed attempts so far"
        with LocalBroker(port=port):
            assert bus.wait_connected(15), "the bus gave up retrying during the outage"
    finally:
        bus.stop()
